"""The source lock (rnainteract.sources.lock), the sources a config uses, given splits, the
release's shortcut figures and its reproducible tarball: fast tests without Snakemake."""

from __future__ import annotations

import copy
import gzip
import hashlib
import os
import tarfile

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO
from snakemake.utils import validate

import rnainteract.config as cfg
from rnainteract.dataset.datasheet import shortcut_figures
from rnainteract.dataset.release import ReleaseError, verify_release, write_tarball
from rnainteract.dataset.splits import read_given_split
from rnainteract.sources.benchmarks import PairFileError, read_user_pairs
from rnainteract.sources.lock import (
    LockError,
    check_lock,
    locked_sha256,
    read_lock,
    write_source_lock,
)

SCHEMA = str(REPO / "workflow/schemas/config.schema.yaml")


@pytest.fixture(scope="module")
def default():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    validate(config, SCHEMA)
    return config


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------
# which sources a config uses


def test_used_sources_of_the_default_targets(default):
    used = cfg.used_sources(default)
    datasets = default["targets"]["datasets"]
    for dataset in datasets:  # every parser input of every target dataset (of its base)
        base = cfg.base_dataset(default, dataset)
        assert set(default["datasets"][base]["inputs"].values()) <= set(used)
    for key in ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans"):
        assert used[default["annotation"][key]] == "data"
    assert used["esm2_t6_8m_model"] == "weights"  # read by the ESM2_AMP family
    assert used["miraw_site_test"] == "data" and used["edcnn_adar1_positive"] == "data"
    assert "rnainter_rp" not in used  # targets.rnainter is off
    assert "esm2_t33_650m_model" not in used  # no target reads the 650M model
    assert "esm2amp_pan_positives" not in used  # targets.ppi is empty


def test_used_sources_follow_the_targets(default):
    config = copy.deepcopy(default)
    config["targets"].update(
        datasets=["rpi488"], models=["rpiseq_rf"], mirna=False, rbp=[], release=["rpi1807"]
    )
    config["targets"]["rnainter"] = True
    used = cfg.used_sources(config)
    assert "rpi488_records" in used and "rpi1807_positives" in used  # a release is used too
    assert "rpi369_pairs" not in used
    assert {"rnainter_rp", "mirbase_mature", "noncode_fasta"} <= set(used)
    assert "weights" not in used.values()
    assert cfg.SOURCE_LOCK in cfg.final_targets(config)
    assert "results/release/rpi1807.tar.gz" in cfg.final_targets(config)


def test_missing_weights_are_read_only_without_random_init(default, tmp_path):
    config = copy.deepcopy(default)
    config["mirror_dirs"] = [str(tmp_path)]  # no mirror holds anything
    weights = cfg.source_path(config, "esm2_t6_8m_model")
    assert weights == "resources/sources/weights/esm2_t6_8M_UR50D/model.safetensors"
    assert weights not in cfg.used_source_files(config)  # random-init: nothing is read
    config["embedding"]["allow_random_init"] = False
    assert weights in cfg.used_source_files(config)  # downloaded, then locked


def test_a_derived_datasets_own_given_splits_are_its_sources(default):
    config = copy.deepcopy(default)
    config["sources"]["mine_random"] = {"url": "file:///x/random.tsv", "path": "x/random.tsv"}
    config["datasets"]["rpi369_rnainteract"]["given_splits"] = {"random": "mine_random"}
    assert "mine_random" in cfg.dataset_sources(config, "rpi369_rnainteract")
    assert "mine_random" not in cfg.dataset_sources(config, "rpi369")
    assert cfg.used_sources(config)["mine_random"] == "data"
    inputs = cfg.release_inputs(config, "rpi369_rnainteract")
    assert inputs["source__mine_random"] == "resources/sources/x/random.tsv"
    assert inputs["source__rpi369_pairs"].endswith("RPI369/ipminer_RPI369_all.txt")


def test_release_and_given_split_names_are_checked(default):
    config = copy.deepcopy(default)
    config["targets"]["release"] = ["rpi396"]
    with pytest.raises(cfg.ConfigError, match="targets.release names 'rpi396'.*rpi369"):
        cfg.check_config(config)
    config = copy.deepcopy(default)
    config["datasets"]["rpi488"]["given_splits"] = {"random": "nowhere"}
    with pytest.raises(cfg.ConfigError, match="given_splits.random names unknown source"):
        cfg.check_config(config)


# ------------------------------------------------------------------------------------------
# writing and checking the lock


@pytest.fixture
def sources(tmp_path):
    """A mirror with one file, a download cache with another, one absent weight file."""
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    (mirror / "a").mkdir(parents=True)
    (cache / "b").mkdir(parents=True)
    (mirror / "a/pairs.txt").write_bytes(b"1ABC-A\t1ABC-B\t1\n")
    (cache / "b/clans.tsv").write_bytes(b"PF00001\tCL0001\n")
    entries = {
        "pairs": {"url": "https://example.org/pairs.txt", "path": "a/pairs.txt"},
        "clans": {"url": "https://example.org/clans.tsv.gz", "path": "b/clans.tsv"},
        "model": {"url": "https://example.org/model.safetensors", "path": "w/model.safetensors"},
        "unused": {"url": "https://example.org/x", "path": "x"},
    }
    used = {"pairs": "data", "clans": "data", "model": "weights"}
    return entries, used, [str(mirror)], str(cache)


def test_the_lock_records_origin_size_and_hash(sources, tmp_path):
    entries, used, mirrors, cache = sources
    lock = write_source_lock(
        entries, used, mirror_dirs=mirrors, cache_dir=cache, out=tmp_path / "lock.json"
    )
    records = read_lock(tmp_path / "lock.json")
    assert records == lock["sources"] and sorted(records) == ["clans", "model", "pairs"]
    pairs = records["pairs"]
    assert pairs["resolved_from"] == "mirror" and pairs["mirror"] == mirrors[0]
    assert pairs["size"] == 16 and pairs["sha256"] == sha(b"1ABC-A\t1ABC-B\t1\n")
    assert pairs["downloaded_at"] is None and pairs["url"] == entries["pairs"]["url"]
    clans = records["clans"]
    assert clans["resolved_from"] == "cache" and clans["downloaded_at"].endswith("+00:00")
    model = records["model"]
    assert model["kind"] == "weights" and model["resolved_from"] == "missing"
    assert model["sha256"] is None and model["size"] is None


def test_a_missing_data_source_cannot_be_locked(sources, tmp_path):
    entries, used, mirrors, cache = sources
    os.remove(os.path.join(mirrors[0], "a/pairs.txt"))
    with pytest.raises(LockError, match="source 'pairs'.*does not exist"):
        write_source_lock(entries, used, mirror_dirs=mirrors, cache_dir=cache, out=tmp_path / "l")


def test_check_lock_passes_unchanged_sources_and_names_each_difference(sources, tmp_path):
    entries, used, mirrors, cache = sources
    lock = tmp_path / "lock.json"
    write_source_lock(entries, used, mirror_dirs=mirrors, cache_dir=cache, out=lock)
    assert check_lock(lock, entries, used, mirror_dirs=mirrors, cache_dir=cache) == []

    pairs = os.path.join(mirrors[0], "a/pairs.txt")
    locked = sha(open(pairs, "rb").read())
    with open(pairs, "r+b") as handle:  # one byte
        handle.seek(15)
        handle.write(b"0")
    weights = os.path.join(cache, "w/model.safetensors")
    os.makedirs(os.path.dirname(weights))
    with open(weights, "wb") as handle:
        handle.write(b"weights")
    with pytest.raises(LockError) as err:
        check_lock(lock, entries, {**used, "unused": "data"}, mirror_dirs=mirrors, cache_dir=cache)
    message = str(err.value)
    assert f"source 'pairs': {pairs} differs from the lock" in message
    assert f"lock sha256 {locked}, file sha256 {sha(open(pairs, 'rb').read())}" in message
    assert "source 'model'" in message and "recorded it missing" in message
    assert "source 'unused' is used but not in the lock" in message


def test_a_source_still_to_download_is_checked_against_the_lock(sources, tmp_path):
    entries, used, mirrors, cache = sources
    lock = tmp_path / "lock.json"
    write_source_lock(entries, used, mirror_dirs=mirrors, cache_dir=cache, out=lock)
    clans_sha = read_lock(lock)["clans"]["sha256"]
    os.remove(os.path.join(cache, "b/clans.tsv"))  # a new machine: not downloaded yet
    assert check_lock(lock, entries, used, mirror_dirs=mirrors, cache_dir=cache) == ["clans"]
    assert locked_sha256(lock, "clans") == clans_sha  # what rule download_source checks
    assert locked_sha256(lock, "absent") is None and locked_sha256(None, "clans") is None
    # a configured sha256 that contradicts the lock is an error
    entries = copy.deepcopy(entries)
    entries["clans"]["sha256"] = "0" * 64
    with pytest.raises(LockError, match="config sha256 0{64} but the lock has"):
        check_lock(lock, entries, used, mirror_dirs=mirrors, cache_dir=cache)


def test_weights_in_the_lock_but_not_on_disk_are_refused(sources, tmp_path):
    entries, used, mirrors, cache = sources
    weights = os.path.join(cache, "w/model.safetensors")
    os.makedirs(os.path.dirname(weights))
    with open(weights, "wb") as handle:
        handle.write(b"weights")
    lock = tmp_path / "lock.json"
    write_source_lock(entries, used, mirror_dirs=mirrors, cache_dir=cache, out=lock)
    os.remove(weights)
    with pytest.raises(LockError, match="'model'.*random-init weights"):
        check_lock(lock, entries, used, mirror_dirs=mirrors, cache_dir=cache)
    # without random init the run downloads the weights (checked against the lock)
    to_download = check_lock(
        lock, entries, used, mirror_dirs=mirrors, cache_dir=cache, random_init=False
    )
    assert to_download == ["model"]


@pytest.mark.parametrize(
    "text, match",
    [("not json", "is not JSON"), ("[1, 2]", "no 'sources'"), ('{"sources": {}}', "version")],
)
def test_a_bad_lock_file_is_named(tmp_path, text, match):
    path = tmp_path / "lock.json"
    path.write_text(text)
    with pytest.raises(LockError, match=f"{path}.*{match}"):
        read_lock(path)
    with pytest.raises(LockError, match="does not exist"):
        read_lock(tmp_path / "absent.json")


# ------------------------------------------------------------------------------------------
# given splits, gzipped pair files, shortcut figures, the tarball


@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "rna_id": ["R1", "R1", "R2", "R3"],
            "protein_id": ["P1", "P2", "P1", "P3"],
            "label": [1, 0, 0, 1],
        }
    )


def test_a_given_split_is_matched_by_ids_and_ordered_like_a_drawn_one(tmp_path, table):
    path = tmp_path / "random.tsv"
    rows = [  # another table's pair_index, folds out of order
        (9, "R3", "P3", 1, 1, "test"),
        (8, "R1", "P1", 1, 0, "test"),
        (7, "R2", "P1", 0, 0, "train"),
        (6, "R1", "P2", 0, 1, "train"),
    ]
    path.write_text(
        "pair_index\trna_id\tprotein_id\tlabel\tfold\tpartition\n"
        + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    )
    split = read_given_split(path, table)
    assert split.pair_index.tolist() == [0, 2, 1, 3]
    assert split.fold.tolist() == [0, 0, 1, 1]
    assert split.partition.tolist() == ["test", "train", "train", "test"]
    assert split.pair_index.dtype == np.int64 and split.fold.dtype == np.int16

    path.write_text(path.read_text().replace("R2\tP1", "R2\tP9"))
    with pytest.raises(ValueError, match=r"line 4: pair \(R2, P9\): not in the dataset"):
        read_given_split(path, table)
    header = "rna_id\tprotein_id\tlabel\tfold\tpartition\n"
    for body, message in (
        ("R1\tP1\t0\t0\ttest\n", r"line 2: pair \(R1, P1\): label differs"),
        ("R1\tP1\t1\tx\ttest\n", "line 2: pair .*fold is not a non-negative integer"),
        ("R1\tP1\t1\t0\ttest\nR1\tP1\t1\t0\ttrain\n", "line 3: .*listed twice in one fold"),
        ("NA\tP1\t1\t0\ttest\n", r"line 2: pair \(NA, P1\): not in the dataset"),
    ):
        path.write_text(header + body)
        with pytest.raises(ValueError, match=message):
            read_given_split(path, table)
    path.write_text("rna_id\tprotein_id\tfold\nR1\tP1\t0\n")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['partition'\]"):
        read_given_split(path, table)


def test_pair_files_may_be_gzipped_and_binary_files_are_named(tmp_path):
    text = "rna_id\tprotein_id\tlabel\n1abc-a\t1abc-b\t1\n2xyz-r\t2xyz-p\t0\n"
    plain = tmp_path / "pairs.tsv"
    plain.write_text(text)
    packed = tmp_path / "pairs.tsv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    pd.testing.assert_frame_equal(read_user_pairs(packed), read_user_pairs(plain))
    binary = tmp_path / "pairs.xlsx"
    binary.write_bytes(b"rna_id\tprotein_id\tlabel\n\xff\xfe\x00binary")
    with pytest.raises(PairFileError, match=r"pairs.xlsx: not a UTF-8 text file"):
        read_user_pairs(binary)


def test_shortcut_figures_see_a_per_molecule_label(table):
    """Every RNA's pairs share one label: the per-molecule rate fitted on the train part
    predicts the test part perfectly."""
    rng = np.random.default_rng(0)
    n = 200
    rna = rng.integers(0, 20, n)
    frame = pd.DataFrame(
        {
            "pair_index": np.arange(n),
            "rna_id": [f"R{i}" for i in rna],
            "protein_id": [f"P{i}" for i in rng.integers(0, 50, n)],
            "label": (rna % 2).astype(int),
            "family": [f"F{i % 5}" for i in rna],
            "clan": "C1",
        }
    )
    folds = rng.integers(0, 4, n)
    split = pd.concat(
        pd.DataFrame(
            {
                "pair_index": np.arange(n),
                "fold": f,
                "partition": np.where(folds == f, "test", "train"),
            }
        )
        for f in range(4)
    )
    figures = shortcut_figures(frame, split)
    assert figures["auroc_molecule_rate"] == 1.0
    assert figures["rna_only_positive"] == 10 and figures["rna_only_negative"] == 10
    assert shortcut_figures(frame, None)["auroc_molecule_rate"] is None


def test_the_tarball_does_not_depend_on_time_or_owner(tmp_path):
    folder = tmp_path / "ds"
    (folder / "splits").mkdir(parents=True)
    (folder / "a.txt").write_text("a\n")
    (folder / "splits/b.tsv").write_text("b\n")
    write_tarball(folder, tmp_path / "one.tar.gz")
    os.utime(folder / "a.txt", (0, 1_700_000_000))
    write_tarball(folder, tmp_path / "two.tar.gz")
    assert (tmp_path / "one.tar.gz").read_bytes() == (tmp_path / "two.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        assert tar.getnames() == ["ds", "ds/a.txt", "ds/splits", "ds/splits/b.tsv"]


def test_verify_release_names_a_broken_archive_or_a_folder_without_sums(tmp_path):
    broken = tmp_path / "rpi369.tar.gz"
    broken.write_bytes(gzip.compress(b"not a tar archive"))
    with pytest.raises(ReleaseError, match=r"rpi369.tar.gz: not a readable .tar.gz"):
        verify_release(broken)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ReleaseError, match=r"folder: no SHA256SUMS; is it a release folder\?"):
        verify_release(tmp_path / "folder")
