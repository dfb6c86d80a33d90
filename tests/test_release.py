"""Dataset releases and the source lock (issue 22), on RPI369 from ../shared/data.

One module-scoped run builds ``results/release/rpi369/`` with its source lock and the
predictions of rpiseq_rf on the random split; the tests then check the package (frictionless,
mlcroissant, SHA256SUMS, the tarball), rebuild the dataset from the release folder alone (parser
``pairs_tsv`` and the release's own splits) and compare the predictions byte for byte, and
rerun with the lock after changing one byte of one mirror file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile

import pandas as pd
import pytest
import yaml
from conftest import REPO, SHARED_DATA
from test_reproducibility import run, snakemake_cmd

from rnainteract.cli import main as cli_main
from rnainteract.dataset.release import ReleaseError, verify_release

pytestmark = pytest.mark.workflow

SPLITS = ["random", "rna_family"]
PREDICTIONS = "results/predictions/{dataset}/random/rpiseq_rf.parquet"


def base_config(mirrors):
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["mirror_dirs"] = [str(m) for m in mirrors]
    config["seeds"] = [0]
    config["targets"].update(
        datasets=["rpi369"], splits=SPLITS, models=["rpiseq_rf"], release=["rpi369"]
    )
    config["targets"].update(mirna=False, rbp=[], ppi=[], embeddings=[])
    return config


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A mirror holding only RPI369 and the Rfam/Pfam files (a copy, so that one may be
    changed), and a run that released rpi369 and trained rpiseq_rf on it."""
    if not (SHARED_DATA / "RPI369").is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    shared = SHARED_DATA
    root = tmp_path_factory.mktemp("release")
    config = base_config([root / "mirror"])
    for name in ("rpi369_pairs", "rpi369_rna", "rpi369_proteins", "rfam_cm", "rfam_clanin") + (
        "pfam_hmm",
        "pfam_clans",
    ):
        rel = config["sources"][name]["path"]
        (root / "mirror" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, root / "mirror" / rel)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    (root / "work").mkdir()
    run(
        root / "work",
        path,
        "results/release/rpi369.tar.gz",
        "results/sources.lock.json",
        PREDICTIONS.format(dataset="rpi369"),
    )
    return root


def test_release_folder_is_a_valid_data_package(released):
    folder = released / "work/results/release/rpi369"
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert files == sorted(
        [
            "README.md",
            "SHA256SUMS",
            "card.html",
            "card.json",
            "config.yaml",
            "croissant.json",
            "datapackage.json",
            "heatmap.png",
            "pairs.parquet",
            "pairs.tsv.gz",
            "proteins.fasta",
            "provenance.json",
            "rebuild.yaml",
            "rna.fasta",
            "sources.lock.json",
            *[f"splits/{s}.tsv" for s in SPLITS],
            *[f"splits/{s}.leakage.json" for s in SPLITS],
        ]
    )
    from frictionless import validate

    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    resources = {
        r["path"]: r for r in json.loads((folder / "datapackage.json").read_text())["resources"]
    }
    assert set(resources) == set(files) - {"SHA256SUMS", "datapackage.json"}
    for rel, resource in resources.items():
        assert (
            resource["hash"] == "sha256:" + hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        )
    # the released table is the dataset table, and the split names its pairs
    table = pd.read_parquet(folder / "pairs.parquet")
    original = pd.read_parquet(released / "work/results/datasets/rpi369/pairs.parquet")
    assert table.pair_index.tolist() == original.index.tolist()
    assert table.drop(columns="pair_index").equals(original.reset_index(drop=True))
    split = pd.read_csv(folder / "splits/random.tsv", sep="\t")
    assert (split.rna_id.to_numpy() == table.rna_id.to_numpy()[split.pair_index]).all()
    # the lock part covers exactly the dataset's sources, with their real hashes
    lock = json.loads((folder / "sources.lock.json").read_text())["sources"]
    assert sorted(lock) == sorted(
        ["rpi369_pairs", "rpi369_rna", "rpi369_proteins", "rfam_cm", "rfam_clanin"]
        + ["pfam_hmm", "pfam_clans"]
    )
    assert lock["rpi369_pairs"]["sha256"] == (
        "721436e009f243a7ae53ac4bc4068eb99899e7466c7eb44fc0f25d2bc5b72d82"
    )
    assert all(r["resolved_from"] == "mirror" for r in lock.values())
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["version"] and provenance["dataset"] == "rpi369"
    readme = (folder / "README.md").read_text()
    for section in ("Motivation", "Composition", "Collection process", "Uses", "shortcuts"):
        assert section in readme


def test_verify_release_accepts_the_release_and_names_a_changed_file(released, tmp_path, capsys):
    folder = released / "work/results/release/rpi369"
    report = verify_release(folder)
    assert report["pairs"] == 738 and report["files"] == 18  # all but SHA256SUMS
    tarball = released / "work/results/release/rpi369.tar.gz"
    assert cli_main(["verify-release", str(tarball)]) == 0
    assert "OK" in capsys.readouterr().out
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        assert all(n == "rpi369" or n.startswith("rpi369/") for n in names)
        assert {m.mtime for m in tar.getmembers()} == {0}

    copy = tmp_path / "rpi369"
    shutil.copytree(folder, copy)
    with open(copy / "rna.fasta", "r+b") as handle:  # one byte of one sequence
        handle.seek(20)
        byte = handle.read(1)
        handle.seek(20)
        handle.write(b"A" if byte != b"A" else b"C")
    with pytest.raises(ReleaseError, match=r"rna\.fasta: sha256 [0-9a-f]{64}, SHA256SUMS says"):
        verify_release(copy)
    assert cli_main(["verify-release", str(copy)]) == 1
    assert "rna.fasta" in capsys.readouterr().err
    (copy / "rna.fasta").write_bytes((folder / "rna.fasta").read_bytes())
    (copy / "notes.txt").write_text("added later\n")
    with pytest.raises(ReleaseError, match="notes.txt: in the folder but not in SHA256SUMS"):
        verify_release(copy)


def test_two_releases_from_the_same_inputs_are_byte_identical(released):
    """Nothing in a release depends on the time it was built: rebuilding it (forced, a later
    time) gives the same SHA256SUMS and the same tarball."""
    work = released / "work"
    sums = (work / "results/release/rpi369/SHA256SUMS").read_bytes()
    tarball = (work / "results/release/rpi369.tar.gz").read_bytes()
    run(work, released / "config.yaml", "results/release/rpi369.tar.gz", extra=["-R", "release"])
    assert (work / "results/release/rpi369/SHA256SUMS").read_bytes() == sums
    assert (work / "results/release/rpi369.tar.gz").read_bytes() == tarball


def test_a_dataset_rebuilt_from_the_release_trains_to_the_same_predictions(released):
    """Round trip: rpi369 rebuilt from its release folder alone (pairs.tsv.gz and the FASTA
    files through parser pairs_tsv, the release's splits through given_splits; only the Rfam/Pfam
    databases come from the mirror) gives the same dataset table and the same predictions of
    rpiseq_rf on the random split, byte for byte."""
    release_root = released / "work/results/release"
    config = base_config([release_root, released / "mirror"])
    snippet = yaml.safe_load((release_root / "rpi369/rebuild.yaml").read_text())
    config["sources"].update(snippet["sources"])
    config["datasets"].update(snippet["datasets"])
    config["targets"].update(datasets=["rpi369_release"], release=[])
    path = released / "rebuild.yaml"
    path.write_text(yaml.safe_dump(config))
    work = released / "rebuilt"
    work.mkdir()
    run(
        work,
        path,
        PREDICTIONS.format(dataset="rpi369_release"),
        "results/splits/rpi369_release/rna_family.parquet",
    )

    def data(path, drop=()):
        return pd.read_parquet(path).drop(columns=list(drop))

    original = data(released / "work/results/datasets/rpi369/pairs.parquet", ["source"])
    rebuilt = data(work / "results/datasets/rpi369_release/pairs.parquet", ["source"])
    pd.testing.assert_frame_equal(original, rebuilt)
    for split in SPLITS:
        a = pd.read_parquet(released / f"work/results/splits/rpi369/{split}.parquet")
        b = pd.read_parquet(work / f"results/splits/rpi369_release/{split}.parquet")
        pd.testing.assert_frame_equal(a, b)
    a = (released / "work" / PREDICTIONS.format(dataset="rpi369")).read_bytes()
    b = (work / PREDICTIONS.format(dataset="rpi369_release")).read_bytes()
    assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()


def test_a_run_with_the_lock_refuses_a_changed_mirror_file_before_any_job(released, tmp_path):
    """With the first run's lock, a run whose mirror has one byte of Pfam-A.clans.tsv changed (a
    source without a sha256 in the config: the current Pfam release) stops while planning (no
    job runs, no output is written) and names the source, the file and both hashes; the
    unchanged mirror passes the same check."""
    lock = tmp_path / "sources.lock.json"
    shutil.copyfile(released / "work/results/sources.lock.json", lock)
    locked = json.loads(lock.read_text())["sources"]["pfam_clans"]["sha256"]
    mirror = tmp_path / "mirror"
    shutil.copytree(released / "mirror", mirror)
    config = base_config([mirror])
    assert "sha256" not in config["sources"]["pfam_clans"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    work = tmp_path / "work"
    work.mkdir()
    target = "results/annotation/rpi369/protein_clans.tsv"

    def snakemake(*args):
        return subprocess.run(
            snakemake_cmd(work, path, target, *args, "--config", f"lock={lock}"),
            cwd=REPO,
            capture_output=True,
            text=True,
        )

    ok = snakemake("-n")
    assert ok.returncode == 0, ok.stderr[-3000:]

    changed = mirror / config["sources"]["pfam_clans"]["path"]
    data = bytearray(changed.read_bytes())
    data[100] = ord("x") if data[100] != ord("x") else ord("y")
    changed.write_bytes(bytes(data))
    new_sha = hashlib.sha256(bytes(data)).hexdigest()
    proc = snakemake()
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "'pfam_clans'" in message and str(changed) in message, message[-3000:]
    assert f"lock sha256 {locked}, file sha256 {new_sha}" in message
    assert not (work / "results").exists() and not (work / "logs").exists()  # nothing ran
