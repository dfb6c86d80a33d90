"""Static checks of config, schema, rules and conda envs (conda itself is unavailable here)."""

from __future__ import annotations

import ast
import re
import sys

import jsonschema
import numpy as np
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


def _merged(base, update):
    """Snakemake's --configfile merge: nested mappings key by key, other values replaced."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def test_paper_config_layers_on_the_default_and_is_valid():
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    merged = _merged(CONFIG, paper)
    jsonschema.Draft202012Validator(SCHEMA).validate(merged)
    assert merged["seeds"] == [0, 1, 2]
    for name, entry in paper["models"].items():
        assert entry["kind"] == CONFIG["models"][name]["kind"], name
    assert merged["models"]["ipminer"]["params"]["ae_epochs"] == 100
    assert merged["models"]["rpiembeddor"]["params"]["max_epochs"] == 90
    assert merged["models"]["rpiembeddor"]["datasets"] is None  # every target dataset
    assert merged["embedding"]["allow_random_init"] is False


@pytest.mark.parametrize("layer", ["default", "paper"])
def test_every_configured_model_builds_with_its_params(layer):
    """A misspelt hyperparameter fails here, not hours into a cluster run."""
    pytest.importorskip("torch")
    from rnainteract.models.inputs import PairInputs
    from rnainteract.models.registry import MODEL_VIEWS, build_model

    config = CONFIG
    if layer == "paper":
        config = _merged(CONFIG, yaml.safe_load((REPO / "config/paper.yaml").read_text()))
    inputs = PairInputs(np.zeros(1), np.zeros(1), {}, {})
    for name, entry in config["models"].items():
        kind, params = entry["kind"], entry.get("params", {})
        model = build_model(kind, params, seed=0, inputs=inputs if kind in MODEL_VIEWS else None)
        assert hasattr(model, "fit"), name
        with pytest.raises((ValueError, TypeError)):
            build_model(kind, {**params, "no_such_parameter": 1}, seed=0, inputs=inputs)


@pytest.mark.parametrize("layer", ["default", "paper"])
def test_mirna_models_build_with_their_params(layer):
    """The miRNA branch's site-model and MIL parameters are fields of their estimators (a
    misspelt one is a TypeError), and the site model's token layout fits miRAW's 70 nt."""
    pytest.importorskip("torch")
    from rnainteract.models.neural.mirna_target import MILClassifier, MirnaTargetClassifier

    config = CONFIG
    if layer == "paper":
        config = _merged(CONFIG, yaml.safe_load((REPO / "config/paper.yaml").read_text()))
    mirna = config["mirna"]
    for name, spec in mirna["models"].items():
        params = {**mirna["params"], **spec.get("params", {})}
        model = MirnaTargetClassifier(**params, segment_embedding=spec["segment_embedding"])
        assert model.mirna_length + model.site_length == 70, name
        with pytest.raises(TypeError):
            MirnaTargetClassifier(**params, no_such_parameter=1)
    MILClassifier(**mirna["mil"]["params"])


@pytest.mark.parametrize("layer", ["default", "paper"])
def test_rbp_models_build_with_their_params(layer):
    """The RBP branch's CNN and MMFA parameters are fields of their estimators, and every MMFA
    variant reads known views."""
    pytest.importorskip("torch")
    from rnainteract.models.neural.mmfa import VIEWS, MMFAClassifier, ViewCNNClassifier

    config = CONFIG
    if layer == "paper":
        config = _merged(CONFIG, yaml.safe_load((REPO / "config/paper.yaml").read_text()))
    rbp = config["rbp"]
    for view in VIEWS:
        ViewCNNClassifier(view=view, **rbp["cnn"])
    for name, spec in rbp["models"].items():
        MMFAClassifier(**{**rbp["mmfa"], **spec.get("params", {})})
        assert set(spec["views"]) <= set(VIEWS), name
    with pytest.raises(TypeError):
        MMFAClassifier(**rbp["mmfa"], no_such_parameter=1)


def test_schema_knows_every_registered_model_kind():
    from rnainteract.models.registry import MODEL_KINDS

    kinds = SCHEMA["properties"]["models"]["additionalProperties"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(MODEL_KINDS)


def test_schema_refuses_a_bad_policy():
    bad = {**CONFIG, "cleaning": {"unknown_letters": "ignore"}}
    with pytest.raises(jsonschema.ValidationError, match="ignore"):
        jsonschema.Draft202012Validator(SCHEMA).validate(bad)


# current-release databases: no fixed checksum (they change with each release)
RELEASE_SOURCES = {"rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans"}
# the mirror holds CSV conversions of these .xlsx files: no checksum fits both (config comment)
CONVERTED_SOURCES = {"esm2amp_pan_positives", "esm2amp_pan_negatives", "esm2amp_pan_proteins"} | {
    # EDCNN's plain FASTA upstream, gzipped in the mirror
    name
    for name in CONFIG["sources"]
    if name.startswith("edcnn_")
}
# the full RNAcommender / AURA files: not in the mirror, so no checksum could be taken here
UNAVAILABLE_SOURCES = {"rnacommender_interactions", "rnacommender_utrs", "aura_utrs"}
# databases' own bulk downloads (updated in place: no sha256), fetched only with targets.rnainter
DATABASE_DOWNLOADS = {
    "rnainter_rp": "http://www.rnainter.org/raidMedia/download/",
    "noncode_fasta": "http://www.noncode.org/datadownload/",
}


def test_default_sources_are_pinned():
    for name, entry in CONFIG["sources"].items():
        if entry["path"].startswith("weights/"):  # model weights: the official download URLs
            assert re.match(
                r"https://(huggingface\.co/[^/]+/[^/]+/resolve/|dl\.fbaipublicfiles\.com/fair-esm/)",
                entry["url"],
            ), name
            continue
        if name in RELEASE_SOURCES:
            assert entry["url"].startswith("https://ftp.ebi.ac.uk/pub/databases/"), name
            continue
        if name in DATABASE_DOWNLOADS:
            assert entry["url"].startswith(DATABASE_DOWNLOADS[name]) and "sha256" not in entry
            continue
        if name == "aura_utrs":  # the AURA download site, not GitHub
            assert (
                entry["url"].startswith("http://aura.science.unitn.it/") and "sha256" not in entry
            )
            continue
        if name in CONVERTED_SOURCES | UNAVAILABLE_SOURCES:
            assert "sha256" not in entry, name
        else:
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


# import name -> conda package; binaries -> the package that provides them
CONDA_PACKAGES = {
    "numpy": "numpy", "pandas": "pandas", "pyarrow": "pyarrow", "sklearn": "scikit-learn",
    "Bio": "biopython", "matplotlib": "matplotlib-base", "requests": "requests",
    "urllib3": "urllib3", "yaml": "pyyaml", "tqdm": "tqdm", "jsonschema": "jsonschema",
    "pyhmmer": "pyhmmer", "scipy": "scipy", "torch": "pytorch", "transformers": "transformers",
    "esm": "fair-esm", "multimolecule": "multimolecule", "xgboost": "py-xgboost",
    "optuna": "optuna", "shap": "shap", "RNA": "viennarna", "isal": "python-isal",
    "frictionless": "frictionless", "mlcroissant": "mlcroissant", "skops": "skops",
    "duckdb": "python-duckdb", "statsmodels": "statsmodels", "networkx": "networkx",
}  # fmt: skip
BINARY_PACKAGES = {"cd-hit-est": "cd-hit", "mmseqs": "mmseqs2", "cmscan": "infernal",
                   "cmpress": "infernal", "hmmscan": "hmmer"}  # fmt: skip
SRC = REPO / "src"


def _module_needs(path, seen):
    """Third-party import names and binaries needed by a Python file, following rnainteract
    imports (also lazy ones inside functions and module names given as strings)."""
    tree = ast.parse(path.read_text())
    text = path.read_text()
    imports, binaries = set(), {b for b in BINARY_PACKAGES if f'"{b}"' in text}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"rnainteract(\.\w+)+", node.value):
                names = [node.value]
        for name in names:
            if name.split(".")[0] != "rnainteract":
                imports.add(name.split(".")[0])
                continue
            for candidate in (
                SRC / (name.replace(".", "/") + ".py"),
                SRC / name.replace(".", "/") / "__init__.py",
            ):
                if candidate.is_file() and candidate not in seen:
                    seen.add(candidate)
                    more_imports, more_binaries = _module_needs(candidate, seen)
                    imports |= more_imports
                    binaries |= more_binaries
    return imports, binaries


def _rule_envs():
    """(rule, script path, env path) for every rule with a script."""
    for _, name, body in _rules():
        script = re.search(r'script:\s*\n\s*"([^"]+)"', body)
        env = re.search(r'conda:\s*\n\s*"([^"]+)"', body)
        if script and env:
            base = REPO / "workflow/rules"
            yield name, (base / script.group(1)).resolve(), (base / env.group(1)).resolve()


def _env_packages(env: dict) -> dict[str, str]:
    """Package name -> pinned version of a conda env file (conda and pip entries)."""
    out = {}
    for spec in env["dependencies"]:
        if isinstance(spec, dict):  # pip: [name==version, ...]
            for pip_spec in spec["pip"]:
                name, _, version = pip_spec.partition("==")
                out[name] = version
        else:
            name, _, version = spec.partition("=")
            out[name] = version
    return out


@pytest.mark.parametrize("env_file", sorted(p.name for p in (REPO / "envs").glob("*.yaml")))
def test_envs_are_pinned(env_file):
    env = yaml.safe_load((REPO / "envs" / env_file).read_text())
    for name, version in _env_packages(env).items():
        assert version and version[0].isdigit(), f"{env_file}: {name} is not pinned"
    assert "nodefaults" in env["channels"]


def test_each_rule_env_has_what_its_script_imports_or_calls():
    checked = 0
    for rule, script, env_path in _rule_envs():
        imports, binaries = _module_needs(script, set())
        stdlib = set(sys.stdlib_module_names) | {"snakemake"}
        unknown = imports - stdlib - set(CONDA_PACKAGES)
        assert not unknown, f"rule {rule}: map {unknown} to conda packages in this test"
        needed = {CONDA_PACKAGES[i] for i in imports - stdlib} | {"python"}
        if "pandas" in needed:
            needed.add("pyarrow")  # every table is Parquet
        needed |= {BINARY_PACKAGES[b] for b in binaries}
        env = yaml.safe_load(env_path.read_text())
        names = set(_env_packages(env))
        assert needed <= names, f"rule {rule}: {env_path.name} lacks {sorted(needed - names)}"
        checked += 1
    assert checked >= 12


def test_cluster_rules_call_the_clustering_tools():
    needs = {rule: _module_needs(script, set())[1] for rule, script, _ in _rule_envs()}
    assert "cd-hit-est" in needs["cluster_rna"] and "mmseqs" in needs["cluster_proteins"]
    assert {"cmscan", "cmpress"} <= needs["annotate_rfam"] and not needs["train_model"]
