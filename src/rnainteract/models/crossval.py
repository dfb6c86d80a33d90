"""Cross-validation of any registered model on a long-format split: one fit per (seed, fold).

Every RPI and PPI model goes through :func:`cross_validate`: the model is built from the registry
(:func:`rnainteract.models.registry.build_model`) for each (seed, fold), fitted on the fold's train
part and scored on its test part, never the other way round. Its output is the prediction table
of :mod:`rnainteract.io.predictions`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rnainteract.io.predictions import PREDICTION_COLUMNS
from rnainteract.models.inputs import PairInputs
from rnainteract.models.registry import build_model

log = logging.getLogger(__name__)


def score_and_decision(model, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Continuous score (higher = more likely interacting) and the model's 0/1 decision.

    The score is P(class 1) for models with ``predict_proba`` (decision: > 0.5, which is what
    ``predict`` does for two classes) and the margin otherwise (SVM: ``decision_function``,
    decision: > 0, again equal to ``predict``). Deriving the decision from the score saves a
    second pass over the test set.
    """
    if hasattr(model, "predict_proba"):  # False for an SVC without probability=True (sklearn's
        # available_if), so an AttributeError raised inside predict_proba is a real error
        proba = model.predict_proba(X)[:, 1]
        return proba, (proba > 0.5).astype(np.int8)
    margin = model.decision_function(X)
    return margin, (margin > 0).astype(np.int8)


SPLIT_COLUMNS = ("pair_index", "fold", "partition")


def read_split(
    path: str | os.PathLike, n_pairs: int, *, pairs: str | os.PathLike = "the pair table"
) -> pd.DataFrame:
    """Read a long-format split (:mod:`rnainteract.dataset.splits`) and check that it fits the
    pair table it is applied to.

    Args:
        n_pairs: rows of the pair table; pairs: its path, for the messages.

    Raises:
        ValueError: a column is missing, a partition is neither train nor test, or a
            ``pair_index`` lies outside ``0 … n_pairs - 1`` (the split was made from another
            version of the dataset); the message names both files.
    """
    split = pd.read_parquet(path)
    missing = [c for c in SPLIT_COLUMNS if c not in split.columns]
    if missing:
        raise ValueError(f"{path}: split lacks column(s) {missing}")
    bad_partition = sorted(set(split.partition) - {"train", "test"})
    if bad_partition:
        raise ValueError(f"{path}: partition must be train or test, got {bad_partition[:3]}")
    index = split.pair_index.to_numpy()
    outside = (index < 0) | (index >= n_pairs)
    if outside.any():
        raise ValueError(
            f"{path}: pair_index {int(index[outside][0])} (and {int(outside.sum()) - 1} more) "
            f"outside 0..{n_pairs - 1} of the {n_pairs} pairs of {pairs}; the split was made "
            "from another version of the dataset (rerun make_split)"
        )
    return split


def split_runs(split: pd.DataFrame, seeds: Sequence[int], folds: Sequence[int] | None = None):
    """Yield ``(seed, fold, train, test)`` (int, int, pair indices, pair indices) for every seed
    and every fold of a long-format split (only ``folds`` if given), in order."""
    parts = [
        (int(fold), part)
        for fold, part in split.groupby("fold", sort=True)
        if folds is None or int(fold) in folds
    ]
    for seed in seeds:
        for fold, part in parts:
            train = part.pair_index[part.partition == "train"].to_numpy()
            test = part.pair_index[part.partition == "test"].to_numpy()
            yield int(seed), fold, train, test


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    split: pd.DataFrame,
    *,
    kind: str,
    params: dict,
    seeds: Sequence[int],
    threads: int = 1,
    inputs: PairInputs | None = None,
    folds: Sequence[int] | None = None,
    fold_params: dict | None = None,
    on_fit=None,
) -> pd.DataFrame:
    """Fit one model per (seed, fold) on the fold's train part and predict its test part.

    Args:
        X: ``(n_pairs, n_features)`` float32 (feature models) or ``(n_pairs, 1)`` pair indices
            (view models, which read ``inputs``); y: ``(n_pairs,)`` 0/1.
        split: long-format split (:mod:`rnainteract.dataset.splits`).
        folds: train and test only these folds (``None``: all). The default config evaluates
            the slow neural models on fold 0 only; the metrics then cover that fold's test part.
        fold_params: ``{(seed, fold): params}`` merged over ``params`` for that run (tuned
            learning rate and weight decay, :func:`tune_view_model`).
        on_fit: ``on_fit(seed, fold, model, test_indices, score, pred)``, called after each
            fit with the test predictions.

    Returns:
        Predictions: ``pair_index``, ``fold``, ``seed``, ``label`` (int8), ``score`` (float64),
        ``pred`` (int8, the model's own decision).

    Raises:
        ValueError: a fold whose train part has a single class.
    """
    out = []
    for seed, fold, train, test in split_runs(split, seeds, folds):
        if len(np.unique(y[train])) < 2:
            raise ValueError(f"fold {fold}: the train part has a single class; cannot fit")
        run_params = {**params, **(fold_params or {}).get((seed, fold), {})}
        model = build_model(kind, run_params, seed=seed, threads=threads, inputs=inputs)
        model.fit(X[train], y[train])
        score, pred = score_and_decision(model, X[test])
        if on_fit is not None:
            on_fit(seed, fold, model, test, score, pred)
        out.append(
            pd.DataFrame(
                {
                    "pair_index": test.astype(np.int64),
                    "fold": np.int16(fold),
                    "seed": np.int32(seed),
                    "label": y[test].astype(np.int8),
                    "score": score.astype(np.float64),
                    "pred": pred,
                }
            )
        )
        log.info(
            "%s seed %d fold %d: trained on %d, predicted %d",
            kind,
            seed,
            fold,
            len(train),
            len(test),
        )
    if not out:
        raise ValueError(f"no fold of the split is among folds {list(folds or [])}")
    return pd.concat(out, ignore_index=True)[PREDICTION_COLUMNS]
