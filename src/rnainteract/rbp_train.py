"""The RBP multi-label branch's steps on files (rules in workflow/rules/rbp.smk): the task table
and its three views, the per-view CNNs, MMFA and its ablations, and multi-label evaluation.

Protocol (issue 8; Han et al. 2024, J Cloud Comp 13:54, "MMFA"):

* one seeded random split of the RNAs into train and test (``test_fraction``); early stopping
  looks at a seeded ``validation_fraction`` of the train part only;
* each view's CNN (``cnn_rna``, ``cnn_amino``, ``cnn_dipeptide``) is trained on the train part
  per seed; its 68-way (here ``L``-way) output is the paper's single-view model (Table 1,
  X_o^v), and its 202-d intermediate output for every RNA is the deep feature MMFA reads;
* MMFA over all three views (``mmfa``), without attention (``mmfa_ma``, the paper's Fig. 6
  ablation) and over two views (Table 1's double-view models) on those features;
* predictions are stored long — one row per (RNA, label): ``pair_index = rna_index * L +
  label_index`` with the standard prediction columns, so ``evaluate_model`` gives the
  label-pooled (micro) binary metrics of ``metrics.tsv`` — and :func:`evaluate_multilabel`
  computes the paper's multi-label metrics from the same file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from rnainteract.io import atomic_path, write_json, write_parquet, write_tsv
from rnainteract.rbp import (
    ENCODED_LENGTH,
    amino_tokens_batch,
    build_multilabel_from_sets,
    dipeptide_counts,
    multilabel_metrics,
    read_fasta_sequences,
    read_rnacommender,
    rna_tokens,
)
from rnainteract.train import PREDICTION_COLUMNS, write_predictions

log = logging.getLogger(__name__)

VIEW_NAMES = ("rna", "amino", "dipeptide")
MULTILABEL_METRICS = (
    "weighted_auc",
    "weighted_f1",
    "exact_match",
    "one_error_paper",
    "one_error",
    "hamming_loss",
)


def encode_views(sequences: Sequence[str]) -> dict[str, np.ndarray]:
    """The three compact views of each RNA (:mod:`rnainteract.rbp`): ``rna`` (n, 2710) uint8
    base codes, ``amino`` (n, 2710) uint8 three-frame codon translation, ``dipeptide`` (n, 440)
    uint16 0-gap dipeptide counts (expanded to one-hot / histograms inside the models)."""
    rna = np.zeros((len(sequences), ENCODED_LENGTH), dtype=np.uint8)
    for i, sequence in enumerate(sequences):
        rna[i] = rna_tokens(sequence)
    amino = amino_tokens_batch(rna)
    return {
        "rna": rna,
        "amino": amino.astype(np.uint8),
        "dipeptide": dipeptide_counts(amino).astype(np.uint16),
    }


def build_rbp_task(
    out_labels: str | os.PathLike,
    out_views: str | os.PathLike,
    stats_out: str | os.PathLike,
    *,
    parser: str,
    inputs: Mapping[str, object],
    n_negatives: int | str | None = "max_label",
    max_rnas: int | None = None,
    test_fraction: float = 0.2,
    seed: int = 42,
) -> pd.DataFrame:
    """The multi-label task: label matrix, train/test partition and the three views.

    Args:
        parser: ``edcnn_sets`` (``inputs``: ``positives`` label → FASTA path, ``negatives``
            list of FASTA paths; the reduced real task, labels by exact sequence identity) or
            ``rnacommender`` (``inputs``: ``interactions``, ``utrs``, optional ``negatives``
            FASTA of AURA UTRs; the full 67-RBP task).
        n_negatives: size of the negative class: ``max_label`` (as many as the most frequent
            RBP, as iDeepM and MMFA give it AGO1's size), an int, or ``None`` (all).
        max_rnas: seeded random subsample of the RNAs (the main job's budget; ``None``: all).

    Writes:
        ``out_labels``: ``rna_index sequence partition label_<name>...`` (int8 labels);
        ``out_views``: ``.npz`` with ``rna``, ``amino``, ``dipeptide``; ``stats_out``: JSON.

    Raises:
        ValueError: an unknown parser.
    """
    if parser == "edcnn_sets":
        positives = {name: read_fasta_sequences(path) for name, path in inputs["positives"].items()}
        negatives = [s for path in inputs["negatives"] for s in read_fasta_sequences(path)]
        if n_negatives == "max_label":
            n_negatives = max(len(set(seqs)) for seqs in positives.values())
        sequences, labels, names, stats = build_multilabel_from_sets(
            positives, negatives, n_negatives=n_negatives, seed=seed
        )
    elif parser == "rnacommender":
        sequences, labels, names, stats = read_rnacommender(
            inputs["interactions"],
            inputs["utrs"],
            inputs.get("negatives"),
            n_negatives=n_negatives,
            seed=seed,
        )
    else:
        raise ValueError(f"RBP task parser must be edcnn_sets or rnacommender, got {parser!r}")
    rng = np.random.default_rng(seed)
    keep = np.arange(len(sequences))
    if max_rnas is not None and len(keep) > max_rnas:
        keep = np.sort(rng.choice(keep, size=max_rnas, replace=False))
        log.info("subsampled %d of %d RNAs (max_rnas)", max_rnas, len(sequences))
    sequences = [sequences[i] for i in keep]
    labels = labels[keep]
    test = np.zeros(len(keep), dtype=bool)
    test[rng.choice(len(keep), size=int(round(test_fraction * len(keep))), replace=False)] = True
    table = pd.DataFrame({"rna_index": np.arange(len(keep)), "sequence": sequences})
    table["partition"] = np.where(test, "test", "train")
    for j, name in enumerate(names):
        table[f"label_{name}"] = labels[:, j].astype(np.int8)
    views = encode_views(sequences)
    stats = {
        **stats,
        "labels": list(names),
        "n_rnas": int(len(keep)),
        "n_train": int((~test).sum()),
        "n_test": int(test.sum()),
        "max_rnas": max_rnas,
        "n_truncated_over_2700_nt": int(sum(len(s) > 2700 for s in sequences)),
        "label_counts_kept": {n: int(labels[:, j].sum()) for j, n in enumerate(names)},
    }
    write_parquet(table, out_labels)
    with atomic_path(out_views) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **views)
    write_json(stats, stats_out)
    return table


def read_task(labels: str | os.PathLike) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """``(table, label names, (n, L) int8 label matrix)`` of a :func:`build_rbp_task` table."""
    table = pd.read_parquet(labels)
    columns = [c for c in table.columns if c.startswith("label_")]
    return table, [c.removeprefix("label_") for c in columns], table[columns].to_numpy()


def _long_predictions(
    rna_index: np.ndarray, y: np.ndarray, score: np.ndarray, seed: int
) -> pd.DataFrame:
    """One row per (RNA, label) of a test part (module docstring)."""
    n, n_labels = y.shape
    return pd.DataFrame(
        {
            "pair_index": (rna_index[:, None] * n_labels + np.arange(n_labels)[None, :]).ravel(),
            "fold": 0,
            "seed": seed,
            "label": y.ravel().astype(np.int8),
            "score": score.ravel(),
            "pred": (score.ravel() >= 0.5).astype(np.int8),
        }
    )[PREDICTION_COLUMNS]


def train_view_cnn(
    labels: str | os.PathLike,
    views: str | os.PathLike,
    out_predictions: str | os.PathLike,
    out_features: str | os.PathLike,
    *,
    view: str,
    params: Mapping,
    seeds: Sequence[int],
    threads: int = 1,
) -> pd.DataFrame:
    """Train one view's CNN per seed on the train part; write its test predictions (the
    single-view model) and the 202-d features of every RNA (``.npz``, one array per seed,
    ``seed<k>``, float32 (n, hidden))."""
    import torch

    from rnainteract.models.mmfa import ViewCNNClassifier

    if view not in VIEW_NAMES:
        raise ValueError(f"view must be one of {VIEW_NAMES}, got {view!r}")
    torch.set_num_threads(max(1, threads))
    table, names, y = read_task(labels)
    with np.load(views) as arrays:
        x = arrays[view]
    train = np.flatnonzero(table.partition.to_numpy() == "train")
    test = np.flatnonzero(table.partition.to_numpy() == "test")
    frames, features = [], {}
    for seed in seeds:
        model = ViewCNNClassifier(view=view, **{**params, "seed": int(seed), "threads": threads})
        model.fit(x[train], y[train].astype(np.float32))
        score = model.predict_proba(x[test])
        frames.append(_long_predictions(test, y[test], score, int(seed)))
        features[f"seed{int(seed)}"] = model.features(x).astype(np.float32)
        log.info(
            "%s seed %d: %d train, %d test RNAs, %d epochs",
            view,
            seed,
            len(train),
            len(test),
            len(model.history_),
        )
    predictions = pd.concat(frames, ignore_index=True)
    write_predictions(
        predictions,
        out_predictions,
        {"kind": f"cnn_{view}", "pretrained": None, "labels": names},
    )
    with atomic_path(out_features) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **features)
    return predictions


def train_mmfa(
    labels: str | os.PathLike,
    features: Mapping[str, str | os.PathLike],
    out_predictions: str | os.PathLike,
    *,
    params: Mapping,
    seeds: Sequence[int],
    threads: int = 1,
    kind: str = "mmfa",
) -> pd.DataFrame:
    """MMFA (or an ablation) per seed over the deep features of ``features`` (view → ``.npz``
    of :func:`train_view_cnn`, in view order); writes its test predictions."""
    import torch

    from rnainteract.models.mmfa import MMFAClassifier

    torch.set_num_threads(max(1, threads))
    table, names, y = read_task(labels)
    train = np.flatnonzero(table.partition.to_numpy() == "train")
    test = np.flatnonzero(table.partition.to_numpy() == "test")
    loaded = {view: np.load(path) for view, path in features.items()}
    frames = []
    for seed in seeds:
        x = [loaded[view][f"seed{int(seed)}"] for view in features]
        model = MMFAClassifier(**{**params, "seed": int(seed), "threads": threads})
        model.fit([v[train] for v in x], y[train].astype(np.float32))
        score = model.predict_proba([v[test] for v in x])
        frames.append(_long_predictions(test, y[test], score, int(seed)))
        log.info("%s seed %d over %s: %d epochs", kind, seed, list(features), len(model.history_))
    predictions = pd.concat(frames, ignore_index=True)
    write_predictions(
        predictions, out_predictions, {"kind": kind, "pretrained": None, "labels": names}
    )
    return predictions


def evaluate_multilabel(
    predictions: str | os.PathLike, out: str | os.PathLike, *, dataset: str, model: str
) -> dict:
    """The paper's multi-label metrics (:func:`rnainteract.rbp.multilabel_metrics`) per seed,
    and their mean and sd, from a long predictions file; written as JSON."""
    table = pd.read_parquet(predictions)
    meta = json.loads((pq.read_schema(predictions).metadata or {}).get(b"rnainteract", b"{}"))
    names = meta["labels"]
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
