"""Final models of the view models (RPIembeddor, the multimodal MLP, the ESM2_AMP family, AE_RF):
trained once on every pair of a dataset from its embedding and feature tables (rule
``final_view_model``), and scoring molecules never seen, whose embeddings are computed here with
the embedder the model was trained with.

The training record (``training.json``, :func:`rnainteract.tasks.final.save_final`) keeps, per
molecule, the views the model reads and the embedder that served them: its config name, kind,
layer, ``random_config``, the SHA-256 of its weights (of the random weights for a random-init
embedder), ``pretrained``, and the embedding options (length policy, overlap, token budget,
dtype, per-token storage). A query molecule is embedded with an embedder loaded from the same
settings; if its weights' SHA-256 differs from the recorded one, the query is refused (other
weights give other vectors: the model's scores would mean nothing). A random-init embedder is
rebuilt from its ``random_config`` and the fixed seed of
:func:`rnainteract.features.embeddings.embedders.load_embedder`, so the same random weights
come back; its scores carry ``pretrained: false`` and a warning.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from rnainteract.features.kmers import TABULAR_SET
from rnainteract.io.fasta import write_fasta
from rnainteract.models.crossval import score_and_decision
from rnainteract.models.inputs import (
    PairInputs,
    assemble_pair_inputs,
    load_pair_inputs,
    read_embedding_views,
)
from rnainteract.models.registry import build_model, is_embedding_view
from rnainteract.tasks.final import save_final
from rnainteract.tasks.rpi import read_tuned

log = logging.getLogger(__name__)

#: Embedding options recorded with a final view model and used again for its queries
#: (``embedding:`` in the config; :func:`rnainteract.features.embeddings.cache.embed_sequences`).
EMBED_OPTIONS = ("length_policy", "overlap", "token_budget", "dtype", "per_token")


class EmbedderMismatchError(ValueError):
    """A query cannot be embedded as the model's training molecules were (names the embedder,
    the recorded and the found weights)."""


def _table_metadata(path: str | os.PathLike) -> dict:
    metadata = pq.read_schema(path).metadata or {}
    if b"rnainteract" not in metadata:
        raise ValueError(f"{path}: not an embedding table of rule embed (no rnainteract metadata)")
    return json.loads(metadata[b"rnainteract"])


def embedder_records(
    views: Mapping[str, Mapping[str, str | os.PathLike]], embedders: Mapping[str, Mapping]
) -> dict[str, dict | None]:
    """Per molecule, what embedded its views: the embedder's config (``embedders[molecule]``:
    ``name``, ``kind``, optional ``layer`` and ``random_config``, ``options``) joined with the
    metadata of the embedding table the model read (dimension, window, weights SHA-256,
    ``pretrained``). ``None`` for a molecule read from feature tables only.

    Raises:
        ValueError: an embedding view without an embedder entry, or a table made by another
            embedder than the config names.
    """
    out: dict[str, dict | None] = {}
    for molecule, named in views.items():
        tables = {str(path) for view, path in named.items() if is_embedding_view(view)}
        if not tables:
            out[molecule] = None
            continue
        if molecule not in embedders:
            raise ValueError(f"{molecule} views {sorted(named)} but no embedder is named for it")
        spec = embedders[molecule]
        if len(tables) != 1:
            raise ValueError(f"{molecule} views come from several tables {sorted(tables)}")
        (table,) = tables  # one embedder per molecule
        meta = _table_metadata(table)
        if meta.get("embedder") != spec["name"]:
            raise ValueError(
                f"{table}: made by embedder {meta.get('embedder')!r}, the config names "
                f"{spec['name']!r}"
            )
        options = dict(spec.get("options", {}))
        out[molecule] = {
            "name": spec["name"],
            "kind": spec["kind"],
            "layer": spec.get("layer"),
            "random_config": spec.get("random_config"),
            "dim": meta["dim"],
            "window": meta.get("window"),
            "weights_sha256": meta.get("weights_sha256"),
            "pretrained": bool(meta.get("pretrained")),
            **{k: options.get(k) for k in EMBED_OPTIONS},
            "length_policy": meta.get("length_policy", options.get("length_policy")),
        }
    return out


def train_final_view_model(
    pairs: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    *,
    rna_views: dict[str, str | os.PathLike],
    protein_views: dict[str, str | os.PathLike],
    embedders: Mapping[str, Mapping],
    dataset: str,
    model_name: str,
    kind: str,
    params: Mapping,
    seed: int,
    out_model: str | os.PathLike,
    out_training: str | os.PathLike,
    out_rna: str | os.PathLike,
    out_proteins: str | os.PathLike,
    tuned: str | os.PathLike | None = None,
    tuned_split: str | None = None,
    threads: int = 1,
    identity_threshold: float | None = None,
) -> dict:
    """Rule ``final_view_model``: fit the view model ``kind`` once on every pair of ``pairs``
    (views as rule ``train_view_model`` reads them; early stopping on a stratified 10 % cut, as
    in a random split) and save it (:func:`rnainteract.tasks.final.save_final`).

    Args:
        embedders: per molecule the embedder's config entry with ``name`` and ``options``
            (:func:`embedder_records`).
        tuned: a tuning file of the model (rule ``tune_view_model``); its first run's learning
            rate and weight decay (``tuned_split``, seed, fold recorded) replace the params'.

    Returns:
        The training record (``views``, ``embedders`` and ``pretrained`` besides the feature
        models' keys).

    Raises:
        ValueError: pairs of one class, a view's table of another embedder.
        KeyError: a molecule without sequence, embedding or feature row.
    """
    table = pd.read_parquet(pairs)
    y = table.label.to_numpy(np.int8)
    if len(np.unique(y)) < 2:
        raise ValueError(f"{pairs}: a single class; cannot fit {model_name}")
    views = {"rna": rna_views, "protein": protein_views}
    records = embedder_records(views, embedders)
    inputs = load_pair_inputs(
        table, rna_fasta, protein_fasta, rna_views=rna_views, protein_views=protein_views
    )
    params = dict(params)
    tuning = None
    if tuned:
        runs = sorted(read_tuned(tuned).items())
        if not runs:
            raise ValueError(f"{tuned}: no tuning run to take the learning rate from")
        seed_fold, best = runs[0]
        params.update(best)
        tuning = {"split": tuned_split, "seed": seed_fold[0], "fold": seed_fold[1], **best}
    start = time.perf_counter()
    model = build_model(kind, params, seed=seed, threads=threads, inputs=inputs)
    model.fit(np.arange(len(table), dtype=np.int64)[:, None], y)
    embedded = [r for r in records.values() if r is not None]
    return save_final(
        model,
        table,
        pairs=pairs,
        rna_fasta=rna_fasta,
        protein_fasta=protein_fasta,
        out_model=out_model,
        out_training=out_training,
        out_rna=out_rna,
        out_proteins=out_proteins,
        record={
            "model": model_name,
            "kind": kind,
            "dataset": dataset,
            "features": None,
            "views": {m: sorted(v) for m, v in views.items()},
            "embedders": records,
            "pretrained": all(r["pretrained"] for r in embedded) if embedded else None,
            "params": params,
            "tuning": tuning,
            "seed": int(seed),
            "identity_threshold": identity_threshold,
            "epochs": len(getattr(model, "history_", []) or []),
            "fit_seconds": round(time.perf_counter() - start, 2),
        },
    )


def load_query_embedder(
    record: Mapping, molecule: str, weights: str | os.PathLike | None = None, threads: int = 1
):
    """The embedder of a final view model's ``molecule``, loaded as it was for training.

    Args:
        record: ``training.json``'s ``embedders[molecule]``.
        weights: the embedder's weights (a local directory or file); ``None``: rebuild the
            random-init embedder of a ``pretrained: false`` record.

    Raises:
        EmbedderMismatchError: a pretrained embedder without ``weights``, or weights whose
            SHA-256 differs from the recorded one.
    """
    from rnainteract.features.embeddings.embedders import load_embedder

    name = record["name"]
    if weights is None and record["pretrained"] and record["kind"] != "onehot":
        raise EmbedderMismatchError(
            f"{name}: the model was trained on embeddings of pretrained weights; give them "
            f"(--weights {molecule}=<folder>, e.g. resources/weights/{name})"
        )
    embedder = load_embedder(
        name,
        record["kind"],
        weights,
        molecule=molecule,
        layer=record.get("layer"),
        allow_random_init=weights is None and record["kind"] != "onehot",
        random_config=record.get("random_config"),
        missing_weights=["none given: rebuilding the random-init embedder it was trained with"],
        threads=threads,
    )
    if embedder.weights_sha256 != record["weights_sha256"]:
        raise EmbedderMismatchError(
            f"{name}: weights SHA-256 {embedder.weights_sha256} differ from the model's "
            f"training embeddings ({record['weights_sha256']}); embed with the same weights"
        )
    return embedder


def molecule_views(
    record: Mapping,
    molecule: str,
    sequences: Mapping[str, str],
    *,
    weights: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    threads: int = 1,
) -> dict:
    """The views a final view model reads for ``molecule``, of the query ``sequences``
    (``{id: canonical sequence}``, in that row order): embedding views computed with the
    recorded embedder (:func:`load_query_embedder`; through the embedding cache ``cache_dir``,
    a temporary one if ``None``), feature views with :func:`rnainteract.features.kmers.
    feature_frame`.

    Raises:
        EmbedderMismatchError: as :func:`load_query_embedder`.
        KeyError: a sequence the length policy ``drop`` left without embedding (named).
    """
    from rnainteract.features.embeddings.cache import write_embeddings
    from rnainteract.features.kmers import feature_table

    wanted = record["views"][molecule]
    ids, seqs = list(sequences), list(sequences.values())
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="rnainteract-views-") as tmp:
        fasta = Path(tmp) / f"{molecule}.fasta"
        write_fasta(dict(sequences), fasta)
        embedding_views = [v for v in wanted if is_embedding_view(v)]
        if embedding_views:
            spec = record["embedders"][molecule]
            embedder = load_query_embedder(spec, molecule, weights, threads=threads)
            table = Path(tmp) / f"{molecule}.parquet"
            options = {k: spec[k] for k in EMBED_OPTIONS if spec.get(k) is not None}
            write_embeddings(
                [fasta], embedder, table, cache_dir=cache_dir or Path(tmp) / "cache",
                progress=False, **options,
            )  # fmt: skip
            try:
                found, _ = read_embedding_views(table, embedding_views, seqs)
            except KeyError as err:
                raise KeyError(
                    f"{molecule} queries without embedding under length policy "
                    f"{spec.get('length_policy')!r} (longer than the {spec['name']} window "
                    f"{spec.get('window')}): {err}"
                ) from None
            out.update(found)
        for view in wanted:
            if not is_embedding_view(view):  # a feature set (rna_tabular: ViennaRNA folds)
                if view == TABULAR_SET:
                    from rnainteract.features.tabular import rna_tabular_table

                    frame = rna_tabular_table(fasta)
                else:
                    frame = feature_table(fasta, view)
                out[view] = frame.set_index("id").loc[ids].to_numpy(np.float32)
    return out


def query_pair_inputs(
    record: Mapping,
    rna: Mapping[str, str],
    proteins: Mapping[str, str],
    pairs: pd.DataFrame,
    *,
    weights: Mapping[str, str | os.PathLike] | None = None,
    cache_dir: str | os.PathLike | None = None,
    threads: int = 1,
) -> PairInputs:
    """:class:`PairInputs` of the query ``pairs`` (``rna_id``, ``protein_id``): each molecule's
    views computed once (:func:`molecule_views`), rows in first-appearance order.

    Raises:
        KeyError: a pair names a molecule without a sequence (naming the ids).
    """
    weights = dict(weights or {})
    given = {"rna": rna, "protein": proteins}

    def build(molecule: str, order: list[str]) -> tuple[dict, list[str]]:
        missing = [i for i in order if i not in given[molecule]]
        if missing:
            raise KeyError(
                f"{len(missing)} {molecule} id(s) without a sequence, e.g. {missing[:3]}"
            )
        selected = {i: given[molecule][i] for i in order}
        views = molecule_views(
            record, molecule, selected, weights=weights.get(molecule), cache_dir=cache_dir,
            threads=threads,
        )  # fmt: skip
        return views, list(selected.values())

    return assemble_pair_inputs(pairs, build, pretrained=record.get("pretrained"))


def score_inputs(
    estimator, inputs: PairInputs, *, chunk_pairs: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """Score every pair of ``inputs`` with a loaded final view model, ``chunk_pairs`` at a
    time (the estimator reads ``inputs`` from now on).

    Returns:
        ``(score float64, decision int8)`` per pair, in order.
    """
    estimator.inputs = inputs
    n = inputs.n_pairs
    scores = np.empty(n, dtype=np.float64)
    decisions = np.empty(n, dtype=np.int8)
    size = max(1, chunk_pairs)
    for start in range(0, n, size):
        stop = min(start + size, n)
        index = np.arange(start, stop, dtype=np.int64)[:, None]
        scores[start:stop], decisions[start:stop] = score_and_decision(estimator, index)
    return scores, decisions
