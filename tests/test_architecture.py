"""The package layout: import contracts (import-linter, pyproject.toml), module sizes, and a map in
every subpackage's docstring (src/rnainteract/__init__.py describes the layers)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

PACKAGE = REPO / "src" / "rnainteract"
CONTRACTS = ("layers", "branches", "model-families", "families-independent", "light-planning")
MAX_LINES, EXEMPT = 600, set()


def lint_imports(src_root) -> subprocess.CompletedProcess:
    """``lint-imports`` over the package found under ``src_root``, with the repo's contracts."""
    env = {**os.environ, "PYTHONPATH": str(src_root)}
    lint = shutil.which("lint-imports") or pytest.skip("import-linter is not installed")
    return subprocess.run(
        [lint, "--no-cache", str(REPO / "pyproject.toml")],
        cwd=src_root,
        env=env,
        capture_output=True,
        text=True,
    )


def test_import_contracts_hold():
    proc = lint_imports(REPO / "src")
    print(proc.stdout[-3000:])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in proc.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a low layer reaching up (here: io importing a task)
        ("io/files.py", "from rnainteract.tasks import rpi", "Layers:"),
        # one branch using another's code
        ("tasks/ppi.py", "from rnainteract.tasks.mirna import data", "branches of tasks/"),
        # the registry importing a model family (planning would import torch)
        ("models/registry.py", "from rnainteract.models.classic import rpiseq", "stands alone"),
        # an import hidden inside a function counts too
        ("config/queries.py", "def _f():\n    import torch", "needs neither torch"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    """The contracts can fail: a copy of the package with one forbidden import is refused,
    naming the contract it breaks."""
    copy = tmp_path / "src" / "rnainteract"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}\n")
    proc = lint_imports(tmp_path / "src")
    assert proc.returncode != 0, proc.stdout[-2000:]
    broken = [row for row in proc.stdout.splitlines() if row.endswith("BROKEN")]
    assert broken, proc.stdout[-2000:]
    assert contract in proc.stdout[proc.stdout.index("Contracts") :]


def test_no_module_exceeds_the_size_of_one_concern():
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    too_long = {m: n for m, n in sizes.items() if n > MAX_LINES and m not in EXEMPT}
    assert not too_long, f"split these modules (over {MAX_LINES} lines): {too_long}"


def test_every_subpackage_says_what_lives_there_and_what_it_may_import():
    for folder in sorted(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__"):
        init = folder / "__init__.py"
        assert init.is_file(), f"{folder.relative_to(REPO)} has no __init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc.split()) >= 15, f"{init.relative_to(REPO)}: no docstring map"
    top = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text()))
    for layer in ("io", "sources", "annotate", "dataset", "features", "models", "evaluation"):
        assert f"{layer}/" in top, f"the package map does not mention {layer}/"


def test_the_registry_and_config_import_without_heavy_libraries():
    """Planning a DAG imports rnainteract.config, the model registry and (with a lock) the
    source lock: none may pull in scikit-learn, torch, numpy or pandas (measured in a fresh
    interpreter, not by the contract alone)."""
    code = (
        "import sys, rnainteract.config, rnainteract.models.registry, rnainteract.sources.lock;"
        "print(sorted(m for m in ('torch', 'sklearn', 'transformers', 'numpy', 'pandas')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
