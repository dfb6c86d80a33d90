"""Figures of the evaluation: ROC and precision–recall curves per dataset × split, and the mean
per-sample importance of the models that explain themselves. Matplotlib (Agg) is imported on
use; every figure is written atomically as PNG.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from rnainteract.io.files import atomic_path

log = logging.getLogger(__name__)


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
    per-sample interpretation table (:data:`rnainteract.tasks.rpi.INTERPRETATION_COLUMNS`), top
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
