"""Model selection that follows the split (issue 19, item 4): early stopping and Optuna tuning cut
their validation part out of a fold's train part by whole RNA and/or protein groups in a cold
split (rnainteract.models.validation), read from the split's groups table
(rnainteract.models.inputs.read_validation_groups), through every view-model estimator and the
rules' functions (rnainteract.tasks.rpi).

The tiny dataset below is made here, seeded, as in tests/test_train_views.py: 24 RNAs and 16
proteins whose composition carries a planted class (a pair interacts when the classes agree),
embedded with the one-hot embedder (real code path, no weights).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from rnainteract.features.embeddings.cache import write_embeddings  # noqa: E402
from rnainteract.features.embeddings.embedders import load_embedder  # noqa: E402
from rnainteract.models.inputs import (  # noqa: E402
    PairInputs,
    read_validation_groups,
    validation_split,
)
from rnainteract.models.registry import build_model  # noqa: E402
from rnainteract.tasks.rpi import train_view_model, tune_view_model  # noqa: E402

RNA_LETTERS, PROTEIN_LETTERS = "ACGU", "ACDEFGHIKLMNPQRSTVWY"


# -- validation_split ---------------------------------------------------------------------------
def _labels() -> np.ndarray:
    return (np.random.default_rng(123).random(40) < 0.3).astype(int)


def test_ungrouped_cut_is_unchanged():
    """Positions written down from validation_split before groups existed (same y, seeds)."""
    y = _labels()
    expected = {
        (0.2, 0): [12, 14, 19, 21, 24, 26, 29, 35],
        (0.25, 7): [1, 17, 23, 24, 25, 27, 30, 31, 33, 37],
        (0.1, 3): [3, 4, 6, 31],
    }
    for (fraction, seed), validation in expected.items():
        train, val = validation_split(y, fraction, seed)
        assert val.tolist() == validation
        assert train.tolist() == sorted(set(range(40)) - set(validation))
        for empty in (None, np.zeros((40, 0), dtype=np.int64)):
            again = validation_split(y, fraction, seed, groups=empty)
            assert [a.tolist() for a in again] == [train.tolist(), val.tolist()]
    train, val = validation_split(y[:9], 0.2, 0)  # fewer than 10 rows: no validation part
    assert train.tolist() == list(range(9)) and val.tolist() == []


def _grouped_problem(seed=0, n=400, n_rna=30, n_protein=20):
    rng = np.random.default_rng(seed)
    groups = np.column_stack([rng.integers(0, n_rna, n), rng.integers(0, n_protein, n)])
    y = (rng.random(n) < 0.4).astype(np.int64)
    return y, groups


@pytest.mark.parametrize("column", [0, 1])
def test_one_column_cut_holds_out_whole_groups(column):
    y, groups = _grouped_problem()
    g = groups[:, column]
    for seed in range(5):
        train, val = validation_split(y, 0.1, seed, groups=g)
        assert np.array_equal(np.union1d(train, val), np.arange(len(y)))  # no pair dropped
        assert not set(g[train]) & set(g[val])
        assert 0.05 <= len(val) / len(y) <= 0.15
        assert set(y[val]) == set(y[train]) == {0, 1}
        again = validation_split(y, 0.1, seed, groups=g[:, None])  # (n,) and (n, 1) alike
        assert np.array_equal(again[1], val) and np.array_equal(again[0], train)
    other = validation_split(y, 0.1, 1, groups=g)[1]
    assert not np.array_equal(validation_split(y, 0.1, 0, groups=g)[1], other)
    larger = validation_split(y, 0.25, 0, groups=g)[1]
    assert 0.18 <= len(larger) / len(y) <= 0.32


def test_two_column_cut_holds_out_both_sides():
    y, groups = _grouped_problem()
    for seed in range(5):
        train, val = validation_split(y, 0.1, seed, groups=groups)
        assert not set(train) & set(val)
        rna_val, protein_val = set(groups[val, 0]), set(groups[val, 1])
        assert not rna_val & set(groups[train, 0])
        assert not protein_val & set(groups[train, 1])
        # pairs with exactly one side held out are in neither part; both sides → validation
        in_rna = np.isin(groups[:, 0], list(rna_val))
        in_protein = np.isin(groups[:, 1], list(protein_val))
        neither = np.setdiff1d(np.arange(len(y)), np.union1d(train, val))
        assert np.array_equal(neither, np.flatnonzero(in_rna ^ in_protein))
        assert np.array_equal(val, np.flatnonzero(in_rna & in_protein))
        assert len(neither) > 0
        assert abs(len(val) / len(y) - 0.1) <= 0.04
        assert set(y[val]) == set(y[train]) == {0, 1}
        again = validation_split(y, 0.1, seed, groups=groups)
        assert np.array_equal(again[0], train) and np.array_equal(again[1], val)
    first, second = (validation_split(y, 0.1, s, groups=groups)[1] for s in (0, 1))
    assert not np.array_equal(first, second)


def test_grouped_cut_refuses_what_it_cannot_cut(caplog):
    y, groups = _grouped_problem(n=60)
    with pytest.raises(ValueError, match=r"\(n,\) or \(n, k<=2\)"):
        validation_split(y, 0.1, 0, groups=np.zeros((60, 3), dtype=int))
    with pytest.raises(ValueError, match="60 rows"):
        validation_split(y, 0.1, 0, groups=groups[:50])
    with pytest.raises(ValueError, match="integer codes"):
        validation_split(y, 0.1, 0, groups=groups.astype(float))
    with pytest.raises(ValueError, match="below 1"):
        validation_split(y, 1.0, 0, groups=groups)
    # one group: nothing to hold out -> no validation part (no early stopping), a WARNING
    with caplog.at_level("WARNING"):
        train, held = validation_split(y, 0.1, 0, groups=np.zeros(60, dtype=int))
    assert train.tolist() == list(range(60)) and held.tolist() == []
    assert "no grouped validation cut" in caplog.text and "nothing to hold out" in caplog.text
    caplog.clear()
    # every positive in one group: no cut leaves positives on both sides
    y = np.zeros(60, dtype=int)
    y[:6] = 1
    g = np.repeat(np.arange(10), 6)
    with caplog.at_level("WARNING"):
        assert validation_split(y, 0.2, 0, groups=g)[1].tolist() == []
    assert "lacks class" in caplog.text
    # no validation part asked for, or too few rows: as without groups
    assert validation_split(y, 0.0, 0, groups=g)[1].tolist() == []
    assert validation_split(y[:9], 0.2, 0, groups=g[:9])[1].tolist() == []


# -- the groups table -----------------------------------------------------------------------------
def test_read_validation_groups(tmp_path):
    path = tmp_path / "g.parquet"
    frame = pd.DataFrame(
        {"pair_index": np.arange(5), "protein_group": [4, 4, 3, 2, 1], "rna_group": [0, 1, 1, 2, 2]}
    )
    frame.to_parquet(path)
    groups = read_validation_groups(path, 5)
    assert groups.dtype == np.int64 and groups.tolist() == [
        [0, 4],
        [1, 4],
        [1, 3],
        [2, 2],
        [2, 1],
    ]  # rna_group first, whatever the file's column order
    frame[["pair_index"]].to_parquet(path)  # a random split
    assert read_validation_groups(path, 5) is None
    frame.drop(columns="protein_group").to_parquet(path)
    assert read_validation_groups(path, 5).tolist() == [[0], [1], [1], [2], [2]]
    with pytest.raises(ValueError, match=r"g.parquet: pair_index must be 0\.\.5"):
        read_validation_groups(path, 6)
    frame.iloc[::-1].to_parquet(path)
    with pytest.raises(ValueError, match="in order"):
        read_validation_groups(path, 5)
    frame.assign(family=1).to_parquet(path)
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['family'\]"):
        read_validation_groups(path, 5)
    frame.assign(rna_group=[0.0, 1.0, np.nan, 2.0, 2.0]).to_parquet(path)
    with pytest.raises(ValueError, match="'rna_group' has a missing value at pair_index 2"):
        read_validation_groups(path, 5)
    frame.assign(rna_group=[0.5, 1.0, 1.0, 2.0, 2.0]).to_parquet(path)
    with pytest.raises(ValueError, match="'rna_group' must be integer"):
        read_validation_groups(path, 5)
    frame.drop(columns="pair_index").to_parquet(path)
    with pytest.raises(ValueError, match="lacks column 'pair_index'"):
        read_validation_groups(path, 5)


def test_pair_inputs_validation_groups():
    inputs = PairInputs([0, 1, 1], [0, 0, 1], {}, {}, validation_groups=np.array([5, 6, 6]))
    assert inputs.validation_groups.shape == (3, 1)
    assert inputs.validation_groups_of(np.array([[2], [0]])).tolist() == [[6], [5]]
    with pytest.raises(IndexError):
        inputs.validation_groups_of([3])
    assert PairInputs([0], [0], {}, {}).validation_groups_of([0]) is None
    assert (
        PairInputs([0], [0], {}, {}, validation_groups=np.zeros((1, 0), int)).validation_groups
        is None
    )
    with pytest.raises(ValueError, match="n = 3 rows"):
        PairInputs([0, 1, 1], [0, 0, 1], {}, {}, validation_groups=np.zeros((2, 1), int))


# -- every view-model estimator -------------------------------------------------------------------
def _toy_inputs(seed=0, n_rna=20, n_protein=12, n_pairs=200, dim=6):
    """RNA and protein vectors of a hidden class (±1 on the first feature); a pair interacts
    when the classes agree. Every view the four estimators read, random token matrices too."""
    rng = np.random.default_rng(seed)
    rna_class, protein_class = rng.integers(0, 2, n_rna), rng.integers(0, 2, n_protein)

    def vectors(classes, n):
        base = rng.standard_normal((n, dim)).astype(np.float32)
        base[:, 0] += np.where(classes == 1, 1.5, -1.5)
        return base

    rna, protein = vectors(rna_class, n_rna), vectors(protein_class, n_protein)
    cells = rng.choice(n_rna * n_protein, size=n_pairs, replace=False)
    rna_row, protein_row = np.divmod(cells, n_protein)
    y = (rna_class[rna_row] == protein_class[protein_row]).astype(np.int64)
    tokens = [rng.standard_normal((5 + i % 4, dim)).astype(np.float32) for i in range(n_rna)]
    protein_tokens = [rng.standard_normal((6, dim)).astype(np.float32) for _ in range(n_protein)]
    inputs = PairInputs(
        rna_row,
        protein_row,
        rna={"mean": rna, "cls": rna, "rna_tabular": rna, "tokens": tokens},
        protein={"mean": protein, "tokens": protein_tokens},
        validation_groups=np.column_stack([rna_row, protein_row]),
    )
    return inputs, y


TINY = {
    "esm2_dpm": {"max_epochs": 3, "batch_size": 32},
    "multimodal_mlp": {"max_epochs": 3, "hidden": (8,), "tabular_hidden": (4,), "batch_size": 32},
    "ae_rf": {"ae_epochs": 3, "code_size": 3, "hidden": 8, "n_estimators": 5, "view": "mean"},
    "rpiembeddor": {
        "d_model": 8,
        "encoder_ff": 8,
        "head_width": 8,
        "n_head_layers": 1,
        "max_epochs": 2,
        "warmup_steps": 0,
        "batch_size": 32,
    },
}


@pytest.mark.parametrize("kind", sorted(TINY))
@pytest.mark.parametrize("columns", [[0], [1], [0, 1]])
def test_estimators_stop_early_on_held_out_groups(kind, columns):
    inputs, y = _toy_inputs()
    inputs.validation_groups = inputs.validation_groups[:, columns]
    X = np.arange(20, inputs.n_pairs)[:, None]  # pairs 0..19 play the fold's test part
    params = {**TINY[kind], "validation_fraction": 0.2}
    model = build_model(kind, params, seed=4, inputs=inputs).fit(X, y[X[:, 0]])
    _, expected = validation_split(y[X[:, 0]], 0.2, 4, groups=inputs.validation_groups_of(X))
    val = model.validation_pairs_
    assert np.array_equal(val, X[expected, 0]) and len(val) > 0
    assert not set(val) & set(range(20))
    assert np.isfinite([h["val_loss"] for h in model.history_]).all()
    if len(columns) == 1:  # all other pairs train: none shares a group with the validation
        rows = (inputs.rna_row, inputs.protein_row)[columns[0]]
        assert not set(rows[val]) & set(rows[np.setdiff1d(X[:, 0], val)])


# -- through the rules' functions: a cold split's groups and the label-scramble test -----------
def _fasta(path, records):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records.items()))
    return path


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """The dataset of tests/test_train_views.py (seeded composition classes, one-hot ``mean``
    tables) with an RNA-cold split: RNA ``r<i>`` is tested in fold ``i % 3``; its groups table
    has one RNA group per RNA id (as ``rna_cold_id``). ``pairs_scrambled``: the same table with
    fold 0's test labels flipped."""
    tmp = tmp_path_factory.mktemp("cold")
    rng = np.random.default_rng(3)

    def biased(letters, rich, n):
        p = np.full(len(letters), 1.0)
        p[[letters.index(c) for c in rich]] = 6.0
        return "".join(rng.choice(list(letters), size=n, p=p / p.sum()))

    rna = {f"r{i}": biased(RNA_LETTERS, "GC" if i % 2 else "AU", 8 + 3 * i) for i in range(24)}
    protein = {
        f"p{j}": biased(PROTEIN_LETTERS, "KR" if j % 2 else "DE", 30 + 5 * j) for j in range(16)
    }
    rows = [
        (r, p, int((int(r[1:]) % 2) == (int(p[1:]) % 2)))
        for r in rna
        for p in protein
        if rng.random() < 0.5
    ]
    pairs = pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"])
    pairs["label"] = pairs.label.astype(np.int8)
    rna_number = pairs.rna_id.str[1:].astype(int).to_numpy()
    fold_of = rna_number % 3
    split = pd.concat(
        [
            pd.DataFrame(
                {
                    "pair_index": np.arange(len(pairs)),
                    "fold": np.int16(f),
                    "partition": np.where(fold_of == f, "test", "train"),
                }
            )
            for f in range(3)
        ],
        ignore_index=True,
    )
    paths = {
        "pairs": tmp / "pairs.parquet",
        "pairs_scrambled": tmp / "scrambled.parquet",
        "split": tmp / "split.parquet",
        "groups": tmp / "split.groups.parquet",
        "rna_fasta": _fasta(tmp / "rna.fasta", rna),
        "protein_fasta": _fasta(tmp / "proteins.fasta", protein),
    }
    pairs.to_parquet(paths["pairs"])
    pairs.assign(
        label=np.where(fold_of == 0, 1 - pairs.label, pairs.label).astype(np.int8)
    ).to_parquet(paths["pairs_scrambled"])
    split.to_parquet(paths["split"])
    pd.DataFrame({"pair_index": np.arange(len(pairs)), "rna_group": rna_number}).to_parquet(
        paths["groups"]
    )
    for molecule in ("rna", "protein"):
        fasta = paths[f"{molecule}_fasta"]
        emb = load_embedder(f"onehot_{molecule}", "onehot", None, molecule=molecule)
        paths[molecule] = tmp / f"{molecule}.parquet"
        write_embeddings([fasta], emb, paths[molecule], cache_dir=tmp / "cache", progress=False)
    return {**paths, "table": pairs, "test": np.flatnonzero(fold_of == 0)}


def _common(cold):
    return dict(
        rna_fasta=cold["rna_fasta"],
        protein_fasta=cold["protein_fasta"],
        rna_views={"mean": cold["rna"]},
        protein_views={"mean": cold["protein"]},
        kind="esm2_dpm",
        params={"max_epochs": 12, "patience": 3, "lr": 3e-3, "batch_size": 32},
        seeds=[0],
        folds=[0],
    )


def _train(cold, tmp_path, pairs, name, groups):
    predictions = train_view_model(
        pairs,
        cold["split"],
        out=tmp_path / f"{name}.parquet",
        checkpoint=tmp_path / f"{name}.pt",
        groups=groups,
        **_common(cold),
    )
    (run,) = torch.load(tmp_path / f"{name}.pt", weights_only=True)["runs"]
    return predictions, run


def test_cold_split_validation_holds_no_training_group(cold, tmp_path):
    table, test = cold["table"], cold["test"]
    train = np.setdiff1d(np.arange(len(table)), test)
    _, run = _train(cold, tmp_path, cold["pairs"], "grouped", cold["groups"])
    val = run["validation_pairs"].numpy()
    assert len(val) > 0 and set(val) <= set(train)
    fitted = np.setdiff1d(train, val)
    assert not set(table.rna_id.iloc[val]) & set(table.rna_id.iloc[fitted])
    # without the groups (a random cut) the validation part does share training RNAs
    _, run = _train(cold, tmp_path, cold["pairs"], "ungrouped", None)
    val = run["validation_pairs"].numpy()
    assert set(table.rna_id.iloc[val]) & set(table.rna_id.iloc[np.setdiff1d(train, val)])


def test_scrambling_the_test_labels_changes_no_selection(cold, tmp_path):
    """Early stopping and tuning see the fold's train part only: with fold 0's test labels
    flipped, the selected epoch, the whole training history, the test scores and the tuned
    parameters are the same, and no validation pair is a test pair."""
    test = cold["test"]
    true, scrambled = (
        _train(cold, tmp_path, cold[name], name, cold["groups"])
        for name in ("pairs", "pairs_scrambled")
    )
    assert (true[0].label != scrambled[0].label).all()  # every test label differs
    (_, a), (_, b) = true, scrambled
    assert not set(a["validation_pairs"].numpy()) & set(test)
    assert torch.equal(a["validation_pairs"], b["validation_pairs"])
    assert a["history"] == b["history"]
    best = [int(np.nanargmin([h["val_loss"] for h in r["history"]])) for r in (a, b)]
    assert best[0] == best[1]  # the epoch whose weights early stopping restored
    np.testing.assert_array_equal(true[0].score, scrambled[0].score)
    tuned = [
        tune_view_model(
            cold[name],
            cold["split"],
            n_trials=3,
            out=tmp_path / f"{name}.json",
            groups=cold["groups"],
            **_common(cold),
        )["runs"]
        for name in ("pairs", "pairs_scrambled")
    ]
    assert tuned[0] == tuned[1] and len(tuned[0]) == 1
