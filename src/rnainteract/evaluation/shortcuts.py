"""Does the best model beat the best shortcut? Baselines that learn no sequence signal (degree,
degree propagation, RNA-only, protein-only, nearest neighbour) against the best model of each
dataset × split, with DeLong's paired test of two AUROCs, Benjamini–Hochberg q values, and the
"ladder" figure of mean AUROC along the splits.

The test is DeLong, DeLong & Clarke-Pearson (1988, Biometrics 44:837, "Comparing the areas
under two or more correlated receiver operating characteristic curves") computed with the
midrank algorithm of Sun & Xu (2014, IEEE Signal Processing Letters 21:1389, "Fast
implementation of DeLong's algorithm ..."), O(n log n) instead of O(m n).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from rnainteract.io.files import atomic_path, write_tsv

log = logging.getLogger(__name__)

#: The splits from least to most demanding: the x axis of :func:`ladder_figure` and the row order
#: of :func:`shortcut_table`.
LADDER_SPLITS = (
    "random",
    "rna_cold_id",
    "protein_cold_id",
    "both_cold_id",
    "rna_family",
    "protein_cold",
    "both_cold",
)

SHORTCUT_COLUMNS = [
    "dataset",
    "split",
    "best_model",
    "model_auroc",
    "best_baseline",
    "baseline_auroc",
    "paired_model_auroc",
    "paired_baseline_auroc",
    "difference",
    "p",
    "q",
    "n_test",
    "n_folds_compared",
    "flipped_baseline",
    "flipped_auroc",
    "difference_flipped",
    "p_flipped",
    "q_flipped",
    "shortcut",
    "shortcut_flipped",
]


def _structural_components(
    y: np.ndarray, score: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """AUROC and DeLong's structural components of one score from midranks (Sun & Xu 2014,
    eqs. for V10 and V01): ``V10[i] = (Tz[i] - Tx[i]) / n`` for the i-th positive and
    ``V01[j] = 1 - (Tz[j] - Ty[j]) / m`` for the j-th negative, where Tz are the midranks in the
    pooled sample and Tx, Ty the midranks within the positives and within the negatives; ties
    count 1/2 (the midranks do that). AUROC = mean(V10) = mean(V01)."""
    pos, neg = score[y == 1], score[y == 0]
    m, n = len(pos), len(neg)
    pooled = stats.rankdata(np.concatenate([pos, neg]), method="average")
    v10 = (pooled[:m] - stats.rankdata(pos, method="average")) / n
    v01 = 1.0 - (pooled[m:] - stats.rankdata(neg, method="average")) / m
    return float(v10.mean()), v10, v01


def _check_inputs(y, score_a, score_b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y)
    score_a = np.asarray(score_a, dtype=float)
    score_b = np.asarray(score_b, dtype=float)
    if y.ndim != 1 or score_a.shape != y.shape or score_b.shape != y.shape:
        raise ValueError(
            f"DeLong test: y, score_a and score_b must be 1-D of one length; got shapes "
            f"{y.shape}, {score_a.shape}, {score_b.shape}"
        )
    labels = set(np.unique(y).tolist())
    if not labels <= {0, 1}:
        raise ValueError(f"DeLong test: labels must be 0/1; got {sorted(labels)}")
    n_pos = int((y == 1).sum())
    n_neg = len(y) - n_pos
    if n_pos < 2 or n_neg < 2:
        raise ValueError(
            f"DeLong test: needs at least 2 positives and 2 negatives (the variance is a sample "
            f"covariance over each class); got {n_pos} positives and {n_neg} negatives"
        )
    for name, score in (("score_a", score_a), ("score_b", score_b)):
        if not np.isfinite(score).all():
            raise ValueError(
                f"DeLong test: {name} has {int((~np.isfinite(score)).sum())} non-finite values"
            )
    return y.astype(np.int8), score_a, score_b


def _delong_parts(y, score_a, score_b) -> tuple[float, float, float]:
    """(auc_a, auc_b, variance of auc_a - auc_b) on one set of examples."""
    auc_a, v10_a, v01_a = _structural_components(y, score_a)
    auc_b, v10_b, v01_b = _structural_components(y, score_b)
    # L S L^T with L = (1, -1) equals the variance of the components' differences: computing it
    # that way makes identical (or identically ranked) scores give exactly 0.
    d10, d01 = v10_a - v10_b, v01_a - v01_b
    variance = float(d10.var(ddof=1) / len(d10) + d01.var(ddof=1) / len(d01))
    return auc_a, auc_b, variance


def _z_and_p(difference: float, variance: float) -> tuple[float, float]:
    if variance <= 0.0:
        if difference == 0.0:
            return 0.0, 1.0
        return float(np.copysign(np.inf, difference)), 0.0
    z = difference / np.sqrt(variance)
    return float(z), float(2.0 * stats.norm.sf(abs(z)))


def delong_test(y, score_a, score_b) -> dict[str, float]:
    """DeLong's test of two correlated AUROCs on the same examples.

    DeLong, DeLong & Clarke-Pearson (1988, Biometrics 44:837): the AUROC is a two-sample
    U-statistic; its structural components V10 (one per positive) and V01 (one per negative)
    give the covariance matrix ``S = S10 / m + S01 / n`` (sample covariances, ddof = 1) of the
    two AUROCs, and ``z = (auc_a - auc_b) / sqrt(L S L^T)``, ``L = (1, -1)``, is compared with
    the standard normal (two-sided). The components come from midranks, Sun & Xu (2014, IEEE SPL
    21:1389), in O(n log n); ties between a positive and a negative count 1/2, as in
    ``sklearn.metrics.roc_auc_score``.

    Args:
        y: ``(n,)`` labels, 0/1 (any integer or bool dtype).
        score_a: ``(n,)`` float scores of classifier A, higher = more likely positive.
        score_b: ``(n,)`` float scores of classifier B on the same examples.

    Returns:
        ``auc_a``, ``auc_b``, ``difference`` (auc_a − auc_b), ``variance`` (of the difference),
        ``z`` and ``p`` (two-sided). Zero variance (identical or identically ranked scores, so
        the difference is 0) gives ``z = 0``, ``p = 1``; zero variance with a non-zero
        difference (e.g. one score separates the classes perfectly and the other is its
        reverse) gives ``z = ±inf``, ``p = 0``.

    Raises:
        ValueError: shapes differ or are not 1-D; labels other than 0/1; fewer than 2 positives
            or 2 negatives (a single class included); non-finite scores.
    """
    y, score_a, score_b = _check_inputs(y, score_a, score_b)
    auc_a, auc_b, variance = _delong_parts(y, score_a, score_b)
    difference = auc_a - auc_b
    z, p = _z_and_p(difference, variance)
    return {
        "auc_a": auc_a,
        "auc_b": auc_b,
        "difference": difference,
        "variance": variance,
        "z": z,
        "p": p,
    }


def _per_pair_scores(predictions: pd.DataFrame | str | os.PathLike, name: str) -> pd.DataFrame:
    """Mean score over seeds per (fold, pair_index), with the pair's label (checked equal over
    seeds)."""
    table = predictions if isinstance(predictions, pd.DataFrame) else pd.read_parquet(predictions)
    missing = {"pair_index", "fold", "label", "score"} - set(table.columns)
    if missing:
        raise ValueError(f"{name}: prediction table lacks columns {sorted(missing)}")
    grouped = table.groupby(["fold", "pair_index"], sort=True).agg(
        score=("score", "mean"),
        label=("label", "first"),
        label_max=("label", "max"),
        label_min=("label", "min"),
    )
    mixed = grouped[grouped.label_max != grouped.label_min]
    if len(mixed):
        fold, pair = mixed.index[0]
        raise ValueError(
            f"{name}: {len(mixed)} (fold, pair_index) with different labels over seeds, e.g. "
            f"fold {fold} pair {pair}"
        )
    return grouped[["score", "label"]].reset_index()


def fold_paired_delong(
    predictions_a: pd.DataFrame | str | os.PathLike,
    predictions_b: pd.DataFrame | str | os.PathLike,
    *,
    negate_b: bool = False,
) -> dict[str, float | int | list[int]]:
    """DeLong's test on the mean of per-fold AUROCs, the quantity of ``metrics.tsv``.

    Per prediction table (columns of :mod:`rnainteract.io.predictions`) the scores are first
    averaged over seeds per (fold, pair_index). The two tables are inner-joined on
    (fold, pair_index); on each fold present in both, :func:`delong_test` gives the AUROC
    difference ``d_f`` and its variance ``v_f`` on the shared test pairs. The folds are disjoint
    test sets, taken as independent, so with F folds compared::

        difference = mean_f d_f,    variance = sum_f v_f / F**2,
        z = difference / sqrt(variance),    p = 2 * (1 - Phi(|z|)).

    Folds present in only one table are left out (``folds_only_a`` / ``folds_only_b``), and so
    are pairs of a shared fold that only one table holds. A shared fold whose shared pairs have
    fewer than 2 positives or 2 negatives (DeLong's variance needs two of each) is left out,
    with a logged warning, and counted in ``n_folds_undefined``; ``metrics.tsv`` leaves only
    single-class runs out of its mean, so there such a fold still counts. Zero total variance is
    handled as in :func:`delong_test`.

    Args:
        predictions_a: table (or Parquet path) of model A.
        predictions_b: table (or Parquet path) of model B.
        negate_b: compare with B's scores negated (the "flipped" B, AUROC 1 − AUROC).

    Returns:
        ``auc_a``, ``auc_b`` (means over the compared folds of the per-fold AUROCs),
        ``difference``, ``variance``, ``z``, ``p``, ``n_test`` (shared pairs in the compared
        folds), ``n_folds_compared``, ``n_folds_undefined``, ``folds`` (the compared folds),
        ``folds_only_a``, ``folds_only_b``.

    Raises:
        ValueError: a table lacks a column; a pair's label differs over seeds or between the
            two tables; no fold can be compared.
    """
    name_a = str(predictions_a) if not isinstance(predictions_a, pd.DataFrame) else "A"
    name_b = str(predictions_b) if not isinstance(predictions_b, pd.DataFrame) else "B"
    a = _per_pair_scores(predictions_a, name_a)
    b = _per_pair_scores(predictions_b, name_b)
    folds_a, folds_b = set(a.fold.unique().tolist()), set(b.fold.unique().tolist())
    joined = a.merge(b, on=["fold", "pair_index"], suffixes=("_a", "_b"), how="inner")
    clash = joined[joined.label_a != joined.label_b]
    if len(clash):
        raise ValueError(
            f"{name_a} vs {name_b}: {len(clash)} shared (fold, pair_index) with different labels,"
            f" e.g. fold {clash.fold.iloc[0]} pair {clash.pair_index.iloc[0]}"
        )
    folds, parts, n_test, undefined = [], [], 0, 0
    for fold, part in joined.groupby("fold", sort=True):
        y = part.label_a.to_numpy()
        n_pos = int((y == 1).sum())
        if n_pos < 2 or len(y) - n_pos < 2:
            log.warning(
                "%s vs %s: fold %s has %d positives and %d negatives among the shared pairs; "
                "left out of the comparison",
                name_a,
                name_b,
                fold,
                n_pos,
                len(y) - n_pos,
            )
            undefined += 1
            continue
        score_b = part.score_b.to_numpy()
        y, score_a, score_b = _check_inputs(y, part.score_a.to_numpy(), score_b)
        parts.append(_delong_parts(y, score_a, -score_b if negate_b else score_b))
        folds.append(int(fold))
        n_test += len(part)
    if not parts:
        raise ValueError(
            f"{name_a} vs {name_b}: no fold to compare (folds {sorted(folds_a)} vs "
            f"{sorted(folds_b)}, {undefined} shared fold(s) with too few of a class)"
        )
    auc_a, auc_b, variances = (np.array(column) for column in zip(*parts, strict=True))
    difference = float((auc_a - auc_b).mean())
    variance = float(variances.sum() / len(parts) ** 2)
    z, p = _z_and_p(difference, variance)
    return {
        "auc_a": float(auc_a.mean()),
        "auc_b": float(auc_b.mean()),
        "difference": difference,
        "variance": variance,
        "z": z,
        "p": p,
        "n_test": n_test,
        "n_folds_compared": len(parts),
        "n_folds_undefined": undefined,
        "folds": folds,
        "folds_only_a": sorted(int(f) for f in folds_a - folds_b),
        "folds_only_b": sorted(int(f) for f in folds_b - folds_a),
    }


def _split_order(present: Iterable[str], splits: Sequence[str]) -> list[str]:
    """The splits of ``present`` in the order of ``splits``, then any others alphabetically."""
    present = set(present)
    return [s for s in splits if s in present] + sorted(present - set(splits))


def _bh(p: pd.Series) -> pd.Series:
    """Benjamini–Hochberg (1995) adjusted p values (q) over the non-missing entries."""
    q = pd.Series(np.nan, index=p.index, dtype=float)
    valid = p.notna()
    if valid.any():
        q[valid] = multipletests(p[valid].to_numpy(dtype=float), method="fdr_bh")[1]
    return q


def shortcut_table(
    metrics: pd.DataFrame,
    predictions: Mapping[tuple[str, str, str], str | os.PathLike],
    *,
    baselines: Iterable[str],
    splits: Sequence[str] = LADDER_SPLITS,
) -> pd.DataFrame:
    """Best model against best baseline per dataset × split, with DeLong p and BH q values.

    For each dataset × split of ``metrics`` with at least one model and one baseline: the best
    model (highest mean AUROC among the non-baselines in ``metrics``; ``model_auroc``) is
    compared with every baseline on the same folds and test pairs by :func:`fold_paired_delong`
    (a model run on fold 0 only is compared on fold 0: a baseline's all-fold mean would judge it
    against other test pairs). ``best_baseline`` is the baseline with the highest AUROC on those
    folds (``paired_baseline_auroc``; ``baseline_auroc`` is its all-fold mean from ``metrics``),
    ``difference`` = ``paired_model_auroc`` − ``paired_baseline_auroc`` and ``p`` its DeLong p.
    Then the "flipped" comparison: a baseline far below 0.5 is an inverted shortcut (its
    negated score has AUROC 1 − AUROC), so ``flipped_baseline`` is the baseline with the highest
    paired 1 − AUROC, ``flipped_auroc`` that value, ``difference_flipped`` = model − flipped and
    ``p_flipped`` DeLong's p against the negated baseline score. Where every baseline is above
    0.5 the flipped comparison is trivially won by the model; it is still reported.

    ``shortcut`` is True where the best model does not beat every baseline on the shared folds
    (paired model AUROC <= best paired baseline AUROC), ``shortcut_flipped`` where it does not
    beat every flipped baseline. A model with an undefined AUROC is not a candidate; a
    dataset × split without a candidate model or a comparable baseline gets no row (logged).

    Multiple testing: Benjamini–Hochberg (1995) over all rows, with the direct and the flipped
    comparisons as two separate families (``q`` and ``q_flipped``). They answer different
    questions (does the model beat the baselines as they are / a baseline read upside down),
    and the flipped p values are mostly tiny by construction (a flipped baseline below 0.5 is
    trivially beaten). In one pooled family those tiny p values would take the low ranks, so
    every direct p would be compared with a larger BH threshold (rank / N · alpha) and look more
    significant than in its own family; kept apart, the direct q values do not depend on the
    flipped comparisons at all. The flipped ``q_flipped`` is the secondary, exploratory column.
    BH via statsmodels ``multipletests(method="fdr_bh")``.

    Args:
        metrics: the summary table (``results/summary/metrics.tsv``): columns ``dataset``,
            ``split``, ``model``, ``auroc`` at least; one row per dataset × split × model.
        predictions: (dataset, split, model) -> prediction Parquet file; needed for the models
            and baselines chosen.
        baselines: names of the baseline models.
        splits: the split order of the rows (datasets alphabetical); splits not listed follow
            alphabetically.

    Returns:
        Columns :data:`SHORTCUT_COLUMNS`, one row per compared dataset × split; p and q are
        floats in [0, 1], ``shortcut``/``shortcut_flipped`` bool.

    Raises:
        ValueError: missing columns or duplicate rows in ``metrics``; a chosen model without a
            prediction file; errors of :func:`fold_paired_delong` other than "no fold to
            compare", with the dataset × split named.
    """
    missing = {"dataset", "split", "model", "auroc"} - set(metrics.columns)
    if missing:
        raise ValueError(f"metrics table lacks columns {sorted(missing)}")
    duplicated = metrics.duplicated(["dataset", "split", "model"])
    if duplicated.any():
        row = metrics[duplicated].iloc[0]
        raise ValueError(
            f"metrics table: {int(duplicated.sum())} duplicate dataset × split × model rows, "
            f"e.g. {row.dataset}/{row.split}/{row.model}"
        )
    baselines = set(baselines)
    rows = []
    for dataset in sorted(metrics.dataset.unique()):
        of_dataset = metrics[metrics.dataset == dataset]
        for split in _split_order(of_dataset.split.unique(), splits):
            part = of_dataset[of_dataset.split == split]
            is_baseline = part.model.isin(baselines)
            if is_baseline.all() or not is_baseline.any():
                continue
            row = _compare(dataset, split, part, is_baseline, predictions)
            if row is not None:
                rows.append(row)
    table = pd.DataFrame(rows, columns=SHORTCUT_COLUMNS)
    table["q"] = _bh(table.p)
    table["q_flipped"] = _bh(table.p_flipped)
    return table.astype({"shortcut": bool, "shortcut_flipped": bool})


def _best(part: pd.DataFrame, column: str) -> pd.Series:
    """The row with the highest ``column``; ties go to the alphabetically first model."""
    ordered = part.sort_values([column, "model"], ascending=[False, True], kind="stable")
    return ordered.iloc[0]


def _compare(dataset, split, part, is_baseline, predictions) -> dict | None:
    """One row of :func:`shortcut_table` (``None``, logged, where nothing can be compared)."""
    models = part[~is_baseline & part.auroc.notna()]
    if models.empty:
        log.warning("shortcut table: %s/%s: no model with an AUROC; row left out", dataset, split)
        return None
    model = _best(models, "auroc")

    def path(name: str) -> str | os.PathLike:
        key = (dataset, split, name)
        if key not in predictions:
            raise ValueError(f"shortcut table: no prediction file for {dataset}/{split}/{name}")
        return predictions[key]

    # every baseline on the best model's folds and test pairs (a model may run on fold 0 only)
    paired = {}
    for name in sorted(part.model[is_baseline]):
        try:
            paired[name] = fold_paired_delong(path(model.model), path(name))
        except ValueError as err:
            if "no fold to compare" not in str(err):
                raise ValueError(f"shortcut table: {dataset}/{split}: {err}") from None
            log.warning("shortcut table: %s/%s: %s; baseline left out", dataset, split, err)
    if not paired:
        log.warning("shortcut table: %s/%s: no baseline comparable; row left out", dataset, split)
        return None
    # highest (flipped: lowest) paired AUROC; max/min keep the first of ties, and the names
    # were visited in sorted order
    baseline = max(paired, key=lambda name: paired[name]["auc_b"])
    flipped = min(paired, key=lambda name: paired[name]["auc_b"])
    direct = paired[baseline]
    inverted = fold_paired_delong(path(model.model), path(flipped), negate_b=True)
    by_model = part.set_index("model").auroc
    return {
        "dataset": dataset,
        "split": split,
        "best_model": model.model,
        "model_auroc": float(model.auroc),
        "best_baseline": baseline,
        "baseline_auroc": float(by_model[baseline]),
        "paired_model_auroc": direct["auc_a"],
        "paired_baseline_auroc": direct["auc_b"],
        "difference": direct["difference"],
        "p": direct["p"],
        "q": np.nan,
        "n_test": direct["n_test"],
        "n_folds_compared": direct["n_folds_compared"],
        "flipped_baseline": flipped,
        "flipped_auroc": inverted["auc_b"],
        "difference_flipped": inverted["difference"],
        "p_flipped": inverted["p"],
        "q_flipped": np.nan,
        "shortcut": direct["auc_a"] <= direct["auc_b"],
        "shortcut_flipped": inverted["auc_a"] <= inverted["auc_b"],
    }


def _prediction_map(
    files: Mapping[tuple[str, str, str], str | os.PathLike] | Iterable[str | os.PathLike],
) -> dict[tuple[str, str, str], str | os.PathLike]:
    """(dataset, split, model) -> path, from a mapping or from paths that end in
    ``<dataset>/<split>/<model>.parquet`` (``results/predictions/...``)."""
    if isinstance(files, Mapping):
        return dict(files)
    mapping: dict[tuple[str, str, str], str | os.PathLike] = {}
    for file in files:
        path = Path(file)
        if path.suffix != ".parquet" or len(path.parts) < 3:
            raise ValueError(
                f"{file}: a prediction file path must end in <dataset>/<split>/<model>.parquet"
            )
        key = (path.parent.parent.name, path.parent.name, path.stem)
        if key in mapping:
            raise ValueError(f"{file}: a second prediction file for {'/'.join(key)}")
        mapping[key] = file
    return mapping


def write_shortcuts(
    metrics_tsv: str | os.PathLike,
    prediction_files: Mapping[tuple[str, str, str], str | os.PathLike]
    | Iterable[str | os.PathLike],
    out_tsv: str | os.PathLike,
    *,
    baselines: Iterable[str],
    splits: Sequence[str] = LADDER_SPLITS,
) -> pd.DataFrame:
    """:func:`shortcut_table` from the summary TSV and prediction files to a TSV (atomically).

    Args:
        metrics_tsv: ``results/summary/metrics.tsv``.
        prediction_files: a mapping (dataset, split, model) -> path, or paths ending in
            ``<dataset>/<split>/<model>.parquet`` (as a Snakemake input list).
        out_tsv: the table; AUROCs and differences rounded to 4 decimals, p and q to 4
            significant digits (q computed from the unrounded p).
        baselines: names of the baseline models.
        splits: the row order of the splits.

    Returns:
        The table as written.

    Raises:
        ValueError: a prediction path not of that form or duplicated; those of
            :func:`shortcut_table`.
    """
    metrics = pd.read_csv(metrics_tsv, sep="\t")
    table = shortcut_table(
        metrics, _prediction_map(prediction_files), baselines=baselines, splits=splits
    )
    for column in (
        "model_auroc",
        "baseline_auroc",
        "paired_model_auroc",
        "paired_baseline_auroc",
        "difference",
        "flipped_auroc",
        "difference_flipped",
    ):
        table[column] = table[column].astype(float).round(4)
    for column in ("p", "q", "p_flipped", "q_flipped"):
        table[column] = [float(f"{v:.4g}") for v in table[column].astype(float)]
    write_tsv(table, out_tsv)
    return table


def ladder_figure(
    metrics: pd.DataFrame | str | os.PathLike,
    dataset: str,
    out_png: str | os.PathLike,
    *,
    splits: Sequence[str] = LADDER_SPLITS,
    baselines: Iterable[str] = (),
) -> None:
    """Mean AUROC of every model of ``dataset`` along the splits (a "ladder"), to PNG.

    x: the splits of ``splits`` in that order that have rows for ``dataset`` (others are not
    drawn); y: mean AUROC from the summary table. Models are solid coloured lines, baselines
    dashed grey-ish lines, the dotted line is chance (0.5); the legend sits outside, right.
    A model missing at a split leaves a gap. Written atomically.

    Args:
        metrics: the summary table or its TSV path (columns ``dataset split model auroc``).
        dataset: the dataset to draw.
        out_png: the PNG file.
        splits: the x axis order.
        baselines: names drawn as baselines.

    Raises:
        ValueError: ``dataset`` has no rows in any of ``splits``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not isinstance(metrics, pd.DataFrame):
        metrics = pd.read_csv(metrics, sep="\t")
    part = metrics[(metrics.dataset == dataset) & metrics.split.isin(list(splits))]
    if part.empty:
        raise ValueError(f"ladder figure: no rows for dataset {dataset!r} in splits {list(splits)}")
    order = [s for s in splits if s in set(part.split)]
    grid = part.pivot_table(index="model", columns="split", values="auroc", aggfunc="first")
    grid = grid.reindex(columns=order)
    baselines = set(baselines)
    models = [m for m in grid.index if m not in baselines]
    bases = [m for m in grid.index if m in baselines]
    x = np.arange(len(order))
    fig, ax = plt.subplots(figsize=(1.1 * len(order) + 5, 4.5), dpi=100)
    # tab10/tab20 without their greys, which are kept for the baselines
    palette = [c for i, c in enumerate(plt.get_cmap("tab10").colors) if i != 7]
    if len(models) > len(palette):
        palette = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (14, 15)]
    for i, model in enumerate(models):
        ax.plot(
            x,
            grid.loc[model].to_numpy(dtype=float),
            marker="o",
            linestyle="-",
            color=palette[i % len(palette)],
            label=model,
        )
    greys = np.linspace(0.25, 0.65, max(len(bases), 1))
    for grey, model in zip(greys, bases, strict=False):
        ax.plot(
            x,
            grid.loc[model].to_numpy(dtype=float),
            marker="s",
            linestyle="--",
            color=str(grey),
            label=f"{model} (baseline)",
        )
    ax.axhline(0.5, linestyle=":", color="grey", linewidth=1, label="chance")
    ax.set_xticks(x, order, rotation=30, ha="right")
    ax.set(xlabel="split", ylabel="mean AUROC", title=dataset, ylim=(0, 1.02))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    fig.tight_layout()
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)
