"""The RNA–protein branch's training steps on files (rules ``train_model``, ``tune_model``,
``train_view_model`` in workflow/rules/train.smk).

* :func:`train_feature_model`: a feature model (RPISeq, IPMiner, XRPI) on the pair matrix of
  two feature tables;
* :func:`tune_view_model`: Optuna on each fold's train part (:mod:`rnainteract.models.tuning`);
* :func:`train_view_model`: a view model (embeddings, tabular views) with its checkpoint and
  per-sample explanation (:mod:`rnainteract.models.interpret`).

All three cross-validate on the same long-format split (:mod:`rnainteract.models.crossval`)
and write the prediction files of :mod:`rnainteract.io.predictions`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rnainteract.evaluation.binary import binary_metrics
from rnainteract.features.kmers import pair_matrix
from rnainteract.io.files import atomic_path, write_parquet
from rnainteract.io.predictions import write_predictions
from rnainteract.models.crossval import cross_validate, read_split, split_runs
from rnainteract.models.inputs import load_pair_inputs
from rnainteract.models.interpret import INTERPRETATION_COLUMNS, interpret
from rnainteract.models.registry import build_model
from rnainteract.models.tuning import tune_learning_rate

log = logging.getLogger(__name__)


def read_pair_features(
    pairs: str | os.PathLike,
    rna_features: str | os.PathLike,
    protein_features: str | os.PathLike,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The dataset table, its pair matrix (:func:`rnainteract.features.kmers.pair_matrix`,
    float32) and its labels (int8) from the files of a feature model's rule."""
    table = pd.read_parquet(pairs)
    X = pair_matrix(
        table,
        pd.read_parquet(rna_features),
        pd.read_parquet(protein_features),
        names=(str(rna_features), str(protein_features)),
    )
    return table, X, table.label.to_numpy(np.int8)


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
    folds: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Read inputs, run :func:`cross_validate` and write the out-of-fold predictions (Parquet)."""
    table, X, y = read_pair_features(pairs, rna_features, protein_features)
    predictions = cross_validate(
        X,
        y,
        read_split(split, len(table), pairs=pairs),
        kind=kind,
        params=params,
        seeds=seeds,
        threads=threads,
        folds=folds,
    )
    write_parquet(predictions, out)
    return predictions


def named_views(inputs: dict) -> dict[str, dict[str, str]]:
    """``{"rna": {view: path}, "protein": {view: path}}`` from rule inputs named
    ``<molecule>__<view>`` (:func:`rnainteract.config.model_inputs`)."""
    views: dict[str, dict[str, str]] = {"rna": {}, "protein": {}}
    for name, path in inputs.items():
        if "__" in name:
            molecule, view = name.split("__", 1)
            views[molecule][view] = path
    return views


def _module_state(model) -> dict | None:
    """The trained torch weights of a view model (AE_RF: its autoencoder)."""
    module = getattr(model, "module_", None) or getattr(model, "autoencoder_", None)
    return None if module is None else module.state_dict()


def read_tuned(path: str | os.PathLike | None) -> dict:
    """``{(seed, fold): {"lr": …, "weight_decay": …}}`` from a :func:`tune_view_model` file."""
    if not path:
        return {}
    with open(path) as handle:
        runs = json.load(handle)["runs"]
    return {
        (r["seed"], r["fold"]): {"lr": r["lr"], "weight_decay": r["weight_decay"]} for r in runs
    }


def tune_view_model(
    pairs: str | os.PathLike,
    split: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    *,
    rna_views: dict[str, str | os.PathLike],
    protein_views: dict[str, str | os.PathLike],
    kind: str,
    params: dict,
    seeds: Sequence[int],
    n_trials: int,
    out: str | os.PathLike,
    threads: int = 1,
    folds: Sequence[int] | None = None,
    lr_range: Sequence[float] = (1e-4, 1e-2),
    weight_decay_range: Sequence[float] = (1e-4, 1e-1),
    groups: str | os.PathLike | None = None,
) -> dict:
    """Rule ``tune_model``: Optuna (TPE) search of the learning rate and weight decay for every
    (seed, fold) a model is trained on, each on a validation cut of that fold's *train part*
    (:func:`rnainteract.models.tuning.tune_learning_rate`; ESM2_AMP README, "Model training":
    AdamW with Optuna). The fold's test part is never seen. Writes JSON ``{"runs":
    [{seed, fold, lr, weight_decay, value, n_trials}]}``. ``lr_range``/``weight_decay_range``:
    log-uniform search bounds (ESM2_AMP's repository: 1e-5…1e-3 and 1e-4…1e-2). ``groups``:
    the split's groups table (rule ``make_split``, ``<split>.groups.parquet``): in a cold split
    the validation cut that scores the trials holds out whole RNA and/or protein groups
    (:func:`rnainteract.models.inputs.validation_split`); each trial's own early-stopping cut
    inside that cut's train part is stratified (a nested both-cold cut would leave a trial ~8 %
    of the fold's train part)."""
    table = pd.read_parquet(pairs)
    inputs = load_pair_inputs(
        table,
        rna_fasta,
        protein_fasta,
        rna_views=rna_views,
        protein_views=protein_views,
        groups=groups,
    )
    y = table.label.to_numpy(np.int8)
    # the trials' own early-stopping cut (inside the tuning cut's train part) is stratified: a
    # second grouped cut would leave a both-cold trial ~8 % of the fold's train part (24 of 321
    # pairs on RPI369); the cut that scores the trials is grouped
    trial_inputs = dataclasses.replace(inputs, validation_groups=None)
    runs = []
    for seed, fold, train, _ in split_runs(
        read_split(split, len(table), pairs=pairs), seeds, folds
    ):

        def build(lr, weight_decay, seed=seed):
            merged = {**params, "lr": lr, "weight_decay": weight_decay}
            return build_model(kind, merged, seed=seed, threads=threads, inputs=trial_inputs)

        best = tune_learning_rate(
            build,
            train[:, None],
            y[train],
            n_trials=n_trials,
            seed=seed,
            lr_range=tuple(lr_range),
            weight_decay_range=tuple(weight_decay_range),
            groups=inputs.validation_groups_of(train),
        )
        runs.append({"seed": seed, "fold": fold, **best})
        log.info("%s seed %d fold %d: %s", kind, seed, fold, best)
    result = {"kind": kind, "n_trials": n_trials, "runs": runs}
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(result, indent=1) + "\n")
    return result


def train_view_model(
    pairs: str | os.PathLike,
    split: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    *,
    rna_views: dict[str, str | os.PathLike],
    protein_views: dict[str, str | os.PathLike],
    kind: str,
    params: dict,
    seeds: Sequence[int],
    out: str | os.PathLike,
    checkpoint: str | os.PathLike | None = None,
    interpretation: str | os.PathLike | None = None,
    tuned: str | os.PathLike | None = None,
    threads: int = 1,
    folds: Sequence[int] | None = None,
    groups: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Rule ``train_view_model``: read the views, run :func:`cross_validate` on pair indices
    (with the tuned learning rate and weight decay of each run, if ``tuned``) and write

    * ``out``: the predictions, with ``pretrained`` in their metadata;
    * ``checkpoint``: one ``torch.save`` file with, per (seed, fold), the trained weights, the
      parameters, the training history and the early-stopping validation pairs
      (``validation_pairs``, int64 tensor of pair indices), plus each run's test metrics
      (:func:`rnainteract.evaluation.binary.binary_metrics`); load with
      ``torch.load(weights_only=True)``;
    * ``interpretation``: per-sample importance of the test pairs
      (:func:`rnainteract.models.interpret.interpret`).

    ``groups``: the split's groups table (rule ``make_split``, ``<split>.groups.parquet``): in a
    cold split early stopping holds out whole RNA and/or protein groups of each fold's train
    part (:func:`rnainteract.models.inputs.validation_split`); ``None``: a stratified cut.
    """
    import torch

    table = pd.read_parquet(pairs)
    inputs = load_pair_inputs(
        table,
        rna_fasta,
        protein_fasta,
        rna_views=rna_views,
        protein_views=protein_views,
        groups=groups,
    )
    X = np.arange(len(table), dtype=np.int64)[:, None]
    y = table.label.to_numpy(np.int8)
    fold_params = read_tuned(tuned)
    runs, importance = [], []

    def on_fit(seed, fold, model, test, score, pred):
        runs.append(
            {
                "seed": seed,
                "fold": fold,
                "params": {**params, **fold_params.get((seed, fold), {})},
                "state_dict": _module_state(model),
                "history": getattr(model, "history_", []),
                "validation_pairs": torch.as_tensor(
                    getattr(model, "validation_pairs_", np.zeros(0, dtype=np.int64)),
                    dtype=torch.int64,
                ),
                "metrics": binary_metrics(y[test], score, pred),
            }
        )
        if interpretation is not None:
            part = interpret(kind, model, X[test])
            part.insert(0, "fold", np.int16(fold))
            part.insert(0, "seed", np.int32(seed))
            importance.append(part)

    predictions = cross_validate(
        X,
        y,
        read_split(split, len(table), pairs=pairs),
        kind=kind,
        params=params,
        seeds=seeds,
        threads=threads,
        inputs=inputs,
        folds=folds,
        fold_params=fold_params,
        on_fit=on_fit,
    )
    meta = {"kind": kind, "pretrained": inputs.pretrained}
    write_predictions(predictions, out, meta)
    if checkpoint is not None:
        with atomic_path(checkpoint) as tmp:
            torch.save({**meta, "runs": runs}, tmp)
    if interpretation is not None:
        frames = [f for f in importance if len(f)]
        table_out = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=INTERPRETATION_COLUMNS)
        )
        write_parquet(table_out.astype({"pair_index": np.int64}), interpretation)
    return predictions
