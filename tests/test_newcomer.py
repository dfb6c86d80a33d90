"""A newcomer's first run: no mirror, every source downloaded from a server that gzips its answers.

The RPI369 sub-DAG (sources -> pairs -> Rfam/Pfam annotation -> dataset -> split -> rpiseq_rf)
runs twice: once from the mirror (../shared/data), once with ``mirror_dirs: []`` and every source
URL pointed at :class:`mirror_server.GzipMirror` serving the same folder with
``Content-Encoding: gzip``. The two runs must give byte-identical tables (issue 20, item 2).
"""

from __future__ import annotations

import hashlib

import pytest
import yaml
from conftest import REPO
from mirror_server import GzipMirror
from test_reproducibility import run

pytestmark = pytest.mark.workflow

TARGETS = [
    "results/pairs/rpi369.parquet",
    "results/sequences/rpi369/rna.fasta",
    "results/sequences/rpi369/proteins.fasta",
    "results/annotation/rpi369/rna_families.tsv",
    "results/annotation/rpi369/protein_clans.tsv",
    "results/datasets/rpi369/pairs.parquet",
    "results/splits/rpi369/rna_family.parquet",
    "results/predictions/rpi369/rna_family/rpiseq_rf.parquet",
]


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newcomer_run_without_mirror_matches_the_mirror_run(tmp_path, shared_data):
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["mirror_dirs"] = [str(shared_data)]
    config["seeds"] = [0]
    mirrored = tmp_path / "mirrored.yaml"
    mirrored.write_text(yaml.safe_dump(config))
    (tmp_path / "a").mkdir()
    run(tmp_path / "a", mirrored, *TARGETS)

    with GzipMirror(shared_data) as server:
        config["mirror_dirs"] = []
        for entry in config["sources"].values():
            entry["url"] = f"{server.url}/{entry['path']}"
        newcomer = tmp_path / "newcomer.yaml"
        newcomer.write_text(yaml.safe_dump(config))
        (tmp_path / "b").mkdir()
        run(tmp_path / "b", newcomer, *TARGETS)

    fetched = sorted(path for path, _ in server.requests)
    assert fetched == sorted(
        config["sources"][name]["path"]
        for name in ("rpi369_pairs", "rpi369_rna", "rpi369_proteins")
        + ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans")
    )  # each source once, nothing else
    assert all(encoding == "identity" for _, encoding in server.requests)
    for path in fetched:  # the cache holds the files as published
        assert sha256(tmp_path / "b/resources/sources" / path) == sha256(shared_data / path)
    for target in TARGETS:
        assert sha256(tmp_path / "a" / target) == sha256(tmp_path / "b" / target), target
