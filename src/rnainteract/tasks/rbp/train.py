"""The RBP multi-label branch's training steps on files (rules in workflow/rules/rbp.smk): the
per-view CNNs, MMFA and its ablations. The task table and its views come from
:mod:`rnainteract.tasks.rbp.data`, the multi-label metrics from
:mod:`rnainteract.evaluation.multilabel`.

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
  label-pooled (micro) binary metrics of ``metrics.tsv`` — and
  :func:`rnainteract.evaluation.multilabel.evaluate_multilabel` computes the paper's
  multi-label metrics from the same file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rnainteract.io.files import atomic_path
from rnainteract.io.predictions import PREDICTION_COLUMNS, write_predictions
from rnainteract.tasks.rbp.data import read_task
from rnainteract.tasks.rbp.views import VIEW_NAMES

log = logging.getLogger(__name__)


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

    from rnainteract.models.neural.mmfa import ViewCNNClassifier

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

    from rnainteract.models.neural.mmfa import MMFAClassifier

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
