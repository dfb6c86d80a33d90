"""RNA tabular descriptors (ViennaRNA) and the multimodal BioBERT + ESM-2 + tabular classifier.

Real RNAs: a few short records of IPMiner's RPI369 RNA FASTA, read from ../shared/data (the test
skips without it); nothing of it is copied into the repository.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from rnainteract.features.tabular import (
    LOOP_NAMES,
    RNA_TABULAR_COLUMNS,
    RNA_TABULAR_NAMES,
    fold_alphabet,
    rna_descriptors,
    rna_tabular_table,
    structure_loops,
    write_rna_tabular_table,
)
from rnainteract.io.fasta import read_fasta
from rnainteract.models.inputs import PairInputs, validation_split
from rnainteract.models.neural.multimodal import (
    MultimodalClassifier,
    MultimodalNet,
    build_multimodal,
    n_parameters,
)

RNA = pytest.importorskip("RNA")

# 16 to 77 nt; 2WRN-Y ends in a T (read as U)
RPI369_IDS = ("2XLJ-B", "3CZ3-E", "1URN-R", "2WRN-Y")


@pytest.fixture
def rpi369_fasta(shared_data, tmp_path):
    """The RPI369_IDS records of ../shared/data/RPI369/ipminer_RPI369_rna.fa, in a temp FASTA."""
    source = shared_data / "RPI369" / "ipminer_RPI369_rna.fa"
    if not source.is_file():
        pytest.skip(f"{source} not found")
    records = read_fasta(source)
    path = tmp_path / "rna.fa"
    path.write_text("".join(f">{rid}\n{records[rid]}\n" for rid in RPI369_IDS))
    return path


# -- loop counting ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "structure, expected",
    [
        # hairpin, interior, bulge, multi, stems, base pairs
        ("((((...))))..((..((...))..))", (2, 1, 0, 0, 3, 8)),
        ("((..((...))))", (1, 0, 1, 0, 2, 4)),
        ("((((...)).))", (1, 0, 1, 0, 2, 4)),
        ("((.((...)).((...)).))", (2, 0, 0, 1, 3, 6)),
        ("(((...)))(((...)))", (2, 0, 0, 0, 2, 6)),
        (".....", (0, 0, 0, 0, 0, 0)),
        ("", (0, 0, 0, 0, 0, 0)),
        # a tRNA cloverleaf: acceptor stem closing a multiloop of three hairpin arms
        (
            "(((((((..((((........)))).(((((((...))))))).....(((((.......)))))))))))).....",
            (3, 0, 0, 1, 4, 23),
        ),
    ],
)
def test_structure_loops_hand_counts(structure, expected):
    counts = structure_loops(structure)
    assert tuple(counts) == LOOP_NAMES
    assert tuple(counts.values()) == expected


@pytest.mark.parametrize(
    "structure, message",
    [
        ("(((...))", "unmatched '\\(' at position 0"),
        ("(..))", "unmatched '\\)' at position 4"),
        ("((..[[))]]", "character '\\[' at position 4"),
    ],
)
def test_structure_loops_rejects_bad_structures(structure, message):
    with pytest.raises(ValueError, match=message):
        structure_loops(structure)


def test_fold_alphabet_maps_letters():
    assert fold_alphabet("acgtTUNRy") == "ACGUUUNNN"


# -- tabular table on real RNAs ---------------------------------------------------------------
def test_rna_tabular_table_on_rpi369(rpi369_fasta):
    table = rna_tabular_table(rpi369_fasta)
    assert list(table.columns) == ["id", *RNA_TABULAR_COLUMNS]
    assert len(RNA_TABULAR_COLUMNS) == 16
    assert list(table.id) == list(RPI369_IDS)
    assert all(table[c].dtype == np.float32 for c in RNA_TABULAR_COLUMNS)
    rows = table.set_index("id").rename(columns=lambda c: c.split(":", 1)[1])

    # hand count of 2XLJ-B, CUGCCGUAUAGGCAGC: 5 C, 5 G, 3 U, 3 A
    small = rows.loc["2XLJ-B"]
    assert small["length"] == 16
    assert small[["a_fraction", "c_fraction", "g_fraction", "u_fraction"]].tolist() == (
        pytest.approx([3 / 16, 5 / 16, 5 / 16, 3 / 16])
    )
    assert small["gc_content"] == pytest.approx(10 / 16)

    records = read_fasta(rpi369_fasta)
    for rid, row in rows.iterrows():
        seq = records[rid].replace("T", "U")
        structure, mfe = RNA.fold(seq)
        assert row["length"] == len(seq)
        assert row["gc_content"] == pytest.approx((seq.count("G") + seq.count("C")) / len(seq))
        assert row["mfe"] == pytest.approx(mfe, abs=1e-4)
        assert row["mfe_per_nt"] == pytest.approx(mfe / len(seq), abs=1e-5)
        loops = structure_loops(structure)
        assert [row[name] for name in LOOP_NAMES] == list(loops.values())
        # independent count: a hairpin is "(" + only dots + ")"
        assert row["hairpin_loops"] == len(re.findall(r"\(\.*\)", structure))
        assert row["base_pairs"] == structure.count("(")
        assert row["paired_fraction"] == pytest.approx(2 * structure.count("(") / len(seq))
        assert row["fold_truncated"] == 0
    # the tRNA's MFE structure branches; the short ones fold into single hairpins
    assert rows.loc["2WRN-Y", "multiloops"] >= 1
    assert rows.loc["2XLJ-B", "hairpin_loops"] == 1


def test_rna_tabular_truncates_long_folds(rpi369_fasta, caplog):
    with caplog.at_level(logging.INFO, logger="rnainteract.features.tabular"):
        table = rna_tabular_table(rpi369_fasta, max_fold_length=20)
    rows = table.set_index("id").rename(columns=lambda c: c.split(":", 1)[1])
    # 16 and 19 nt are folded whole, 21 and 77 nt on their first 20 nt
    assert rows["fold_truncated"].tolist() == [0, 0, 1, 1]
    assert "2 longer than 20 nt" in caplog.text
    seq = read_fasta(rpi369_fasta)["1URN-R"]
    head_structure, head_mfe = RNA.fold(seq[:20])
    assert rows.loc["1URN-R", "length"] == 21  # composition and length use the whole RNA
    assert rows.loc["1URN-R", "u_fraction"] == pytest.approx(seq.count("U") / 21)
    assert rows.loc["1URN-R", "mfe"] == pytest.approx(head_mfe, abs=1e-4)
    assert rows.loc["1URN-R", "mfe_per_nt"] == pytest.approx(head_mfe / 20, abs=1e-5)
    assert rows.loc["1URN-R", "paired_fraction"] == pytest.approx(
        2 * head_structure.count("(") / 20
    )


def test_rna_tabular_workers_and_parquet_agree(rpi369_fasta, tmp_path):
    serial = rna_tabular_table(rpi369_fasta)
    written = write_rna_tabular_table(rpi369_fasta, tmp_path / "out" / "t.parquet", processes=2)
    pd.testing.assert_frame_equal(serial, written)
    pd.testing.assert_frame_equal(serial, pd.read_parquet(tmp_path / "out" / "t.parquet"))
    assert list((tmp_path / "out").iterdir()) == [tmp_path / "out" / "t.parquet"]  # no tmp left


def test_rna_descriptors_unknown_letters_and_t():
    with_u = rna_descriptors("GGGGAAAACCCC")
    assert rna_descriptors("ggggaaaacccc") == with_u
    assert rna_descriptors("GGGGTTTTCCCC") == rna_descriptors("GGGGUUUUCCCC")
    with_n = rna_descriptors("GGGGANNACCCC")
    assert with_n["a_fraction"] == pytest.approx(2 / 12)
    assert with_n["gc_content"] == pytest.approx(8 / 12)
    assert with_n["mfe"] == pytest.approx(RNA.fold("GGGGANNACCCC")[1], abs=1e-4)
    assert with_n["base_pairs"] == 4
    assert list(with_u) == list(RNA_TABULAR_NAMES)
    with pytest.raises(ValueError, match="max_fold_length"):
        rna_descriptors("ACGU", max_fold_length=0)


# -- multimodal model -------------------------------------------------------------------------
def test_net_forward_shapes_and_size():
    torch.manual_seed(0)
    net = MultimodalNet(768, 320, 16)
    # tabular 16→64→32, head (768 + 320 + 32)→256→1
    assert n_parameters(net) == (16 * 64 + 64) + (64 * 32 + 32) + (1120 * 256 + 256) + 257
    out = net(torch.randn(5, 768), torch.randn(5, 320), torch.randn(5, 16))
    assert out.shape == (5,) and out.dtype == torch.float32
    out.sum().backward()
    assert net.tabular[0].weight.grad.abs().sum() > 0  # the tabular branch is in the graph
    linear = MultimodalNet(8, 4, 3, hidden=(), tabular_hidden=())
    assert n_parameters(linear) == 8 + 4 + 3 + 1


def synthetic_inputs(seed=0, n_rna=40, n_protein=30, n_pairs=400, margin=0.5):
    """Pairs labelled by the sign of a planted score: one direction of the RNA ``cls`` vector,
    one of the protein ``mean`` vector and one tabular column of large raw scale (as ``length``
    is). Pairs with ``|score| <= margin`` are left out, so that the problem is separable."""
    rng = np.random.default_rng(seed)
    cls = rng.standard_normal((n_rna, 48)).astype(np.float32)
    mean = rng.standard_normal((n_protein, 24)).astype(np.float32)
    tabular = rng.standard_normal((n_rna, 16)).astype(np.float32)
    tabular[:, 0] = tabular[:, 0] * 300 + 1000
    rna_row, protein_row = np.divmod(np.arange(n_rna * n_protein), n_protein)
    score = cls[rna_row, 0] + mean[protein_row, 0] + (tabular[rna_row, 0] - 1000) / 300
    keep = rng.choice(np.flatnonzero(np.abs(score) > margin), size=n_pairs, replace=False)
    inputs = PairInputs(
        rna_row=rna_row[keep],
        protein_row=protein_row[keep],
        rna={"cls": cls, "rna_tabular": tabular},
        protein={"mean": mean},
    )
    return inputs, (score[keep] > 0).astype(np.int64)


FAST = dict(max_epochs=30, hidden=(64,), batch_size=32, lr=3e-3)


def test_multimodal_learns_a_planted_signal():
    inputs, y = synthetic_inputs()
    pairs = np.arange(inputs.n_pairs)
    train, test = pairs[:300], pairs[300:]
    model = build_multimodal(FAST, seed=0, inputs=inputs).fit(train[:, None], y[train])
    proba = model.predict_proba(test)
    assert proba.shape == (100, 2) and proba.dtype == np.float64
    assert np.allclose(proba.sum(1), 1.0)
    assert roc_auc_score(y[test], proba[:, 1]) > 0.95
    assert set(np.unique(model.predict(test))) <= {0, 1}
    assert model.classes_.tolist() == [0, 1]
    assert isinstance(model.module_, MultimodalNet) and not model.module_.training
    assert 1 <= len(model.history_) <= 30 and np.isfinite(model.history_[0]["val_loss"])
    # the tabular scaler saw each RNA of the training part less the validation part once
    fitted, _ = validation_split(y[train], 0.1, 0)
    rnas = np.unique(inputs.rna_row[train][fitted])
    expected = inputs.rna["rna_tabular"][rnas].astype(np.float64)
    assert model.tabular_scaler_.mean_ == pytest.approx(expected.mean(0), rel=1e-5, abs=1e-6)
    assert model.tabular_scaler_.scale_ == pytest.approx(expected.std(0), rel=1e-5)


def test_multimodal_same_seed_same_probabilities():
    inputs, y = synthetic_inputs(seed=1)
    params = dict(FAST, max_epochs=5)
    train, test = np.arange(300), np.arange(300, 400)
    runs = [
        build_multimodal(params, seed=seed, inputs=inputs).fit(train, y[train]).predict_proba(test)
        for seed in (3, 3, 4)
    ]
    assert np.array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


@pytest.mark.parametrize(
    "molecule, view, value",
    [("rna", "cls", np.nan), ("protein", "mean", np.inf), ("rna", "rna_tabular", np.nan)],
)
def test_multimodal_rejects_non_finite_views(molecule, view, value):
    inputs, y = synthetic_inputs()
    bad_row = inputs.rna_row[7] if molecule == "rna" else inputs.protein_row[7]
    getattr(inputs, molecule)[view][bad_row, 2] = value
    model = MultimodalClassifier(inputs, max_epochs=1)
    with pytest.raises(ValueError, match=f"{molecule} view '{view}'.*first row {bad_row}"):
        model.fit(np.arange(50), y[:50])
    # pairs that do not use the bad row are fine
    rows = inputs.rna_row if molecule == "rna" else inputs.protein_row
    clean = np.flatnonzero(rows != bad_row)[:60]
    model.fit(clean, y[clean])
    with pytest.raises(ValueError, match=f"{molecule} view '{view}'"):
        model.predict_proba(np.array([7]))


def test_multimodal_input_errors():
    inputs, y = synthetic_inputs()
    with pytest.raises(ValueError, match=r"unknown multimodal params \['depth', 'seed'\]"):
        build_multimodal({"depth": 3, "seed": 1}, seed=0, inputs=inputs)
    model = build_multimodal({"hidden": [8, 4]}, seed=5, threads=2, inputs=inputs)
    assert model.hidden == (8, 4) and model.seed == 5 and model.threads == 2
    with pytest.raises(ValueError, match="labels must be 0/1"):
        model.fit(np.arange(20), np.full(20, 2))
    with pytest.raises(ValueError, match="but y has shape"):
        model.fit(np.arange(20), y[:10])
    del inputs.rna["rna_tabular"]
    with pytest.raises(KeyError, match="rna view 'rna_tabular' not loaded"):
        model.fit(np.arange(20), y[:20])
