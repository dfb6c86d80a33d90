"""Multi-label metrics of the RBP branch (MMFA, "Evaluation metrics") from prediction files.

Metrics (paper, "Evaluation metrics"): weighted AUC, weighted F1, exact match and the paper's
"One Error", which by its formula is ``1 − exact match``; the standard multi-label one-error is
reported beside it (:func:`multilabel_metrics`).

Predictions are stored long, one row per (RNA, label) with ``pair_index = rna_index * L +
label_index`` (:mod:`rnainteract.tasks.rbp.train`); the label names are in the file's
``rnainteract`` metadata.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from rnainteract.io.files import write_json, write_tsv
from rnainteract.io.predictions import read_prediction_metadata

MULTILABEL_METRICS = (
    "weighted_auc",
    "weighted_f1",
    "exact_match",
    "one_error_paper",
    "one_error",
    "hamming_loss",
)


def multilabel_metrics(y_true: np.ndarray, scores: np.ndarray, *, threshold: float = 0.5) -> dict:
    """Multi-label metrics of MMFA ("Evaluation metrics") and the standard one-error.

    Args:
        y_true: ``(n, L)`` 0/1 truth.
        scores: ``(n, L)`` probabilities; a label is predicted when ``score >= threshold``
            (the paper's Eq. 9 uses ``score − thres > 0``; the two differ only at equality).
        threshold: decision threshold.

    Returns:
        ``weighted_auc``: ``sklearn.metrics.roc_auc_score(average="weighted")`` (per-label AUC
        weighted by the label's number of positives) over the labels with both classes in
        ``y_true``; the others are listed by index in ``auc_skipped_labels`` (NaN when none is
        left). ``per_label_auc``: list of L floats, NaN where skipped. ``micro_auc``: AUC of
        all (sample, label) cells pooled (NaN without both classes). ``weighted_f1``:
        ``f1_score(average="weighted", zero_division=0)``. ``exact_match``: share of samples
        whose L predictions all equal the truth (subset accuracy; the paper's "Exact Match
        Rate"). ``one_error_paper``: the paper's "One Error", whose formula (a sample counts
        when *at least one label is predicted incorrectly*) is ``1 − exact_match``.
        ``one_error``: the standard multi-label one-error (Schapire & Singer 2000; Zhang &
        Zhou 2014): share of samples whose top-scored label (first index on ties) is not a
        true label; a sample without true labels counts as an error. ``hamming_loss``: share
        of wrong (sample, label) cells. ``threshold``, ``n_samples``, ``n_labels``.

    Raises:
        ValueError: shapes differ or are not 2-D, no samples, ``y_true`` not 0/1, or
            non-finite scores.
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if y_true.ndim != 2 or y_true.shape != scores.shape:
        raise ValueError(
            f"y_true and scores must both be (n, L); got {y_true.shape} and {scores.shape}"
        )
    if y_true.shape[0] == 0 or y_true.shape[1] == 0:
        raise ValueError(f"no samples or no labels: shape {y_true.shape}")
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must hold only 0 and 1")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    y_true = y_true.astype(np.int8)
    n, n_labels = y_true.shape
    positives = y_true.sum(axis=0)
    valid = (positives > 0) & (positives < n)
    per_label = np.full(n_labels, np.nan)
    for j in np.flatnonzero(valid):
        per_label[j] = skm.roc_auc_score(y_true[:, j], scores[:, j])
    if valid.any():
        weighted_auc = float(
            skm.roc_auc_score(y_true[:, valid], scores[:, valid], average="weighted")
        )
    else:
        weighted_auc = float("nan")
    flat = y_true.ravel()
    micro_auc = (
        float(skm.roc_auc_score(flat, scores.ravel())) if 0 < flat.sum() < flat.size else np.nan
    )
    pred = (scores >= threshold).astype(np.int8)
    exact = float((pred == y_true).all(axis=1).mean())
    top = np.argmax(scores, axis=1)
    one_error = float((y_true[np.arange(n), top] == 0).mean())
    return {
        "weighted_auc": weighted_auc,
        "weighted_f1": float(skm.f1_score(y_true, pred, average="weighted", zero_division=0)),
        "exact_match": exact,
        "one_error_paper": 1.0 - exact,
        "one_error": one_error,
        "hamming_loss": float((pred != y_true).mean()),
        "micro_auc": float(micro_auc),
        "per_label_auc": [float(v) for v in per_label],
        "auc_skipped_labels": [int(j) for j in np.flatnonzero(~valid)],
        "threshold": float(threshold),
        "n_samples": int(n),
        "n_labels": int(n_labels),
    }


def evaluate_multilabel(
    predictions: str | os.PathLike, out: str | os.PathLike, *, dataset: str, model: str
) -> dict:
    """The paper's multi-label metrics (:func:`multilabel_metrics`) per seed,
    and their mean and sd, from a long predictions file; written as JSON."""
    table = pd.read_parquet(predictions)
    names = read_prediction_metadata(predictions)["labels"]
    n_labels = len(names)
    runs = []
    for seed, part in table.groupby("seed", sort=True):
        part = part.sort_values("pair_index")
        y = part.label.to_numpy().reshape(-1, n_labels)
        score = part.score.to_numpy().reshape(-1, n_labels)
        metrics = multilabel_metrics(y, score)
        runs.append({"seed": int(seed), **metrics})
    result = {
        "dataset": dataset,
        "model": model,
        "labels": names,
        "n_test": int(len(table) // n_labels // table.seed.nunique()),
        "n_seeds": len(runs),
        "runs": runs,
    }
    for metric in MULTILABEL_METRICS:
        values = np.array([r[metric] for r in runs], dtype=float)
        result[metric] = float(np.nanmean(values))
        result[f"{metric}_sd"] = float(np.nanstd(values, ddof=1)) if len(values) > 1 else None
    write_json(result, out)
    return result


MULTILABEL_COLUMNS = ["dataset", "model", "n_test", "n_seeds"] + [
    c for m in MULTILABEL_METRICS for c in (m, f"{m}_sd")
]


def summarize_multilabel(
    metric_files: Sequence[str | os.PathLike], out: str | os.PathLike
) -> pd.DataFrame:
    """One row per multi-label dataset × model (:data:`MULTILABEL_COLUMNS`), TSV."""
    rows = []
    for path in metric_files:
        with open(path) as handle:
            data = json.load(handle)
        rows.append({c: data.get(c) for c in MULTILABEL_COLUMNS})
    table = pd.DataFrame(rows, columns=MULTILABEL_COLUMNS).sort_values(["dataset", "model"])
    for column in MULTILABEL_COLUMNS[4:]:
        table[column] = table[column].astype(float).round(4)
    write_tsv(table, out)
    return table
