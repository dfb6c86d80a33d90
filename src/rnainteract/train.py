"""Training and out-of-fold prediction for the feature-based (scikit-learn) models."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rnainteract.features import pair_matrix
from rnainteract.io import write_parquet
from rnainteract.models import build_model

log = logging.getLogger(__name__)

PREDICTION_COLUMNS = ["pair_index", "fold", "seed", "label", "score", "pred"]


def score_and_decision(model, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Continuous score (higher = more likely interacting) and the model's 0/1 decision.

    The score is P(class 1) for models with ``predict_proba`` (decision: > 0.5, which is what
    ``predict`` does for two classes) and the margin otherwise (SVM: ``decision_function``,
    decision: > 0, again equal to ``predict``). Deriving the decision from the score saves a
    second pass over the test set.
    """
    if hasattr(model, "predict_proba"):
        try:
            proba = model.predict_proba(X)[:, 1]
            return proba, (proba > 0.5).astype(np.int8)
        except AttributeError:  # SVC without probability=True exposes the attribute but raises
            pass
    margin = model.decision_function(X)
    return margin, (margin > 0).astype(np.int8)


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    split: pd.DataFrame,
    *,
    kind: str,
    params: dict,
    seeds: Sequence[int],
    threads: int = 1,
) -> pd.DataFrame:
    """Fit one model per (seed, fold) on the fold's train part and predict its test part.

    Args:
        X: ``(n_pairs, n_features)`` float32; y: ``(n_pairs,)`` 0/1.
        split: long-format split (:mod:`rnainteract.splits`).

    Returns:
        Predictions: ``pair_index``, ``fold``, ``seed``, ``label`` (int8), ``score`` (float64),
        ``pred`` (int8, the model's own decision).

    Raises:
        ValueError: a fold whose train part has a single class.
    """
    out = []
    for seed in seeds:
        for fold, part in split.groupby("fold", sort=True):
            train = part.pair_index[part.partition == "train"].to_numpy()
            test = part.pair_index[part.partition == "test"].to_numpy()
            if len(np.unique(y[train])) < 2:
                raise ValueError(f"fold {fold}: the train part has a single class; cannot fit")
            model = build_model(kind, params, seed=int(seed), threads=threads)
            model.fit(X[train], y[train])
            score, pred = score_and_decision(model, X[test])
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
    return pd.concat(out, ignore_index=True)[PREDICTION_COLUMNS]


def train_feature_model(
    pairs: str | os.PathLike,
    split: str | os.PathLike,
    rna_features: str | os.PathLike,
    protein_features: str | os.PathLike,
    *,
    kind: str,
    params: dict,
    seeds: Sequence[int],
    out: str | os.PathLike,
    threads: int = 1,
) -> pd.DataFrame:
    """Read inputs, run :func:`cross_validate` and write the out-of-fold predictions (Parquet)."""
    table = pd.read_parquet(pairs)
    X = pair_matrix(table, pd.read_parquet(rna_features), pd.read_parquet(protein_features))
    y = table.label.to_numpy(np.int8)
    predictions = cross_validate(
        X, y, pd.read_parquet(split), kind=kind, params=params, seeds=seeds, threads=threads
    )
    write_parquet(predictions, out)
    return predictions
