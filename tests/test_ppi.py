"""The ESM2_AMP protein–protein branch on the real Pan dataset (../shared/data/ESM2_AMP_PPI)."""

import json

import numpy as np
import pandas as pd
import pytest

from rnainteract.tasks.ppi import build_ppi_dataset, read_ppi_pairs, read_table, subsample

PAN = "ESM2_AMP_PPI/Pan_dataset"


_CACHE = {}


@pytest.fixture
def pan(shared_data):
    if "pan" not in _CACHE:  # read once per session (72,184 rows)
        files = [shared_data / PAN / f for f in ("Positive_samples.csv", "Negative_samples.csv")]
        _CACHE["pan"] = read_ppi_pairs(*files, shared_data / PAN / "total_protein.csv")
    return _CACHE["pan"]


def test_real_pan_pairs_are_read_and_counted(pan, shared_data):
    pairs, sequences, stats = pan
    assert stats["n_rows_read"] == 2 * 36_092  # PROVENANCE.md
    raw = pd.concat(
        [
            pd.read_csv(shared_data / PAN / f, dtype=str)
            for f in ("Positive_samples.csv", "Negative_samples.csv")
        ]
    )
    unordered = {tuple(sorted(p)) for p in zip(raw.ProteinA, raw.ProteinB, strict=True)}
    # every distinct unordered pair is kept once, unless it is listed with both labels
    assert len(pairs) == len(unordered) - stats["n_label_conflicts"] - stats["n_missing_sequence"]
    assert stats["n_duplicate_rows"] == len(raw) - len(
        {(*sorted(p[:2]), p[2]) for p in zip(raw.ProteinA, raw.ProteinB, raw.Label, strict=True)}
    )
    assert not pairs.duplicated(["protein_a", "protein_b"]).any()
    assert (pairs.protein_a <= pairs.protein_b).all()
    assert stats["n_missing_sequence"] == 0  # total_protein covers every id (PROVENANCE.md)
    assert set(sequences) == set(pairs.protein_a) | set(pairs.protein_b)
    assert sequences["NP_663777.1"].startswith("MESSKKMDSPGALQTNPPLKLHTDRSAG")
    assert pairs.label.dtype == np.int8 and 0.45 < pairs.label.mean() < 0.55


def test_subsample_keeps_label_shares_and_is_seeded(pan):
    pairs = pan[0]
    a, b = subsample(pairs, 1000, 1), subsample(pairs, 1000, 1)
    assert a.equals(b) and len(a) == 1000
    assert abs(a.label.mean() - pairs.label.mean()) < 0.002
    assert not a.equals(subsample(pairs, 1000, 2))
    assert subsample(pairs, None, 1).equals(pairs)


def test_wrong_label_is_refused_with_file_and_row(tmp_path):
    pos = tmp_path / "pos.csv"
    pos.write_text("ProteinA,ProteinB,Label,Pairs\nP1,P2,1,P1 P2\nP3,P4,0,P3 P4\n")
    neg = tmp_path / "neg.csv"
    neg.write_text("ProteinA,ProteinB,Label\n")
    prot = tmp_path / "prot.csv"
    prot.write_text("Entry,Sequence\nP1,MKV\n")
    with pytest.raises(ValueError, match=r"pos.csv: row 3 \(P3, P4\) has label '0'"):
        read_ppi_pairs(pos, neg, prot)
    with pytest.raises(ValueError, match="no column"):
        read_table(prot, ["Entry", "Sequence", "Organism"])


def test_ppi_dataset_and_a_model_on_it(shared_data, tmp_path):
    torch = pytest.importorskip("torch")  # noqa: F841
    from rnainteract.features.embeddings.cache import write_embeddings
    from rnainteract.features.embeddings.embedders import load_embedder
    from rnainteract.tasks.ppi import train_ppi_model

    out = {k: tmp_path / f"{k}" for k in ("pairs", "fasta", "split", "stats")}
    stats = build_ppi_dataset(
        shared_data / PAN / "Positive_samples.csv",
        shared_data / PAN / "Negative_samples.csv",
        shared_data / PAN / "total_protein.csv",
        max_pairs=120,
        n_folds=3,
        seed=42,
        out_pairs=out["pairs"],
        out_fasta=out["fasta"],
        out_split=out["split"],
        out_stats=out["stats"],
    )
    assert stats["n_pairs_kept"] == 120 and stats["n_positive_kept"] == 60
    assert json.loads(out["stats"].read_text()) == stats
    split = pd.read_parquet(out["split"])
    assert sorted(split.fold.unique()) == [0, 1, 2]
    assert (split[split.partition == "test"].groupby("fold").size() == 40).all()
    emb = load_embedder("onehot_protein", "onehot", None, molecule="protein")
    table = tmp_path / "protein.parquet"
    write_embeddings([out["fasta"]], emb, table, cache_dir=tmp_path / "cache", progress=False)
    predictions = train_ppi_model(
        out["pairs"],
        out["split"],
        out["fasta"],
        views={"mean": table},
        kind="esm2_dpm",
        params={"max_epochs": 3},
        seeds=[0],
        out=tmp_path / "pred.parquet",
    )
    assert len(predictions) == 120 and predictions.pair_index.is_unique
    pairs = pd.read_parquet(out["pairs"])
    assert predictions.label.tolist() == pairs.label.iloc[predictions.pair_index].tolist()
