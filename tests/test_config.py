"""Static checks of config, schema, rules and conda envs (conda itself is unavailable here)."""

from __future__ import annotations

import re

import jsonschema
import pytest
import yaml
from conftest import REPO

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text())
RULE_FILES = sorted((REPO / "workflow/rules").glob("*.smk"))


def _properties(schema, path="config"):
    """Yield (path, sub-schema) of every declared property, recursively."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", sub
        yield from _properties(sub, f"{path}.{name}")
        if isinstance(sub.get("additionalProperties"), dict):
            yield from _properties(sub["additionalProperties"], f"{path}.{name}.*")
        if isinstance(sub.get("items"), dict):
            yield from _properties(sub["items"], f"{path}.{name}[]")


def test_every_schema_property_has_type_and_description():
    defs = SCHEMA["$defs"]
    for path, sub in _properties(SCHEMA):
        resolved = defs[sub["$ref"].split("/")[-1]] if "$ref" in sub else sub
        assert "type" in resolved, f"{path} has no type"
        assert "description" in resolved, f"{path} has no description"


def test_default_config_is_valid():
    jsonschema.Draft202012Validator(SCHEMA).validate(CONFIG)


def test_schema_refuses_a_bad_policy():
    bad = {**CONFIG, "cleaning": {"unknown_letters": "ignore"}}
    with pytest.raises(jsonschema.ValidationError, match="ignore"):
        jsonschema.Draft202012Validator(SCHEMA).validate(bad)


def test_default_sources_are_pinned():
    for name, entry in CONFIG["sources"].items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), name
        # raw GitHub URLs at a fixed commit, as the PROVENANCE.md files name them
        assert re.match(
            r"https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/", entry["url"]
        ), name


def _rules():
    for path in RULE_FILES:
        text = path.read_text()
        for match in re.finditer(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)+)", text, re.M):
            yield path.name, match.group(1), match.group(2)


def test_every_rule_has_log_resources_and_conda_env():
    rules = list(_rules())
    assert len(rules) >= 12
    for filename, name, body in rules:
        for directive in ("log:", "resources:", "conda:"):
            assert directive in body, f"{filename}: rule {name} lacks {directive}"
        env = re.search(r'conda:\s*\n\s*"([^"]+)"', body).group(1)
        assert (REPO / "workflow/rules" / env).resolve().is_file(), f"rule {name}: {env} missing"
        assert "lambda" not in body and "run:" not in body, f"rule {name}: use get_* helpers"


ENV_NEEDS = {
    # env file -> packages its rules import or call
    "rnainteract.yaml": {
        "python",
        "numpy",
        "pandas",
        "pyarrow",
        "scikit-learn",
        "biopython",
        "matplotlib-base",
        "requests",
        "urllib3",
    },
    "cluster.yaml": {"cd-hit", "mmseqs2", "python", "pandas", "biopython"},
}


@pytest.mark.parametrize("env_file", sorted(ENV_NEEDS))
def test_envs_are_pinned_and_complete(env_file):
    env = yaml.safe_load((REPO / "envs" / env_file).read_text())
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    names = set()
    for spec in specs:
        name, _, version = spec.partition("=")
        assert version and version[0].isdigit(), f"{env_file}: {spec} is not pinned"
        names.add(name)
    assert ENV_NEEDS[env_file] <= names, ENV_NEEDS[env_file] - names
    assert "nodefaults" in env["channels"]
