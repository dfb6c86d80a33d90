"""Final models (safe formats, cards), external test sets (overlap classes, one-label sets) and
`rnainteract predict` (gzipped inputs, unreadable files, limits)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from rnainteract.cli import main
from rnainteract.features.kmers import feature_frame, pair_matrix
from rnainteract.io.fasta import write_fasta
from rnainteract.io.files import TextFileError
from rnainteract.models.crossval import score_and_decision
from rnainteract.models.persist import SKOPS_TRUSTED, ModelFormatError, _load_skops
from rnainteract.models.registry import MODEL_FEATURES, build_model
from rnainteract.tasks.external import (
    EXTERNAL_COLUMNS,
    class_metrics,
    overlap_class,
    seen_flags,
    summarize_external,
)
from rnainteract.tasks.final import load_final, train_final_model, write_model_card
from rnainteract.tasks.predict import PredictError, predict

PARAMS = {
    "rpiseq_rf": {"n_estimators": 15},
    "rpiseq_svm": {},
    "xrpi": {"n_estimators": 10},
    "ipminer": {"ae_epochs": 1, "finetune_epochs": 1, "n_estimators": 5, "hidden": [16, 8]},
}


AMINO = "ACDEFGHIKLMNPQRSTVWY"


def _random_seq(rng, letters, n):
    return "".join(rng.choice(list(letters), size=n))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A learnable toy dataset: 24 RNAs and 24 proteins in two compositional groups; a pair is
    positive when both come from the same group. Files as the workflow writes them."""
    root = tmp_path_factory.mktemp("toy")
    rng = np.random.default_rng(5)
    rna = {
        f"R{i:02d}": _random_seq(rng, "AAGU" if i % 2 else "CCGU", int(rng.integers(40, 90)))
        for i in range(24)
    }
    proteins = {
        f"P{i:02d}": _random_seq(
            rng, AMINO + ("KRKR" if i % 2 else "DEDE"), int(rng.integers(50, 120))
        )
        for i in range(24)
    }
    pairs = pd.DataFrame(
        [(r, p) for i, r in enumerate(rna) for j, p in enumerate(proteins) if (i + j) % 5 == 0],
        columns=["rna_id", "protein_id"],
    )
    pairs["label"] = (
        pairs.rna_id.str[1:].astype(int) % 2 == pairs.protein_id.str[1:].astype(int) % 2
    ).astype(np.int8)
    pairs.to_parquet(root / "pairs.parquet")
    write_fasta(rna, root / "rna.fasta")
    write_fasta(proteins, root / "proteins.fasta")
    for name in ("rna_kmer4", "rna_kmer1to4"):
        feature_frame(rna, name).to_parquet(root / f"{name}.parquet")
    for name in ("protein_ctriad3", "protein_ctriad1to3"):
        feature_frame(proteins, name).to_parquet(root / f"{name}.parquet")
    metrics = pd.DataFrame(
        [
            {"dataset": "toy", "split": split, "model": model, "n_test": 115, "n_seeds": 1,
             "auroc": auroc, "auprc": 0.7, "accuracy": 0.7, "recall": 0.6, "mcc": 0.4}
            for model in PARAMS
            for split, auroc in (("random", 0.9), ("rna_family", 0.7),
                                 ("protein_cold", 0.65), ("both_cold", 0.55))
        ]
    )  # fmt: skip
    metrics.to_csv(root / "metrics.tsv", sep="\t", index=False)
    return root, rna, proteins, pairs


def _final(toy, kind):
    root = toy[0]
    folder = root / "final" / kind
    if (folder / "card.json").is_file():
        return folder
    rna_set, protein_set = MODEL_FEATURES[kind]
    train_final_model(
        root / "pairs.parquet",
        root / f"{rna_set}.parquet",
        root / f"{protein_set}.parquet",
        root / "rna.fasta",
        root / "proteins.fasta",
        dataset="toy",
        model_name=kind,
        kind=kind,
        params=PARAMS[kind],
        seed=3,
        out_model=folder / "model",
        out_training=folder / "training.json",
        out_rna=folder / "train_rna.fasta",
        out_proteins=folder / "train_proteins.fasta",
    )
    write_model_card(
        folder / "training.json",
        root / "metrics.tsv",
        out_json=folder / "card.json",
        out_md=folder / "card.md",
    )
    return folder


@pytest.mark.parametrize("kind", sorted(PARAMS))  # view models: tests/test_final_views.py
def test_a_saved_final_model_scores_exactly_as_the_fitted_one(toy, kind):
    root, rna, proteins, pairs = toy
    folder = _final(toy, kind)
    rna_set, protein_set = MODEL_FEATURES[kind]
    rna_table = pd.read_parquet(root / f"{rna_set}.parquet")
    protein_table = pd.read_parquet(root / f"{protein_set}.parquet")
    X = pair_matrix(pairs, rna_table, protein_table)
    fitted = build_model(kind, PARAMS[kind], seed=3).fit(X, pairs.label.to_numpy())
    expected, decision = score_and_decision(fitted, X)
    model = load_final(folder)
    score, pred = model.score_features(rna_table, protein_table, pairs)
    assert np.array_equal(score, expected) and np.array_equal(pred, decision)
    # the same from sequences, in small chunks on two threads
    again, _ = model.score_pairs(rna, proteins, pairs, chunk_pairs=7, threads=2)
    assert np.array_equal(again, expected)
    saved = {p.name for p in (folder / "model").iterdir()}
    assert not {p for p in saved if p.endswith((".pkl", ".pickle", ".joblib"))}
    card = json.loads((folder / "card.json").read_text())
    assert card["n_positive"] == int(pairs.label.sum()) and card["seed"] == 3
    assert card["expected_auroc"]["both_unseen"] == {"split": "both_cold", "auroc": 0.55}
    assert "| both_cold | 0.550 |" in (folder / "card.md").read_text()


def test_a_tampered_model_file_is_refused(toy, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(_final(toy, "rpiseq_rf"), folder)
    with open(folder / "model" / "model.skops", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ValueError, match="SHA-256 differs"):
        load_final(folder)


def test_skops_files_with_types_outside_the_allowlist_are_refused(tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "evil.skops"
    sio.dump(FunctionTransformer(func=json.dumps), path)  # a function: code on load
    assert set(sio.get_untrusted_types(file=path)) - SKOPS_TRUSTED
    with pytest.raises(ModelFormatError, match="evil.skops: refusing to load types"):
        _load_skops(path)


def test_overlap_classes_on_a_hand_built_case():
    train = pd.DataFrame(
        {
            "rna_id": ["r1", "r2"],
            "protein_id": ["p1", "p2"],
            "family": ["RF00001", "r2"],
            "family_source": ["rfam", "cluster"],
            "clan": ["CL0001", "p2"],
            "clan_source": ["pfam", "cluster"],
        }
    )
    test = pd.DataFrame(
        {
            "rna_id": ["a", "b", "c", "d", "e"],
            "protein_id": ["w", "x", "y", "z", "v"],
            # a: same Rfam family, b: a cluster id equal to a training cluster (does not count)
            "family": ["RF00001", "r2", "other", "other", "other"],
            "family_source": ["rfam", "cluster", "cluster", "cluster", "cluster"],
            "clan": ["CL0001", "p2", "CL0001", "q", "q"],
            "clan_source": ["pfam", "cluster", "pfam", "cluster", "cluster"],
        }
    )
    rna_identity = pd.Series([0.1, 0.5, 0.95, 0.79, 0.8])
    protein_identity = pd.Series([0.0, 0.0, 0.0, 0.9, 0.1])
    rna_seen, protein_seen = seen_flags(
        test, train, rna_identity, protein_identity, identity_threshold=0.8
    )
    assert rna_seen.tolist() == [True, False, True, False, True]
    assert protein_seen.tolist() == [True, False, True, True, False]
    assert overlap_class(rna_seen, protein_seen).tolist() == [
        "both_seen", "both_unseen", "both_seen", "rna_unseen", "protein_unseen",
    ]  # fmt: skip
    # without an identity threshold only families and clans count
    rna_seen, _ = seen_flags(test, train, rna_identity, protein_identity, identity_threshold=None)
    assert rna_seen.tolist() == [True, False, False, False, False]


def test_a_one_label_test_set_gets_recall_not_auroc(tmp_path):
    label = np.ones(8, dtype=np.int8)
    score = np.linspace(0.1, 0.8, 8)
    pred = (score > 0.5).astype(np.int8)
    metrics = class_metrics(label, score, pred)
    assert np.isnan(metrics["auroc"]) and metrics["recall"] == 3 / 8
    assert metrics["n_positive"] == 8 and metrics["score_median"] == pytest.approx(0.45)
    table = pd.DataFrame(
        {"label": label, "score": score, "pred": pred, "overlap_class": ["both_seen"] * 8}
    )
    table.to_parquet(tmp_path / "s.parquet")
    out = summarize_external(
        {("positives_only", "rpiseq_rf"): tmp_path / "s.parquet"},
        {"positives_only": {"train": "npinter", "test": "rpi2825"}},
        out=tmp_path / "external.tsv",
    )
    assert list(out.columns) == EXTERNAL_COLUMNS
    assert out.overlap_class.tolist() == ["all", "both_seen"]  # empty classes have no row
    assert out.auroc.isna().all() and (out.recall == 0.375).all()
    two = class_metrics(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.8]), np.ones(4))
    assert two["auroc"] == 1.0


def _gz(path, text):
    with gzip.open(path, "wt") as handle:
        handle.write(text)


def test_predict_reads_gzipped_queries_and_matches_the_model(toy, tmp_path):
    root, rna, proteins, pairs = toy
    folder = _final(toy, "rpiseq_rf")
    query_rna = {"q1": rna["R01"].replace("U", "T").lower(), "q2": _random_seq(
        np.random.default_rng(1), "ACGU", 60)}  # fmt: skip
    _gz(tmp_path / "r.fa.gz", "".join(f">{k} query\n{v}\n" for k, v in query_rna.items()))
    # UniProt headers (MMseqs2 would cut them to P69905) and an id pandas reads as missing
    x1, x2 = "sp|P69905|HBA_HUMAN", "NA"
    _gz(tmp_path / "p.fa.gz", f">{x1} alpha\n{proteins['P01']}\n>{x2}\n{proteins['P02']}\n")
    out = tmp_path / "out.tsv"
    assert main(["predict", "--model", str(folder), "--rna", str(tmp_path / "r.fa.gz"),
                 "--protein", str(tmp_path / "p.fa.gz"), "-o", str(out)]) == 0  # fmt: skip
    text = out.read_text()
    assert text.startswith("# rnainteract predict: model rpiseq_rf (rpiseq_rf) trained on toy")
    table = pd.read_csv(out, sep="\t", comment="#")
    assert len(table) == 4 and table["rank"].tolist() == [1, 2, 3, 4]
    assert table.score.is_monotonic_decreasing
    model = load_final(folder)
    canonical = {"q1": rna["R01"], "q2": query_rna["q2"]}
    table = table.fillna({"protein_id": "NA"})
    expected, _ = model.score_pairs(canonical, {x1: proteins["P01"], x2: proteins["P02"]}, table)
    assert np.array_equal(table.score.to_numpy(), expected)
    assert (table[table.protein_id == x1].nearest_train_protein == "P01").all()
    assert (table[table.protein_id == x2].nearest_train_protein == "P02").all()
    q1 = table[table.rna_id == "q1"]
    assert (q1.nearest_train_rna == "R01").all() and (q1.rna_identity == 1).all()
    assert set(q1.overlap_class) == {"both_seen"} and set(q1.expected_auroc) == {0.9}
    q2 = table[table.rna_id == "q2"].iloc[0]
    assert q2.overlap_class == "rna_unseen" and q2.cold_split == "rna_family"
    # a gzipped pair list scores only its pairs, the same scores
    _gz(tmp_path / "pairs.tsv.gz", f"rna_id\tprotein_id\nq2\t{x1}\n")
    listed = predict(folder, tmp_path / "r.fa.gz", tmp_path / "p.fa.gz", tmp_path / "one.tsv",
                     pairs=tmp_path / "pairs.tsv.gz")  # fmt: skip
    assert len(listed) == 1
    same = table[(table.rna_id == "q2") & (table.protein_id == x1)]
    assert listed.score.tolist() == same.score.tolist()


@pytest.mark.parametrize("problem", ["binary", "truncated_gzip", "truncated_pairs", "too_many"])
def test_unreadable_inputs_name_the_file_and_write_nothing(toy, tmp_path, problem, capsys):
    folder = _final(toy, "rpiseq_rf")
    rna, proteins, pairs = tmp_path / "r.fa.gz", tmp_path / "p.fa", None
    _gz(rna, ">a\nACGUACGUAGCUAGCUAGCUAGCUAGC\n>b\nGGGCCCAUAUAUAGCGCGCUAUAGC\n")
    proteins.write_text(">x\nMKRLLDDEKRKRAGSLLDE\n")
    max_pairs = 10
    if problem == "binary":
        rna = tmp_path / "r.xlsx"
        rna.write_bytes(b">a\n" + bytes(range(128, 256)) * 4)
        match = "r.xlsx: not a UTF-8 text file"
    elif problem == "truncated_gzip":
        whole = gzip.compress((">a\n" + "ACGU" * 5000 + "\n").encode())
        rna = tmp_path / "cut.fa.gz"
        rna.write_bytes(whole[: len(whole) // 2])
        match = "cut.fa.gz: truncated or corrupt compressed file"
    elif problem == "truncated_pairs":
        whole = gzip.compress(b"a\tx\n" * 2000)
        pairs = tmp_path / "pairs.tsv.gz"
        pairs.write_bytes(whole[:-12])
        match = "pairs.tsv.gz: truncated or corrupt compressed file"
    else:
        max_pairs = 1
        match = "2 RNAs x 1 proteins = 2 pairs, more than max_pairs 1"
    out = tmp_path / "out.tsv"
    before = sorted(tmp_path.iterdir())
    with pytest.raises((TextFileError, PredictError), match=match):
        predict(folder, rna, proteins, out, pairs=pairs, max_pairs=max_pairs)
    argv = ["predict", "--model", str(folder), "--rna", str(rna), "--protein", str(proteins),
            "--max-pairs", str(max_pairs), "-o", str(out)]  # fmt: skip
    assert main(argv + (["--pairs", str(pairs)] if pairs else [])) == 1
    assert match.split(":")[0] in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == before  # nothing written, no temp file left


def test_a_truncated_gzipped_pair_table_of_a_dataset_is_named(tmp_path):
    from rnainteract.sources.benchmarks import PairFileError, read_user_pairs

    whole = gzip.compress(b"rna_id\tprotein_id\tlabel\n" + b"r1\tp1\t1\n" * 3000)
    path = tmp_path / "pairs.tsv.gz"
    path.write_bytes(whole[: len(whole) - 20])
    with pytest.raises(PairFileError, match="pairs.tsv.gz: truncated or corrupt compressed file"):
        read_user_pairs(path)
