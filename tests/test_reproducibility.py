"""Determinism and resume: byte-identical outputs across clean runs and after a SIGKILL."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml
from conftest import REPO
from test_workflow import tiny_config

pytestmark = pytest.mark.workflow


def snakemake_cmd(workdir, config, *args):
    return [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "-d",
        str(workdir),
        "--configfile",
        str(config),
        "--cores",
        "2",
        *args,
    ]


def run(workdir, config, *targets, extra=()):
    proc = subprocess.run(
        snakemake_cmd(workdir, config, *extra, *targets), cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-5000:]


def digests(workdir, pattern="results/**/*"):
    """sha256 of every file under results/, by relative path."""
    return {
        str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(workdir.glob(pattern))
        if p.is_file()
    }


def test_two_clean_runs_of_a_real_dataset_are_byte_identical(tmp_path, shared_data):
    """RPI369 with its own negatives and with RNAInterAct negatives: two clean runs give the same
    bytes (the sha256 of each dataset table and split is in its log); another negative seed gives
    another, equally valid dataset."""
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["mirror_dirs"] = [str(shared_data)]
    config["datasets"]["rpi369_rnainteract"] = {"from": "rpi369", "negatives": "rnainteract"}
    config["targets"]["datasets"] = ["rpi369", "rpi369_rnainteract"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    targets = [
        f"results/splits/{d}/{s}.parquet"
        for d in ("rpi369", "rpi369_rnainteract")
        for s in ("random", "rna_family", "protein_cold", "both_cold")
    ]
    first, second = tmp_path / "a", tmp_path / "b"
    for workdir in (first, second):
        workdir.mkdir()
        run(workdir, path, *targets)
    a, b = digests(first), digests(second)
    assert len(a) >= 30 and a == b
    for rel, digest in a.items():
        print(f"{digest}  {rel}")
    table = "results/datasets/rpi369_rnainteract/pairs.parquet"
    log = (first / "logs/build_dataset/rpi369_rnainteract.log").read_text()
    assert f"sha256 = {a[table]}" in log
    split = "results/splits/rpi369_rnainteract/rna_family.parquet"
    assert a[split] in (first / "logs/make_split/rpi369_rnainteract/rna_family.log").read_text()

    config["negatives"] = {"seed": 7}
    path.write_text(yaml.safe_dump(config))
    run(first, path, *targets)
    c = digests(first)
    assert c[table] != a[table]
    given = "results/datasets/rpi369/pairs.parquet"
    assert c[given] == a[given]  # the benchmark's own negatives do not depend on the seed
    stats = json.loads((first / "results/datasets/rpi369_rnainteract/stats.json").read_text())
    assert stats["seed"] == 7 and stats["n_positive"] == 369
    assert stats["n_negative"] + stats["n_negative_unfilled"] == 2 * 369


def test_killed_run_resumes_to_the_same_outputs(tmp_path):
    # a slow training job (many trees) to kill halfway
    config = tiny_config(tmp_path, seeds=[0])
    cfg = yaml.safe_load(config.read_text())
    cfg["models"]["rpiseq_rf"]["params"]["n_estimators"] = 2000
    config.write_text(yaml.safe_dump(cfg))
    target = "results/predictions/tiny/random/rpiseq_rf.parquet"
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    reference.mkdir()
    killed.mkdir()
    run(reference, config, target)

    cmd = snakemake_cmd(killed, config, target)
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    log = killed / "logs/train_model/tiny/random/rpiseq_rf.log"
    deadline = time.monotonic() + 300
    while "trained on" not in (log.read_text() if log.exists() else ""):  # inside fold 0..2
        assert proc.poll() is None, "run ended before it could be killed"
        assert time.monotonic() < deadline, "training never started"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / target).exists()  # no half file under the final name

    # the documented way back: unlock, then rerun the incomplete job
    run(killed, config, target, extra=["--unlock"])
    run(killed, config, target, extra=["--rerun-incomplete"])
    assert digests(killed, "results/**/*.parquet") == digests(reference, "results/**/*.parquet")


def test_killed_embedding_rule_resumes_to_the_same_table(tmp_path, shared_data):
    """SIGKILL the embed rule (ESM-2 8M architecture, random init, RPI369's proteins) after
    some shards are written; unlock and rerun: the table equals an uninterrupted run's."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg["mirror_dirs"] = [str(shared_data)]
    cfg["targets"] = {**cfg["targets"], "datasets": ["rpi369"], "models": [], "mirna": False,
                      "rbp": [], "ppi": [], "embeddings": ["esm2_t6_8m"]}  # fmt: skip
    cfg["embedding"] = {**cfg["embedding"], "shard_size": 16, "dtype": "float16"}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    target = "results/embeddings/esm2_t6_8m/protein.parquet"
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    reference.mkdir()
    killed.mkdir()
    run(reference, config, target)

    proc = subprocess.Popen(
        snakemake_cmd(killed, config, target), cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    cache = killed / "resources/embedding_cache"
    deadline = time.monotonic() + 600
    while len(list(cache.glob("*/part-*.parquet"))) < 3:  # a few shards of ~20 written
        assert proc.poll() is None, "run ended before it could be killed"
        assert time.monotonic() < deadline, "embedding never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / target).exists()
    n_shards = len(list(cache.glob("*/part-*.parquet")))

    run(killed, config, target, extra=["--unlock"])
    run(killed, config, target, extra=["--rerun-incomplete"])
    import pyarrow.parquet as pq

    resumed, whole = pq.read_table(killed / target), pq.read_table(reference / target)
    meta = json.loads(resumed.schema.metadata[b"rnainteract"])
    assert 0 < meta["n_cached_before"] and meta["n_embedded"] > 0  # resumed, not restarted
    assert meta["n_cached_before"] >= n_shards * 16 - 16
    assert resumed.column_names == whole.column_names and resumed.schema.equals(whole.schema)
    for name in resumed.column_names:  # NaN-aware (short proteins have empty segments)
        for x, y in zip(resumed[name].to_pylist(), whole[name].to_pylist(), strict=True):
            if isinstance(x, list):
                assert np.array_equal(np.array(x, float), np.array(y, float), equal_nan=True)
            else:
                assert x == y
