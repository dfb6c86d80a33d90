"""Shortcut baselines on files: every baseline of :mod:`rnainteract.models.baselines` on every
(seed, fold) of a split, written as prediction files like any model's
(:mod:`rnainteract.io.predictions`), so that the metrics and the report treat them alike.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rnainteract.io.predictions import PREDICTION_COLUMNS, write_predictions
from rnainteract.models.baselines import BASELINES, PARTNER_FEATURES, baseline_scores
from rnainteract.models.crossval import read_split, split_runs

log = logging.getLogger(__name__)

# baselines whose score does not depend on the seed: computed for the first seed only
DETERMINISTIC = frozenset(BASELINES) - frozenset(PARTNER_FEATURES)


def train_baselines(
    pairs: str | os.PathLike,
    split: str | os.PathLike,
    *,
    out: Mapping[str, str | os.PathLike],
    params: Mapping[str, dict] | None = None,
    seeds: Sequence[int],
    folds: Sequence[int] | None = None,
    rna_features: str | os.PathLike | None = None,
    protein_features: str | os.PathLike | None = None,
    rna_identity: str | os.PathLike | None = None,
    protein_identity: str | os.PathLike | None = None,
    threads: int = 1,
) -> dict[str, pd.DataFrame]:
    """Run the baselines named in ``out`` on every (seed, fold) of a split and write each one's
    out-of-fold predictions.

    Args:
        pairs: the dataset's pair table (Parquet); split: its long-format split (Parquet,
            :func:`rnainteract.models.crossval.read_split`).
        out: ``{baseline: predictions path}`` for the baselines to run (names in
            :data:`rnainteract.models.baselines.BASELINES`).
        params: ``{baseline: keyword arguments}`` (:func:`~rnainteract.models.baselines.
            baseline_scores`); a baseline without an entry runs on its defaults.
        seeds, folds: as for :func:`rnainteract.models.crossval.cross_validate`. The
            deterministic baselines (:data:`DETERMINISTIC`) would give every seed the same
            scores: their files have the first seed's rows only (``n_seeds`` 1 in
            ``metrics.tsv``), so that copies do not shrink their sd over runs.
        rna_features, protein_features: feature tables (Parquet, ``rna_kmer4`` and
            ``protein_ctriad3``), needed by ``rna_only`` and ``protein_only``.
        rna_identity, protein_identity: MMseqs2 identity tables (Parquet), needed by
            ``nearest_neighbour``.
        threads: the forests' ``n_jobs``.

    Returns:
        ``{baseline: predictions}``, columns and dtypes of ``cross_validate``: ``pair_index``
        int64, ``fold`` int16, ``seed`` int32, ``label`` int8, ``score`` float64, ``pred`` int8.
        Each file's metadata is ``{"kind": baseline, "baseline": true}``.

    Raises:
        ValueError: an unknown baseline, a baseline whose input file is not given (named), no
            fold of the split among ``folds``, or a bad table or split.
    """
    unknown = sorted(set(out) - set(BASELINES))
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown}; known: {list(BASELINES)}")
    needs = {
        "rna_only": {"rna_features": rna_features},
        "protein_only": {"protein_features": protein_features},
        "nearest_neighbour": {"rna_identity": rna_identity, "protein_identity": protein_identity},
    }
    for name in out:
        absent = [arg for arg, path in needs.get(name, {}).items() if path is None]
        if absent:
            raise ValueError(f"baseline {name!r} needs {' and '.join(absent)}, which was not given")
    table = pd.read_parquet(pairs)
    runs = list(split_runs(read_split(split, len(table), pairs=pairs), seeds, folds))
    if not runs:
        raise ValueError(f"{split}: no fold of the split is among folds {list(folds or [])}")
    features = {
        "rna": pd.read_parquet(rna_features) if "rna_only" in out else None,
        "protein": pd.read_parquet(protein_features) if "protein_only" in out else None,
    }
    identities = None
    if "nearest_neighbour" in out:
        identities = {
            "rna": pd.read_parquet(rna_identity),
            "protein": pd.read_parquet(protein_identity),
        }
    labels = table.label.to_numpy(np.int8)

    results = {}
    for name, path in out.items():
        frames = []
        # a seed changes nothing in a deterministic baseline: its file has the first seed only
        # (n_seeds 1 in metrics.tsv), not copies that would shrink its sd over runs
        first = runs[0][0]
        for seed, fold, train, test in runs:
            if name in DETERMINISTIC and seed != first:
                continue
            start = time.perf_counter()
            score, pred = baseline_scores(
                name,
                table,
                train,
                test,
                seed=seed,
                params=dict((params or {}).get(name) or {}),
                features=features,
                identities=identities,
                threads=threads,
            )
            log.info(
                "%s seed %d fold %d: trained on %d, scored %d in %.2f s",
                name,
                seed,
                fold,
                len(train),
                len(test),
                time.perf_counter() - start,
            )
            frames.append(
                pd.DataFrame(
                    {
                        "pair_index": test.astype(np.int64),
                        "fold": np.int16(fold),
                        "seed": np.int32(seed),
                        "label": labels[test],
                        "score": np.asarray(score, dtype=np.float64),
                        "pred": np.asarray(pred, dtype=np.int8),
                    }
                )
            )
        predictions = pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]
        write_predictions(predictions, path, {"kind": name, "baseline": True})
        results[name] = predictions
    return results
