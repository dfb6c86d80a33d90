"""Training and out-of-fold prediction for the feature-based (scikit-learn) models."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rnainteract.features import pair_matrix
from rnainteract.io import atomic_path, write_parquet
from rnainteract.models import build_model, is_embedding_view
from rnainteract.models.inputs import SEGMENT_VIEW, TOKEN_VIEW, PairInputs
from rnainteract.sequences import read_fasta

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
        split: long-format split (:mod:`rnainteract.splits`).
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
    table = pd.read_parquet(pairs)
    X = pair_matrix(table, pd.read_parquet(rna_features), pd.read_parquet(protein_features))
    y = table.label.to_numpy(np.int8)
    predictions = cross_validate(
        X,
        y,
        pd.read_parquet(split),
        kind=kind,
        params=params,
        seeds=seeds,
        threads=threads,
        folds=folds,
    )
    write_parquet(predictions, out)
    return predictions


def sequence_sha256(sequence: str) -> str:
    """The embedding cache's key of a sequence (as :func:`rnainteract.embeddings.cache.
    sequence_sha256`, not imported here so that training jobs need no embedding libraries)."""
    return hashlib.sha256(sequence.encode()).hexdigest()


def _token_matrices(column: pa.ChunkedArray) -> list[np.ndarray]:
    """A ``list<list<float>>`` column as one ``(L_i, D)`` float32 array per row."""
    col = column.combine_chunks()
    offsets = col.offsets.to_numpy()
    offsets = offsets - offsets[0]
    inner = col.flatten()  # one list per token
    flat = inner.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    dim = len(flat) // max(1, len(inner))
    matrix = flat.reshape(len(inner), dim)
    return [matrix[offsets[i] : offsets[i + 1]] for i in range(len(col))]


def read_embedding_views(
    path: str | os.PathLike, views: Sequence[str], sequences: Sequence[str]
) -> tuple[dict, dict]:
    """The embedding views of ``sequences`` (in that order) from an embedding table.

    Args:
        path: a table of rule ``embed`` (:mod:`rnainteract.embeddings.cache`).
        views: ``mean``/``cls``/``eos`` (→ ``(n, D)`` float32), ``segments`` (→ ``(n, 10, D)``)
            or ``tokens`` (→ list of ``(L_i, D)``).

    Returns:
        ``(views, metadata)``; metadata is the table's ``rnainteract`` schema metadata.

    Raises:
        KeyError: a sequence the table lacks (e.g. dropped by the length policy), or a column
            the table lacks (``tokens`` needs per-token storage), naming the file.
    """
    schema = pq.read_schema(path)
    meta = json.loads(schema.metadata[b"rnainteract"])
    columns = []
    for view in views:
        wanted = [f"segment{i}" for i in range(10)] if view == SEGMENT_VIEW else [view]
        missing = [c for c in wanted if c not in schema.names]
        if missing:
            raise KeyError(f"{path}: no column(s) {missing} for view {view!r}")
        columns += wanted
    table = pq.read_table(path, columns=["sha256", *columns])
    index = {key: i for i, key in enumerate(table.column("sha256").to_pylist())}
    keys = [sequence_sha256(s) for s in sequences]
    absent = [k for k in keys if k not in index]
    if absent:
        raise KeyError(
            f"{path}: {len(absent)} of {len(keys)} sequences have no embedding "
            f"(first sha256 {absent[0][:16]}; dropped by the length policy or not embedded)"
        )
    rows = np.array([index[k] for k in keys], dtype=np.int64)
    out = {}
    for view in views:
        if view == TOKEN_VIEW:
            matrices = _token_matrices(table.column(TOKEN_VIEW))
            out[view] = [matrices[i] for i in rows]
        elif view == SEGMENT_VIEW:
            parts = [
                _pooled_matrix(table.column(f"segment{i}"), rows, fill_missing=True)
                for i in range(10)
            ]
            out[view] = np.stack(parts, axis=1)
        else:
            out[view] = _pooled_matrix(table.column(view), rows)
    return out, meta


def _pooled_matrix(column: pa.ChunkedArray, rows: np.ndarray, fill_missing: bool = False):
    values = column.to_pylist()
    dim = next((len(v) for v in values if v is not None), 0)
    matrix = np.full((len(values), dim), np.nan, dtype=np.float32)
    for i, v in enumerate(values):
        if v is not None:
            matrix[i] = v
        elif not fill_missing:
            raise KeyError(f"column {column!r} has a missing value in row {i}")
    return matrix[rows]


def read_views(
    views: dict[str, str | os.PathLike], ids: Sequence[str], sequences: Sequence[str]
) -> tuple[dict, list[bool]]:
    """Views of the molecules ``ids`` (with these ``sequences``), in that order.

    Args:
        views: view → file: an embedding table for embedding views
            (:func:`rnainteract.models.is_embedding_view`, rows found by sequence), a feature
            table otherwise (rows found by ``id``).

    Returns:
        ``(views, pretrained)``: the loaded views, and one ``pretrained`` flag per embedding
        table read.

    Raises:
        KeyError: a molecule without feature row or embedding (naming the file).
    """
    loaded: dict = {}
    pretrained: list[bool] = []
    by_file: dict[str, list[str]] = {}
    for view, path in views.items():
        if is_embedding_view(view):
            by_file.setdefault(str(path), []).append(view)
        else:
            table = pd.read_parquet(path).set_index("id")
            absent = sorted(set(ids) - set(table.index))
            if absent:
                raise KeyError(f"{path}: no feature row for {len(absent)} id(s): {absent[:3]}")
            loaded[view] = table.loc[list(ids)].to_numpy(np.float32)
    for path, names in by_file.items():
        found, meta = read_embedding_views(path, names, sequences)
        loaded.update(found)
        pretrained.append(bool(meta.get("pretrained", False)))
        log.info("views %s from %s (%s)", names, path, meta.get("embedder"))
    return loaded, pretrained


def named_views(inputs: dict) -> dict[str, dict[str, str]]:
    """``{"rna": {view: path}, "protein": {view: path}}`` from rule inputs named
    ``<molecule>__<view>`` (:func:`get_model_features` in workflow/rules/common.smk)."""
    views: dict[str, dict[str, str]] = {"rna": {}, "protein": {}}
    for name, path in inputs.items():
        if "__" in name:
            molecule, view = name.split("__", 1)
            views[molecule][view] = path
    return views


def load_pair_inputs(
    pairs: pd.DataFrame,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    *,
    rna_views: dict[str, str | os.PathLike],
    protein_views: dict[str, str | os.PathLike],
) -> PairInputs:
    """Assemble a :class:`~rnainteract.models.inputs.PairInputs` for a pair table.

    Args:
        pairs: the dataset's pair table (``rna_id``, ``protein_id``).
        rna_fasta, protein_fasta: the dataset's sequences (row order of the views: first
            appearance in ``pairs``).
        rna_views, protein_views: view → file: an embedding table for embedding views
            (:func:`rnainteract.models.is_embedding_view`), a feature table otherwise.

    Raises:
        KeyError: a pair's RNA or protein without sequence, embedding or feature row.
    """
    out = {}
    pretrained = []
    for molecule, ids, fasta, views in (
        ("rna", pairs.rna_id, rna_fasta, rna_views),
        ("protein", pairs.protein_id, protein_fasta, protein_views),
    ):
        order = list(dict.fromkeys(ids))
        records = read_fasta(fasta)
        missing = [i for i in order if i not in records]
        if missing:
            raise KeyError(f"{fasta}: no sequence for {len(missing)} id(s), e.g. {missing[:3]}")
        sequences = [records[i] for i in order]
        loaded, flags = read_views(views, order, sequences)
        pretrained += flags
        row = {key: i for i, key in enumerate(order)}
        out[molecule] = (np.array([row[i] for i in ids], dtype=np.int64), loaded, sequences)
    return PairInputs(
        rna_row=out["rna"][0],
        protein_row=out["protein"][0],
        rna=out["rna"][1],
        protein=out["protein"][1],
        rna_sequences=out["rna"][2],
        protein_sequences=out["protein"][2],
        pretrained=all(pretrained) if pretrained else None,
    )


def write_predictions(
    predictions: pd.DataFrame, out: str | os.PathLike, metadata: dict | None = None
) -> None:
    """Predictions to Parquet (atomically), with ``metadata`` (JSON) under the schema key
    ``rnainteract`` (e.g. ``pretrained``: whether the embeddings came from real weights)."""
    table = pa.Table.from_pandas(predictions, preserve_index=False)
    if metadata:
        merged = {**(table.schema.metadata or {}), b"rnainteract": json.dumps(metadata)}
        table = table.replace_schema_metadata(merged)
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp, compression="zstd")


INTERPRETATION_COLUMNS = ["seed", "fold", "pair_index", "method", "feature", "value"]


def interpret(kind: str, model, X_test: np.ndarray) -> pd.DataFrame:
    """Per-sample feature importance of a fitted view model on test pairs, long format
    (:data:`INTERPRETATION_COLUMNS` less seed/fold); no rows for models without a method.

    * ``esm2_amps``/``esm2_amp_cse``: ``attention`` — the attention each token slot receives
      (:func:`rnainteract.models.esm2_amp.attention_importance`; ESM2_AMP README, "Attention-based
      Explainable Analysis");
    * ``ae_rf``: ``tree_shap`` — Tree SHAP values of the forest's codes and the exact Shapley
      values of the RNA and protein input blocks
      (:func:`rnainteract.models.ae_rf.tree_shap_importance`; README, "Feature attribution").
    """
    if kind in ("esm2_amps", "esm2_amp_cse"):
        from rnainteract.models.esm2_amp import attention_importance

        wide, method = attention_importance(model, X_test), "attention"
    elif kind == "ae_rf":
        from rnainteract.models.ae_rf import tree_shap_importance

        per_sample, _ = tree_shap_importance(model, X_test)
        drop = [c for c in ("expected_value", "block_base_value") if c in per_sample]
        wide, method = per_sample.drop(columns=drop), "tree_shap"
    else:
        return pd.DataFrame(columns=INTERPRETATION_COLUMNS[2:])
    long = wide.melt(id_vars="pair_index", var_name="feature", value_name="value")
    long.insert(1, "method", method)
    return long[INTERPRETATION_COLUMNS[2:]]


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
) -> dict:
    """Rule ``tune_model``: Optuna (TPE) search of the learning rate and weight decay for every
    (seed, fold) a model is trained on, each on a validation cut of that fold's *train part*
    (:func:`rnainteract.models.esm2_amp.tune_learning_rate`; ESM2_AMP README, "Model
    training": AdamW with Optuna). The fold's test part is never seen. Writes JSON ``{"runs":
    [{seed, fold, lr, weight_decay, value, n_trials}]}``. ``lr_range``/``weight_decay_range``:
    log-uniform search bounds (ESM2_AMP's repository: 1e-5…1e-3 and 1e-4…1e-2)."""
    from rnainteract.models.esm2_amp import tune_learning_rate

    table = pd.read_parquet(pairs)
    inputs = load_pair_inputs(
        table, rna_fasta, protein_fasta, rna_views=rna_views, protein_views=protein_views
    )
    y = table.label.to_numpy(np.int8)
    runs = []
    for seed, fold, train, _ in split_runs(pd.read_parquet(split), seeds, folds):

        def build(lr, weight_decay, seed=seed):
            merged = {**params, "lr": lr, "weight_decay": weight_decay}
            return build_model(kind, merged, seed=seed, threads=threads, inputs=inputs)

        best = tune_learning_rate(
            build,
            train[:, None],
            y[train],
            n_trials=n_trials,
            seed=seed,
            lr_range=tuple(lr_range),
            weight_decay_range=tuple(weight_decay_range),
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
) -> pd.DataFrame:
    """Rule ``train_view_model``: read the views, run :func:`cross_validate` on pair indices
    (with the tuned learning rate and weight decay of each run, if ``tuned``) and write

    * ``out``: the predictions, with ``pretrained`` in their metadata;
    * ``checkpoint``: one ``torch.save`` file with, per (seed, fold), the trained weights, the
      parameters and the training history, plus each run's test metrics
      (:func:`rnainteract.metrics.binary_metrics`); load with ``torch.load(weights_only=True)``;
    * ``interpretation``: per-sample importance of the test pairs (:func:`interpret`).
    """
    import torch

    from rnainteract.metrics import binary_metrics

    table = pd.read_parquet(pairs)
    inputs = load_pair_inputs(
        table, rna_fasta, protein_fasta, rna_views=rna_views, protein_views=protein_views
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
        pd.read_parquet(split),
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


def load_ppi_inputs(
    pairs: pd.DataFrame, fasta: str | os.PathLike, views: dict[str, str | os.PathLike]
) -> PairInputs:
    """:class:`PairInputs` of a PPI table: partner A in the ``rna`` slot, B in ``protein``,
    both reading the same protein embedding table (``views``: view → table).

    Raises:
        KeyError: a protein without sequence or embedding.
    """
    records = read_fasta(fasta)
    order = list(dict.fromkeys([*pairs.protein_a, *pairs.protein_b]))
    missing = [i for i in order if i not in records]
    if missing:
        raise KeyError(f"{fasta}: no sequence for {len(missing)} protein(s), e.g. {missing[:3]}")
    sequences = [records[i] for i in order]
    loaded, pretrained = read_views(views, order, sequences)
    row = {key: i for i, key in enumerate(order)}
    return PairInputs(
        rna_row=np.array([row[i] for i in pairs.protein_a], dtype=np.int64),
        protein_row=np.array([row[i] for i in pairs.protein_b], dtype=np.int64),
        rna=loaded,
        protein=loaded,
        rna_sequences=sequences,
        protein_sequences=sequences,
        pretrained=all(pretrained) if pretrained else None,
    )


def train_ppi_model(
    pairs: str | os.PathLike,
    split: str | os.PathLike,
    fasta: str | os.PathLike,
    *,
    views: dict[str, str | os.PathLike],
    kind: str,
    params: dict,
    seeds: Sequence[int],
    out: str | os.PathLike,
    threads: int = 1,
    folds: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Rule ``train_ppi_model``: cross-validated predictions of a view model on a PPI dataset
    (:mod:`rnainteract.ppi`; the same estimators, trainer and prediction format as the
    RNA–protein models)."""
    table = pd.read_parquet(pairs)
    inputs = load_ppi_inputs(table, fasta, views)
    X = np.arange(len(table), dtype=np.int64)[:, None]
    predictions = cross_validate(
        X,
        table.label.to_numpy(np.int8),
        pd.read_parquet(split),
        kind=kind,
        params=params,
        seeds=seeds,
        threads=threads,
        inputs=inputs,
        folds=folds,
    )
    write_predictions(predictions, out, {"kind": kind, "pretrained": inputs.pretrained})
    return predictions
