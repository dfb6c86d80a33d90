"""Binary classification metrics (scikit-learn), their summary over folds/seeds, ROC figures.

The summary table (``results/summary/metrics.tsv``) has exactly the columns of the output
contract (../shared/ARCHITECTURE.md): ``dataset split model n_test n_seeds`` then the mean of
``auroc auprc accuracy precision recall f1 mcc`` and the same with ``_sd``, then ``pretrained``
(``True``/``False`` for models that read embeddings — ``False`` marks random-init embedders —
and empty for models that read none). Means and standard
deviations (ddof=1) are taken over every (seed, fold) run, so with one seed the sd is the spread
over cross-validation folds. ``n_test`` is the number of test predictions of one seed (all folds).
AUPRC is average precision (``sklearn.metrics.average_precision_score``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn import metrics as skm

from rnainteract.io import atomic_path, write_json, write_tsv

log = logging.getLogger(__name__)

METRICS = ("auroc", "auprc", "accuracy", "precision", "recall", "f1", "mcc")
SUMMARY_COLUMNS = (
    ["dataset", "split", "model", "n_test", "n_seeds"]
    + list(METRICS)
    + [f"{m}_sd" for m in METRICS]
    + ["pretrained"]
)


def binary_metrics(y_true: np.ndarray, score: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall, F1, MCC (from ``pred``) and AUROC, AUPRC (from ``score``).

    Args:
        y_true: ``(n,)`` 0/1 labels; score: ``(n,)`` floats, higher = positive; pred: ``(n,)`` 0/1.

    Returns:
        A dict over :data:`METRICS`. AUROC and AUPRC are NaN when ``y_true`` has a single class;
        precision (and F1) is 0 when nothing is predicted positive.

    Raises:
        ValueError: empty input or mismatched lengths.
    """
    y_true, score, pred = (np.asarray(a) for a in (y_true, score, pred))
    if not (len(y_true) == len(score) == len(pred)) or len(y_true) == 0:
        raise ValueError(
            f"need equal, non-zero lengths; got {len(y_true)}, {len(score)}, {len(pred)}"
        )
    two_classes = len(np.unique(y_true)) == 2
    return {
        "auroc": float(skm.roc_auc_score(y_true, score)) if two_classes else float("nan"),
        "auprc": float(skm.average_precision_score(y_true, score)) if two_classes else float("nan"),
        "accuracy": float(skm.accuracy_score(y_true, pred)),
        "precision": float(skm.precision_score(y_true, pred, zero_division=0)),
        "recall": float(skm.recall_score(y_true, pred, zero_division=0)),
        "f1": float(skm.f1_score(y_true, pred, zero_division=0)),
        "mcc": float(skm.matthews_corrcoef(y_true, pred)),
    }


def evaluate_predictions(
    predictions: pd.DataFrame, *, dataset: str, split: str, model: str
) -> dict:
    """Metrics per (seed, fold) run and their mean/sd (module docstring).

    Args:
        predictions: ``pair_index, fold, seed, label, score, pred`` (:mod:`rnainteract.train`).
    """
    runs = []
    for (seed, fold), part in predictions.groupby(["seed", "fold"], sort=True):
        entry = {
            "seed": int(seed),
            "fold": int(fold),
            "n_test": len(part),
            "n_test_positive": int(part.label.sum()),
        }
        entry.update(binary_metrics(part.label, part.score, part.pred))
        entry["confusion"] = {
            "tp": int(((part.pred == 1) & (part.label == 1)).sum()),
            "fp": int(((part.pred == 1) & (part.label == 0)).sum()),
            "tn": int(((part.pred == 0) & (part.label == 0)).sum()),
            "fn": int(((part.pred == 0) & (part.label == 1)).sum()),
        }
        runs.append(entry)
    frame = pd.DataFrame(runs)
    n_seeds = int(predictions.seed.nunique())
    result = {
        "dataset": dataset,
        "split": split,
        "model": model,
        "n_seeds": n_seeds,
        "n_folds": int(predictions.fold.nunique()),
        "n_test": int(len(predictions) // n_seeds),
        "runs": runs,
    }
    for metric in METRICS:
        values = frame[metric].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        result[metric] = float(finite.mean()) if finite.size else float("nan")
        result[f"{metric}_sd"] = float(finite.std(ddof=1)) if finite.size > 1 else float("nan")
        result[f"{metric}_n_runs"] = int(finite.size)
    return result


def evaluate_file(
    predictions: str | os.PathLike, out: str | os.PathLike, *, dataset: str, split: str, model: str
) -> dict:
    """:func:`evaluate_predictions` on a Parquet file, written as JSON.

    ``pretrained`` (from the file's ``rnainteract`` metadata): ``true``/``false`` for models that
    read embeddings (``false``: random-init weights, the numbers say nothing about the
    pretrained model), ``null`` for models that read none."""
    result = evaluate_predictions(
        pd.read_parquet(predictions), dataset=dataset, split=split, model=model
    )
    meta = pq.read_schema(predictions).metadata or {}
    result["pretrained"] = json.loads(meta.get(b"rnainteract", b"{}")).get("pretrained")
    log.info(
        "%s/%s/%s: %s",
        dataset,
        split,
        model,
        {m: round(result[m], 4) for m in METRICS if result[m] == result[m]},
    )
    write_json(result, out)
    return result


def summarize(
    metric_files: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    out_gap: str | os.PathLike | None = None,
    out_confusion: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Collect metric JSON files into the summary table (one row each, contract columns).

    Optionally also writes :func:`homology_gap` of it to ``out_gap`` and the confusion counts
    (:func:`confusion_table`) to ``out_confusion``, both TSV.
    """
    rows, results = [], []
    for path in metric_files:
        with open(path) as handle:
            data = json.load(handle)
        results.append(data)
        rows.append({col: data.get(col) for col in SUMMARY_COLUMNS})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table = table.sort_values(["dataset", "split", "model"], kind="stable").reset_index(drop=True)
    for metric in METRICS:
        table[metric] = table[metric].astype(float).round(4)
        table[f"{metric}_sd"] = table[f"{metric}_sd"].astype(float).round(4)
    write_tsv(table, out)
    if out_gap is not None:
        write_tsv(homology_gap(table), out_gap)
    if out_confusion is not None:
        write_tsv(confusion_table(results), out_confusion)
    return table


GAP_COLUMNS = ["dataset", "model", "metric", "random", "split", "value", "drop"]


def homology_gap(summary: pd.DataFrame, metrics: Iterable[str] = ("auroc", "mcc")) -> pd.DataFrame:
    """The "random vs homology-aware" table: per dataset, model and metric, the random split's
    mean next to each other split's mean and the drop (random − other; positive = the model
    looked better on the random split).

    Returns:
        Columns :data:`GAP_COLUMNS`; no rows for a dataset × model without a random split.
    """
    rows = []
    for (dataset, model), part in summary.groupby(["dataset", "model"], sort=True):
        by_split = part.set_index("split")
        if "random" not in by_split.index:
            continue
        for metric in metrics:
            base = float(by_split.loc["random", metric])
            for split in sorted(set(by_split.index) - {"random"}):
                value = float(by_split.loc[split, metric])
                rows.append([dataset, model, metric, base, split, value, round(base - value, 4)])
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


CONFUSION_COLUMNS = ["dataset", "split", "model", "seed", "tp", "fp", "tn", "fn"]


def confusion_table(results: Iterable[Mapping]) -> pd.DataFrame:
    """Confusion counts summed over the folds of each seed, from :func:`evaluate_predictions`
    results (the model's own 0/1 decision).

    Returns:
        Columns :data:`CONFUSION_COLUMNS`, sorted.
    """
    rows = []
    for data in results:
        per_seed: dict[int, dict[str, int]] = {}
        for run in data["runs"]:
            counts = per_seed.setdefault(run["seed"], dict.fromkeys(("tp", "fp", "tn", "fn"), 0))
            for key in counts:
                counts[key] += run["confusion"][key]
        for seed, counts in per_seed.items():
            rows.append([data["dataset"], data["split"], data["model"], seed, *counts.values()])
    table = pd.DataFrame(rows, columns=CONFUSION_COLUMNS)
    return table.sort_values(CONFUSION_COLUMNS[:4], kind="stable").reset_index(drop=True)


def plot_roc(
    predictions: Mapping[str, str | os.PathLike], out: str | os.PathLike, *, title: str = ""
) -> None:
    """ROC (left) and precision–recall (right) curves, one per model (test predictions of all
    folds pooled, first seed), to PNG. The PR panel's dotted line is the positive fraction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (roc, pr) = plt.subplots(1, 2, figsize=(9, 4.5), dpi=100)
    prevalence = None
    for model, path in sorted(predictions.items()):
        table = pd.read_parquet(path)
        table = table[table.seed == table.seed.min()]
        if table.label.nunique() < 2:
            log.warning("%s: single class in test predictions; no ROC curve", model)
            continue
        fpr, tpr, _ = skm.roc_curve(table.label, table.score)
        auc = skm.roc_auc_score(table.label, table.score)
        roc.plot(fpr, tpr, label=f"{model} (pooled AUROC {auc:.3f})")
        precision, recall, _ = skm.precision_recall_curve(table.label, table.score)
        ap = skm.average_precision_score(table.label, table.score)
        pr.plot(recall, precision, label=f"{model} (pooled AP {ap:.3f})")
        prevalence = float(table.label.mean())
    roc.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1)
    roc.set(xlabel="False positive rate", ylabel="True positive rate", xlim=(0, 1), ylim=(0, 1))
    if prevalence is not None:
        pr.axhline(prevalence, linestyle=":", color="grey", linewidth=1)
    pr.set(xlabel="Recall", ylabel="Precision", xlim=(0, 1), ylim=(0, 1.02))
    for ax in (roc, pr):
        ax.legend(loc="lower right" if ax is roc else "lower left", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def plot_importance(
    table: str | os.PathLike | pd.DataFrame,
    out: str | os.PathLike,
    *,
    title: str = "",
    top: int = 20,
) -> None:
    """Mean |importance| per feature over the explained test pairs (all folds, first seed) of a
    per-sample interpretation table (:data:`rnainteract.train.INTERPRETATION_COLUMNS`), top
    ``top`` features, one panel per method, to PNG.

    Raises:
        ValueError: the table has no rows (the model has no interpretation method).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not isinstance(table, pd.DataFrame):
        table = pd.read_parquet(table)
    if table.empty:
        raise ValueError(f"{title or out}: no per-sample importance to plot")
    table = table[table.seed == table.seed.min()]
    methods = sorted(table.method.unique())
    fig, axes = plt.subplots(1, len(methods), figsize=(6 * len(methods), 5), dpi=100)
    for ax, method in zip(np.atleast_1d(axes), methods, strict=True):
        part = table[table.method == method]
        mean = part.assign(a=part.value.abs()).groupby("feature").a.mean()
        mean = mean.sort_values(ascending=False).head(top)[::-1]
        ax.barh(mean.index, mean.to_numpy())
        unit = "attention received" if method == "attention" else "|SHAP| (probability)"
        ax.set(xlabel=f"mean {unit}", title=f"{method} ({part.pair_index.nunique()} test pairs)")
        ax.tick_params(axis="y", labelsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
