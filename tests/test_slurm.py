"""The workflow through a real one-node SLURM cluster (`--profile profiles/slurm`).

Skipped where SLURM is not installed or the tests do not run as root, unless
RNAINTERACT_REQUIRE_SLURM=1 (set by .ci/run, which installs slurm-wlm and munge), where it fails.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import pytest
from conftest import REPO
from slurm_cluster import LocalSlurm, missing_binaries
from test_workflow import tiny_config

pytestmark = pytest.mark.workflow

TARGET = "results/metrics/tiny/rna_family/rpiseq_rf.json"
COMPARED = [
    "results/pairs/tiny.parquet",
    "results/sequences/tiny/rna.fasta",
    "results/sequences/tiny/proteins.fasta",
    "results/annotation/tiny/rna_families.tsv",
    "results/annotation/tiny/protein_clans.tsv",
    "results/splits/tiny/rna_family.parquet",
    "results/splits/tiny/rna_family.leakage.json",
    "results/predictions/tiny/rna_family/rpiseq_rf.parquet",
    TARGET,
]
SUBMITTED = {
    "build_pairs",
    "cluster_rna",
    "cluster_proteins",
    "make_split",
    "rna_features",
    "protein_features",
    "train_model",
}


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    problem = missing_binaries() or ([] if os.geteuid() == 0 else ["root"])
    if problem:
        if os.environ.get("RNAINTERACT_REQUIRE_SLURM") == "1":
            pytest.fail(f"SLURM test required but {problem} missing")
        pytest.skip(f"SLURM not available: {problem} missing")
    with LocalSlurm(tmp_path_factory.mktemp("slurm")) as cluster:
        yield cluster


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_slurm_run_equals_local_run(slurm, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    for workdir in (local, cluster):
        workdir.mkdir()
    config = tiny_config(tmp_path)
    base = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "--configfile",
        str(config),
    ]
    subprocess.run(
        [*base, "-d", str(local), "--cores", "2", TARGET], check=True, cwd=REPO, capture_output=True
    )
    started = time.monotonic()
    proc = subprocess.run(
        [
            *base,
            "-d",
            str(cluster),
            "--profile",
            str(REPO / "profiles/slurm"),
            "--jobs",
            "4",
            "--slurm-keep-successful-logs",
            "--latency-wait",
            "5",
            TARGET,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=slurm.env,
        timeout=900,
    )
    wall = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-5000:]
    print(f"SLURM run of {TARGET}: {wall:.1f} s wall")
    # every non-local rule went through sbatch: the controller knows one job per rule
    comments = slurm.job_comments()
    for rule in SUBMITTED:
        assert any(c.startswith(f"rule_{rule}") for c in comments), (rule, comments)
    assert not any(c.startswith("rule_evaluate_model") for c in comments)  # train_model evaluates
    slurm_logs = cluster / ".snakemake/slurm_logs"
    logs = {p.relative_to(slurm_logs).parts[0] for p in slurm_logs.rglob("*.log")}
    assert {f"rule_{r}" for r in SUBMITTED} <= logs
    for rel in COMPARED:
        assert sha256(cluster / rel) == sha256(local / rel), rel
