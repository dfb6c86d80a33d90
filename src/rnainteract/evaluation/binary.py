"""Binary classification metrics (scikit-learn) and their summary over folds and seeds.

The summary table (``results/summary/metrics.tsv``) has exactly the columns of the output
contract (../shared/ARCHITECTURE.md): ``dataset split model n_test n_seeds``, then ``n_folds``
(folds trained and tested: a model run on fold 0 only says 1), ``n_runs`` ((seed, fold) runs)
and ``n_runs_undefined`` (runs whose AUROC is undefined, a test part with one class: they are
left out of the AUROC and AUPRC means, and counted here rather than dropped silently), then the
mean of ``auroc auprc accuracy precision recall f1 mcc`` and the same with ``_sd``, then
``pretrained``
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
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from rnainteract.evaluation.gap import confusion_table, homology_gap
from rnainteract.io.files import write_json, write_tsv
from rnainteract.io.predictions import read_prediction_metadata

log = logging.getLogger(__name__)

METRICS = ("auroc", "auprc", "accuracy", "precision", "recall", "f1", "mcc")
SUMMARY_COLUMNS = (
    ["dataset", "split", "model", "n_test", "n_seeds", "n_folds", "n_runs", "n_runs_undefined"]
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
        predictions: ``pair_index, fold, seed, label, score, pred`` (:mod:`rnainteract.tasks.rpi`).
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
        "n_runs": len(runs),
        "n_runs_undefined": int(frame.auroc.isna().sum()),
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
    result["pretrained"] = read_prediction_metadata(predictions).get("pretrained")
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
