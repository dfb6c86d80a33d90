"""The shortcut table: DeLong's test (against the plain O(m n) definition), its fold-paired
version, the table against hand-built metrics and prediction files, and the ladder figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

from rnainteract.evaluation.shortcuts import (
    LADDER_SPLITS,
    SHORTCUT_COLUMNS,
    delong_test,
    fold_paired_delong,
    ladder_figure,
    shortcut_table,
    write_shortcuts,
)


def reference_delong(y, a, b):
    """DeLong et al. (1988) written plainly: psi over every (positive, negative) pair, the
    structural components as row/column means, S = S10/m + S01/n."""
    y, a, b = np.asarray(y), np.asarray(a, float), np.asarray(b, float)
    comps = []
    for s in (a, b):
        pos, neg = s[y == 1], s[y == 0]
        psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        comps.append((psi.mean(), psi.mean(axis=1), psi.mean(axis=0)))
    m, n = int((y == 1).sum()), int((y == 0).sum())
    s10 = np.cov(np.vstack([comps[0][1], comps[1][1]]))
    s01 = np.cov(np.vstack([comps[0][2], comps[1][2]]))
    cov = s10 / m + s01 / n
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    diff = comps[0][0] - comps[1][0]
    z = diff / math.sqrt(var)
    return comps[0][0], comps[1][0], diff, var, z, math.erfc(abs(z) / math.sqrt(2))


def test_delong_matches_quadratic_definition_and_sklearn():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 80)
    a = np.round(y + rng.normal(0, 1.0, 80), 1)  # rounding makes ties, within and across classes
    b = np.round(0.5 * a + rng.normal(0, 1.0, 80), 1)
    out = delong_test(y, a, b)
    auc_a, auc_b, diff, var, z, p = reference_delong(y, a, b)
    assert out["auc_a"] == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert out["auc_b"] == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    assert out["auc_a"] == pytest.approx(auc_a, abs=1e-12)
    assert out["difference"] == pytest.approx(diff, abs=1e-12)
    assert out["variance"] == pytest.approx(var, rel=1e-9)
    assert out["z"] == pytest.approx(z, rel=1e-9)
    assert out["p"] == pytest.approx(p, rel=1e-9)
    assert 0 < out["p"] < 1


def test_delong_ties_by_hand():
    # a: pos 0.9, 0.5; neg 0.5, 0.1 -> V10 = (1, 0.75), V01 = (0.75, 1), AUC 0.875
    # b: pos 0.2, 0.8; neg 0.6, 0.4 -> V10 = (0, 1),    V01 = (0.5, 0.5), AUC 0.5
    # D10 = (1, -0.25): var 0.78125 / 2; D01 = (0.25, 0.5): var 0.03125 / 2 -> 0.40625
    out = delong_test([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1], [0.2, 0.8, 0.6, 0.4])
    assert out["auc_a"] == pytest.approx(0.875)
    assert out["auc_b"] == pytest.approx(0.5)
    assert out["difference"] == pytest.approx(0.375)
    assert out["variance"] == pytest.approx(0.40625)
    assert out["z"] == pytest.approx(0.375 / math.sqrt(0.40625))


def test_delong_variance_close_to_bootstrap():
    rng = np.random.default_rng(3)
    n = 300
    y = np.r_[np.ones(n // 2, int), np.zeros(n // 2, int)]
    a = y + rng.normal(0, 1.2, n)
    b = 0.6 * a + rng.normal(0, 0.8, n)
    var = delong_test(y, a, b)["variance"]
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    # stratified bootstrap (the class sizes are fixed in DeLong's setting), 1000 resamples; the
    # AUC of a resample by the rank-sum (Mann-Whitney) formula, vectorised over resamples
    idx = np.hstack([rng.choice(pos, (1000, len(pos))), rng.choice(neg, (1000, len(neg)))])
    m = len(pos)

    def auc(s):
        ranks = rankdata(s[idx], axis=1)
        return (ranks[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * len(neg))

    assert var == pytest.approx(np.var(auc(a) - auc(b), ddof=1), rel=0.2)


def test_delong_zero_variance():
    y = [1, 0, 1, 0, 1, 0]
    s = [0.9, 0.3, 0.4, 0.5, 0.8, 0.1]
    for other in (s, np.exp(s)):  # identical, and identically ranked
        out = delong_test(y, s, other)
        assert out["variance"] == 0.0 and out["difference"] == 0.0
        assert out["z"] == 0.0 and out["p"] == 1.0
    perfect = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    out = delong_test(y, perfect, [-v for v in perfect])
    assert out["difference"] == 1.0 and out["variance"] == 0.0
    assert out["z"] == math.inf and out["p"] == 0.0


def test_delong_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 2 positives and 2 negatives.*0 positives"):
        delong_test([0, 0, 0, 0], [1, 2, 3, 4], [4, 3, 2, 1])
    with pytest.raises(ValueError, match="1 positives"):
        delong_test([1, 0, 0, 0], [1, 2, 3, 4], [4, 3, 2, 1])
    with pytest.raises(ValueError, match="0/1"):
        delong_test([1, 2, 0, 1], [1, 2, 3, 4], [4, 3, 2, 1])
    with pytest.raises(ValueError, match="one length"):
        delong_test([1, 1, 0, 0], [1, 2, 3], [4, 3, 2, 1])
    with pytest.raises(ValueError, match="score_b has 1 non-finite"):
        delong_test([1, 1, 0, 0], [1, 2, 3, 4], [4, np.nan, 2, 1])


def _table(rows):
    return pd.DataFrame(rows, columns=["pair_index", "fold", "seed", "label", "score"])


def test_fold_paired_by_hand():
    # fold 0: pairs 0-5, fold 1: pairs 6-11, fold 2 only in A; A has two seeds
    y0, y1 = [1, 1, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0]
    a_s0 = {0: [0.9, 0.6, 0.4, 0.5, 0.2, 0.1], 1: [0.7, 0.2, 0.9, 0.4, 0.6, 0.3]}
    a_s1 = {0: [0.7, 0.6, 0.2, 0.5, 0.4, 0.1], 1: [0.5, 0.4, 0.9, 0.2, 0.6, 0.5]}
    b = {0: [0.3, 0.8, 0.5, 0.6, 0.1, 0.2], 1: [0.6, 0.7, 0.5, 0.1, 0.2, 0.3]}
    rows_a, rows_b = [], []
    for fold, ys in ((0, y0), (1, y1)):
        for i, label in enumerate(ys):
            pair = 6 * fold + i
            rows_a.append([pair, fold, 0, label, a_s0[fold][i]])
            rows_a.append([pair, fold, 1, label, a_s1[fold][i]])
            rows_b.append([pair, fold, 0, label, b[fold][i]])
    rows_a += [[20 + i, 2, 0, i % 2, 0.1 * i] for i in range(6)]
    rows_b.append([99, 1, 0, 1, 0.5])  # a fold-1 pair only B holds: not compared
    out = fold_paired_delong(_table(rows_a), _table(rows_b))

    per_fold = []
    for fold, ys in ((0, y0), (1, y1)):
        mean_a = (np.array(a_s0[fold]) + np.array(a_s1[fold])) / 2
        per_fold.append(reference_delong(ys, mean_a, b[fold]))
    diff = (per_fold[0][2] + per_fold[1][2]) / 2
    var = (per_fold[0][3] + per_fold[1][3]) / 4
    z = diff / math.sqrt(var)
    assert out["difference"] == pytest.approx(diff)
    assert out["variance"] == pytest.approx(var)
    assert out["z"] == pytest.approx(z)
    assert out["p"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert out["auc_a"] == pytest.approx((per_fold[0][0] + per_fold[1][0]) / 2)
    assert out["n_folds_compared"] == 2 and out["folds"] == [0, 1]
    assert out["folds_only_a"] == [2] and out["folds_only_b"] == []
    assert out["n_test"] == 12

    flipped = fold_paired_delong(_table(rows_a), _table(rows_b), negate_b=True)
    assert flipped["auc_b"] == pytest.approx(1 - out["auc_b"])
    assert flipped["variance"] != pytest.approx(out["variance"])  # cov(a, -b) = -cov(a, b)


def test_fold_paired_rejects_label_clash_and_no_shared_fold():
    a = _table([[i, 0, 0, i % 2, 0.1 * i] for i in range(6)])
    b = _table([[i, 0, 0, 1 - i % 2, 0.1 * i] for i in range(6)])
    with pytest.raises(ValueError, match="different labels"):
        fold_paired_delong(a, b)
    c = _table([[i, 1, 0, i % 2, 0.1 * i] for i in range(6)])
    with pytest.raises(ValueError, match=r"no fold to compare \(folds \[0\] vs \[1\]"):
        fold_paired_delong(a, c)


# Hand-built summary: dataset "a" splits random + protein_cold, dataset "b" random, dataset "c"
# without baselines (no row). Chosen: a/random m1 vs b1 (flipped b2); a/protein_cold m2 vs b1
# (flipped b2, both shortcuts); b/random m1 vs b2 (flipped b1).
METRICS = pd.DataFrame(
    [
        ["a", "random", "m1", 0.90],
        ["a", "random", "m2", 0.80],
        ["a", "random", "b1", 0.70],
        ["a", "random", "b2", 0.20],
        ["a", "protein_cold", "m1", 0.60],
        ["a", "protein_cold", "m2", 0.65],
        ["a", "protein_cold", "b1", 0.70],
        ["a", "protein_cold", "b2", 0.30],
        ["b", "random", "m1", 0.75],
        ["b", "random", "b1", 0.55],
        ["b", "random", "b2", 0.60],
        ["c", "random", "m1", 0.70],
    ],
    columns=["dataset", "split", "model", "auroc"],
)
SIGNAL = {"m1": 1.0, "m2": 0.8, "b1": 0.5, "b2": -0.6}


def _predictions(tmp_path):
    """A prediction file per metrics row: 3 folds x 40 pairs (m2 of a/protein_cold: fold 0
    only, two seeds), score = signal * label + noise."""
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, 120)
    labels[:4] = [0, 1, 0, 1]
    files = {}
    for row in METRICS.itertuples():
        folds = (
            [0] if (row.dataset, row.split, row.model) == ("a", "protein_cold", "m2") else [0, 1, 2]
        )
        seeds = [0, 1] if len(folds) == 1 else [0]
        parts = []
        for fold in folds:
            pairs = np.arange(40 * fold, 40 * fold + 40)
            for seed in seeds:
                score = SIGNAL[row.model] * labels[pairs] + rng.normal(0, 1, 40)
                parts.append(
                    pd.DataFrame(
                        {
                            "pair_index": pairs,
                            "fold": fold,
                            "seed": seed,
                            "label": labels[pairs],
                            "score": score,
                        }
                    )
                )
        path = tmp_path / "predictions" / row.dataset / row.split / f"{row.model}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.concat(parts).to_parquet(path, index=False)
        files[(row.dataset, row.split, row.model)] = path
    return files


def _bh_by_hand(p):
    p = np.asarray(p, float)
    order = np.argsort(p)
    n = len(p)
    q_sorted = np.minimum.accumulate((p[order] * n / np.arange(1, n + 1))[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(q_sorted, 1)
    return q


def _paired_auroc(files, key, folds, *, negate=False):
    """Mean over ``folds`` of sklearn's per-fold AUROC, seeds averaged: the reference."""
    table = pd.read_parquet(files[key])
    table = table[table.fold.isin(folds)].groupby(["fold", "pair_index"], as_index=False).mean()
    sign = -1.0 if negate else 1.0
    return float(
        np.mean([roc_auc_score(p.label, sign * p.score) for _, p in table.groupby("fold")])
    )


def test_shortcut_table(tmp_path):
    """Each baseline is judged on the best model's folds and test pairs (fold 0 only for m2 on
    a/protein_cold), not by its all-fold mean in metrics.tsv."""
    files = _predictions(tmp_path)
    table = shortcut_table(METRICS, files, baselines={"b1", "b2"})
    assert list(table.columns) == SHORTCUT_COLUMNS
    assert list(zip(table.dataset, table.split, strict=True)) == [
        ("a", "random"),
        ("a", "protein_cold"),
        ("b", "random"),
    ]
    assert list(table.best_model) == ["m1", "m2", "m1"]
    assert table.model_auroc.tolist() == pytest.approx([0.90, 0.65, 0.75])  # metrics.tsv
    for row in table.itertuples():
        folds = [0] if row.best_model == "m2" else [0, 1, 2]
        key = (row.dataset, row.split)
        auc = {b: _paired_auroc(files, (*key, b), folds) for b in ("b1", "b2")}
        assert row.best_baseline == max(auc, key=auc.get)
        assert row.flipped_baseline == min(auc, key=auc.get)
        model = _paired_auroc(files, (*key, row.best_model), folds)
        assert row.paired_model_auroc == pytest.approx(model)
        assert row.paired_baseline_auroc == pytest.approx(max(auc.values()))
        assert (
            row.baseline_auroc
            == METRICS.set_index(["dataset", "split", "model"]).auroc[(*key, row.best_baseline)]
        )
        assert row.difference == pytest.approx(model - max(auc.values()))
        assert row.flipped_auroc == pytest.approx(1 - min(auc.values()))
        assert row.difference_flipped == pytest.approx(model - (1 - min(auc.values())))
        assert row.shortcut == (model <= max(auc.values()))
        assert row.shortcut_flipped == (model <= 1 - min(auc.values()))
    assert list(table.best_baseline) == ["b1", "b1", "b1"]
    assert list(table.flipped_baseline) == ["b2", "b2", "b2"]
    assert table.n_folds_compared.tolist() == [3, 1, 3]
    assert table.n_test.tolist() == [120, 40, 120]

    direct = fold_paired_delong(files["a", "protein_cold", "m2"], files["a", "protein_cold", "b1"])
    assert table.p[1] == pytest.approx(direct["p"])
    inverted = fold_paired_delong(
        files["b", "random", "m1"], files["b", "random", "b2"], negate_b=True
    )
    assert table.p_flipped[2] == pytest.approx(inverted["p"])
    assert table.q.tolist() == pytest.approx(_bh_by_hand(table.p).tolist())
    assert table.q_flipped.tolist() == pytest.approx(_bh_by_hand(table.p_flipped).tolist())
    assert (table.q >= table.p).all() and table.q.nunique() > 1

    reordered = shortcut_table(
        METRICS, files, baselines={"b1", "b2"}, splits=("protein_cold", "random")
    )
    assert reordered.split.tolist() == ["protein_cold", "random", "random"]


def test_shortcut_table_errors(tmp_path):
    files = _predictions(tmp_path)
    with pytest.raises(ValueError, match="duplicate .* a/random/m1"):
        shortcut_table(pd.concat([METRICS, METRICS.iloc[:1]]), files, baselines={"b1"})
    # an undefined model AUROC: that model is no candidate; no candidate at all: no row
    nan = METRICS.copy()
    nan.loc[0, "auroc"] = np.nan  # a/random/m1
    nan.loc[8, "auroc"] = np.nan  # b/random/m1, the only model there
    table = shortcut_table(nan, files, baselines={"b1", "b2"})
    assert list(zip(table.dataset, table.split, table.best_model, strict=True)) == [
        ("a", "random", "m2"),
        ("a", "protein_cold", "m2"),
    ]
    del files["a", "random", "b1"]
    with pytest.raises(ValueError, match="no prediction file for a/random/b1"):
        shortcut_table(METRICS, files, baselines={"b1", "b2"})


def test_write_shortcuts_from_paths(tmp_path):
    files = _predictions(tmp_path)
    metrics_tsv = tmp_path / "metrics.tsv"
    METRICS.to_csv(metrics_tsv, sep="\t", index=False)
    out = tmp_path / "summary" / "shortcuts.tsv"
    write_shortcuts(
        metrics_tsv,
        [str(p) for p in files.values()],
        out,
        baselines=["b1", "b2"],
        splits=("random", "protein_cold"),
    )
    back = pd.read_csv(out, sep="\t")
    assert list(back.columns) == SHORTCUT_COLUMNS and len(back) == 3
    assert back.best_model.tolist() == ["m1", "m2", "m1"]
    direct = shortcut_table(METRICS, files, baselines={"b1", "b2"})
    assert back.shortcut.tolist() == direct.shortcut.tolist()
    assert back.difference.tolist() == pytest.approx(direct.difference.round(4).tolist())
    with pytest.raises(ValueError, match="<dataset>/<split>/<model>.parquet"):
        write_shortcuts(metrics_tsv, [tmp_path / "x.tsv"], out, baselines=["b1"])


def test_ladder_figure(tmp_path):
    out = tmp_path / "figures" / "ladder_a.png"
    ladder_figure(METRICS, "a", out, baselines={"b1", "b2"})
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    with pytest.raises(ValueError, match="no rows for dataset 'zz'"):
        ladder_figure(METRICS, "zz", tmp_path / "z.png")


def test_the_workflow_plans_the_ladder_in_the_same_order():
    """The light config module keeps a copy of the ladder (it must not import scipy)."""
    import rnainteract.config as cfg

    assert cfg.LADDER_SPLITS == list(LADDER_SPLITS)
    assert sorted(cfg.LADDER_SPLITS) == sorted(cfg.SPLIT_NAMES)
