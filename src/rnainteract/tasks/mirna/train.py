"""The miRNA–target branch's steps on files: datasets, site-level training, gene-level scoring,
multiple-instance learning and the seed-match baselines (rules in workflow/rules/mirna.smk).

Evaluation protocol (issue 7; ../shared/seeds/mirna_target_cnn_transformer_README.txt §2, §4):

* **site level** (dataset ``miraw_site``): split ``cv`` is a seeded stratified ``n_folds``-fold
  cross-validation over the training sites (the train and valid files); split ``heldout`` trains
  on all training sites and tests on the held-out test file. Its model (one per seed) is the one
  the gene level uses.
* **gene level** (dataset ``miraw_gene``, split ``balanced10``): each of miRAW's ten balanced
  test splits is a fold of the predictions, so the metrics are mean ± sd over the ten splits.
  ``<model>_max`` scores every candidate window of a pair's 3'UTR with the held-out site model and
  takes the maximum probability (the seed README's "OR" rule; a pair without a candidate window
  scores 0). ``<model>_mil`` is the attention MIL model over the same windows. Gene-level labels
  exist only in the ten test splits, and all ten hold the same 548 negative pairs, so the MIL
  model is *cross-fitted*: the distinct pairs are cut into ``n_splits`` folds grouped by gene
  (stratified, seeded), and each pair is scored by the model trained on the other folds — no pair
  or 3'UTR is scored by a model that saw it.
* **seed-match baselines** ``seed_<type>``: a pair is predicted a target when the site (site
  level) or the whole 3'UTR (gene level) holds that canonical site type; the score is the number
  of such sites.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from sklearn.model_selection import StratifiedGroupKFold

from rnainteract.io.files import atomic_path
from rnainteract.io.predictions import PREDICTION_COLUMNS, write_predictions
from rnainteract.models.neural.mirna_target import MILClassifier, MirnaTargetClassifier, make_bags
from rnainteract.tasks.mirna.data import (  # noqa: F401  (the dataset builders are re-exported)
    MIRNA_LENGTH,
    SITE_LENGTH,
    SITE_TYPES,
    build_gene_dataset,
    build_site_dataset,
    count_sites,
    encode_pairs,
    gene_windows,
)

log = logging.getLogger(__name__)

SITE_SPLITS = ("cv", "heldout")
GENE_SPLIT = "balanced10"


def _subsample(
    positions: np.ndarray, labels: np.ndarray, limit: int | None, seed: int
) -> np.ndarray:
    """At most ``limit`` of ``positions``, stratified by label and seeded (sorted)."""
    if limit is None or len(positions) <= limit:
        return positions
    rng = np.random.default_rng(seed)
    keep = []
    for label in np.unique(labels):
        members = positions[labels == label]
        k = int(round(limit * len(members) / len(positions)))
        keep.append(rng.choice(members, size=min(k, len(members)), replace=False))
    return np.sort(np.concatenate(keep))


def _site_runs(sites: pd.DataFrame, split: str, seeds: Sequence[int], folds: Sequence[int] | None):
    """``(seed, fold, train positions, test positions)`` of a site-level split."""
    if split not in SITE_SPLITS:
        raise ValueError(f"site-level split must be one of {SITE_SPLITS}, got {split!r}")
    train_part = sites.partition.to_numpy() == "train"
    fold = sites.fold.to_numpy()
    for seed in seeds:
        if split == "heldout":
            yield int(seed), 0, np.flatnonzero(train_part), np.flatnonzero(~train_part)
            continue
        for k in sorted(set(fold[train_part])):
            if folds is None or k in folds:
                yield (
                    int(seed),
                    int(k),
                    np.flatnonzero(train_part & (fold != k)),
                    np.flatnonzero(fold == k),
                )


def train_site_model(
    sites: str | os.PathLike,
    out_predictions: str | os.PathLike,
    *,
    split: str,
    params: Mapping,
    seeds: Sequence[int],
    folds: Sequence[int] | None = None,
    max_train_sites: int | None = None,
    out_checkpoint: str | os.PathLike | None = None,
    threads: int = 1,
    kind: str = "mirna_cnn_transformer",
) -> pd.DataFrame:
    """Train the site model per seed (and CV fold) and predict the test part.

    Args:
        sites: :func:`build_site_dataset` table.
        split: ``cv`` (the configured ``folds``; ``None``: all) or ``heldout``.
        params: :class:`~rnainteract.models.neural.mirna_target.MirnaTargetClassifier` fields.
        max_train_sites: seeded stratified cap on the training pairs of each run (``None``: all).
        out_checkpoint: where the trained models go (``torch.load(..., weights_only=True)``:
            ``params``, ``states`` and ``history`` keyed ``"<seed>:<fold>"``; fold 0 for
            ``heldout``).

    Returns (and writes):
        Predictions ``pair_index`` (= ``site_index``) ``fold seed label score pred``.
    """
    table = pd.read_parquet(sites)
    tokens = encode_pairs(
        table.mirna_seq.tolist(),
        table.site_seq.tolist(),
        mirna_length=params.get("mirna_length", MIRNA_LENGTH),
        site_length=params.get("site_length", SITE_LENGTH),
    )
    labels = table.label.to_numpy()
    frames, states, histories = [], {}, {}
    for seed, fold, train, test in _site_runs(table, split, seeds, folds):
        train = _subsample(train, labels[train], max_train_sites, seed)
        model = MirnaTargetClassifier(**{**params, "seed": seed, "threads": threads})
        model.fit(tokens[train], labels[train])
        score = model.predict_proba(tokens[test])[:, 1]
        frames.append(
            pd.DataFrame(
                {
                    "pair_index": table.site_index.to_numpy()[test],
                    "fold": fold,
                    "seed": seed,
                    "label": labels[test].astype(np.int8),
                    "score": score,
                    "pred": (score > 0.5).astype(np.int8),
                }
            )
        )
        log.info(
            "%s seed %d fold %d: %d train, %d test, %d epochs",
            split,
            seed,
            fold,
            len(train),
            len(test),
            len(model.history_),
        )
        states[f"{seed}:{fold}"] = model.module_.state_dict()
        histories[f"{seed}:{fold}"] = model.history_
    predictions = pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]
    write_predictions(predictions, out_predictions, {"kind": kind, "pretrained": None})
    if out_checkpoint is not None:
        payload = {"params": dict(params), "states": states, "history": histories}
        with atomic_path(out_checkpoint) as tmp:
            torch.save(payload, tmp)
    return predictions


def load_site_models(checkpoint: str | os.PathLike) -> dict[int, MirnaTargetClassifier]:
    """The held-out site models of a :func:`train_site_model` checkpoint, by seed."""
    payload = torch.load(checkpoint, weights_only=True)
    models = {}
    for key, state in payload["states"].items():
        seed = key.split(":")[0]
        model = MirnaTargetClassifier(**{**payload["params"], "seed": int(seed)})
        model.module_ = model._build()
        model.module_.load_state_dict(state)
        models[int(seed)] = model
    return models


def _gene_predictions(
    membership: pd.DataFrame, seed: int, score: np.ndarray, pred: np.ndarray
) -> pd.DataFrame:
    """Rows of one seed: every (split, pair) of ``membership``, the split as ``fold``."""
    index = membership.pair_index.to_numpy()
    return pd.DataFrame(
        {
            "pair_index": index,
            "fold": membership.split.to_numpy(),
            "seed": seed,
            "label": membership.label.to_numpy().astype(np.int8),
            "score": score[index],
            "pred": pred[index].astype(np.int8),
        }
    )


def score_gene_windows(
    pairs: str | os.PathLike,
    membership: str | os.PathLike,
    checkpoint: str | os.PathLike,
    out_windows: str | os.PathLike,
    out_predictions: str | os.PathLike,
    *,
    windows: Mapping,
    keep: int | None = 64,
    chunk_positions: int = 1_000_000,
    threads: int = 1,
    kind: str = "mirna_cnn_transformer",
) -> pd.DataFrame:
    """Score every candidate window of every miRNA–gene pair with the held-out site models and
    aggregate per pair by the maximum probability (module docstring).

    Pairs are processed in chunks of about ``chunk_positions`` 3'UTR nucleotides (an upper
    bound of their windows), so memory stays bounded when nearly every position is a window
    (``esa`` mode: ~9 M windows on miRAW).

    Args:
        windows: :func:`rnainteract.tasks.mirna.data.candidate_windows` options (``mode``,
            ``stride``, ``esa_min``).
        keep: windows per pair and seed written to ``out_windows`` (highest logit first; the
            MIL model's instances); ``None``: all.

    Writes:
        ``out_windows``: ``seed pair_index start logit embedding`` (fixed-size list of float32),
        one row per kept seed × window; ``out_predictions``: the max-aggregated gene-level
        predictions (over all windows, kept or not).
    """
    torch.set_num_threads(max(1, threads))
    table = pd.read_parquet(pairs)
    member = pd.read_parquet(membership)
    models = load_site_models(checkpoint)
    first = next(iter(models.values()))
    best = {seed: np.zeros(len(table)) for seed in models}
    kept: list[pa.Table] = []
    n_windows, chunk_start = 0, 0
    lengths = table.utr_seq.str.len().to_numpy()
    while chunk_start < len(table):
        fits = np.searchsorted(np.cumsum(lengths[chunk_start:]), chunk_positions, side="right")
        stop = chunk_start + max(1, int(fits))
        chunk = table.iloc[chunk_start:stop]
        chunk_start = stop
        pair_index, starts, sites = gene_windows(chunk, site_length=first.site_length, **windows)
        n_windows += len(starts)
        if not len(starts):
            continue
        tokens = encode_pairs(
            table.mirna_seq.to_numpy()[pair_index].tolist(),
            sites,
            mirna_length=first.mirna_length,
            site_length=first.site_length,
        )
        for seed, model in models.items():
            embedding, logit = model.embed_and_score(tokens)
            np.maximum.at(best[seed], pair_index, 1.0 / (1.0 + np.exp(-logit.astype(np.float64))))
            order = np.lexsort((-logit, pair_index))
            rank = np.arange(len(order)) - np.searchsorted(pair_index[order], pair_index[order])
            chosen = order[rank < keep] if keep is not None else order
            kept.append(
                pa.table(
                    {
                        "seed": pa.array(np.full(len(chosen), seed, dtype=np.int64)),
                        "pair_index": pa.array(pair_index[chosen]),
                        "start": pa.array(starts[chosen]),
                        "logit": pa.array(logit[chosen]),
                        "embedding": pa.FixedSizeListArray.from_arrays(
                            pa.array(embedding[chosen].reshape(-1)), embedding.shape[1]
                        ),
                    }
                )
            )
    log.info("%d candidate windows over %d pairs (%s)", n_windows, len(table), dict(windows))
    if not kept:
        kept.append(
            pa.table(
                {
                    "seed": pa.array([], pa.int64()),
                    "pair_index": pa.array([], pa.int64()),
                    "start": pa.array([], pa.int64()),
                    "logit": pa.array([], pa.float32()),
                    "embedding": pa.FixedSizeListArray.from_arrays(
                        pa.array([], pa.float32()), first.d_model
                    ),
                }
            )
        )
    windows_table = pa.concat_tables(kept)
    with atomic_path(out_windows) as tmp:
        pq.write_table(windows_table, tmp, compression="zstd")
    covered = np.zeros(len(table), dtype=bool)
    covered[windows_table.column("pair_index").to_numpy()] = True
    log.info(
        "%d of %d pairs without a candidate window (score 0)", int((~covered).sum()), len(table)
    )
    frames = []
    for seed, score in best.items():
        frames.append(_gene_predictions(member, seed, score, score > 0.5))
    predictions = pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]
    write_predictions(predictions, out_predictions, {"kind": f"{kind}_max", "pretrained": None})
    return predictions


def train_gene_mil(
    pairs: str | os.PathLike,
    membership: str | os.PathLike,
    windows: str | os.PathLike,
    out_predictions: str | os.PathLike,
    *,
    params: Mapping,
    n_splits: int = 5,
    max_instances: int = 64,
    split_seed: int = 42,
    threads: int = 1,
) -> pd.DataFrame:
    """Cross-fitted attention-MIL scores of every miRNA–gene pair (module docstring).

    Instances are the pair's windows (at most ``max_instances``, highest site logit first),
    each the window embedding plus the site logit. Seeds are those of the window table; the
    gene-grouped folds are drawn with ``split_seed``.

    Returns (and writes):
        Gene-level predictions, the ten test splits as folds.
    """
    table = pd.read_parquet(pairs)
    member = pd.read_parquet(membership)
    window_table = pd.read_parquet(windows)
    labels = table.label.to_numpy()
    groups = table.gene_id.to_numpy()
    folds = list(
        StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=split_seed).split(
            np.zeros(len(table)), labels, groups
        )
    )
    frames = []
    for seed, part in window_table.groupby("seed", sort=True):
        embedding = (
            np.stack(part.embedding.to_numpy()).astype(np.float32)
            if len(part)
            else (np.zeros((0, 1), np.float32))
        )
        logit = part.logit.to_numpy(dtype=np.float32)
        features = (
            np.column_stack([embedding, logit]) if len(part) else np.zeros((0, 2), np.float32)
        )
        instances, mask = make_bags(
            part.pair_index.to_numpy(), features, logit, len(table), max_instances=max_instances
        )
        score = np.zeros(len(table))
        for k, (train, test) in enumerate(folds):
            model = MILClassifier(**{**params, "seed": int(seed) + k, "threads": threads})
            model.fit(instances[train], mask[train], labels[train])
            score[test] = model.predict_proba(instances[test], mask[test])[:, 1]
            log.info(
                "seed %d fold %d: %d train / %d test pairs, %d epochs",
                seed,
                k,
                len(train),
                len(test),
                len(model.history_),
            )
        frames.append(_gene_predictions(member, int(seed), score, score > 0.5))
    predictions = pd.concat(frames, ignore_index=True)[PREDICTION_COLUMNS]
    write_predictions(predictions, out_predictions, {"kind": "mirna_mil", "pretrained": None})
    return predictions


def seed_match_counts(mirnas: Sequence[str], targets: Sequence[str]) -> pd.DataFrame:
    """``(n, 4)`` counts of each canonical site type (:data:`SITE_TYPES` columns)."""
    return pd.DataFrame(
        {
            site_type: [count_sites(m, t, site_type) for m, t in zip(mirnas, targets, strict=True)]
            for site_type in SITE_TYPES
        }
    )


def seed_baselines(
    sites: str | os.PathLike,
    pairs: str | os.PathLike,
    membership: str | os.PathLike,
    outputs: Mapping[str, str | os.PathLike],
    *,
    folds: Sequence[int] | None = None,
) -> None:
    """Predictions of the canonical seed-match rules at site and gene level.

    Args:
        outputs: ``"<dataset>/<split>/seed_<type>"`` → predictions path, for the datasets
            ``miraw_site`` (splits ``cv``: the test folds in ``folds``, and ``heldout``) and
            ``miraw_gene`` (split ``balanced10``).

    Raises:
        ValueError: an output key of another form.
    """
    site_table = pd.read_parquet(sites)
    gene_table = pd.read_parquet(pairs)
    member = pd.read_parquet(membership)
    site_counts = seed_match_counts(site_table.mirna_seq.tolist(), site_table.site_seq.tolist())
    gene_counts = seed_match_counts(gene_table.mirna_seq.tolist(), gene_table.utr_seq.tolist())
    for key, path in outputs.items():
        dataset, split, rule = key.split("/")
        site_type = rule.removeprefix("seed_")
        if site_type not in SITE_TYPES or not rule.startswith("seed_"):
            raise ValueError(
                f"unknown seed-match baseline {rule!r} (seed_<{'|'.join(SITE_TYPES)}>)"
            )
        if dataset == "miraw_gene" and split == GENE_SPLIT:
            count = gene_counts[site_type].to_numpy()
            frame = _gene_predictions(member, 0, count.astype(float), count > 0)
        elif dataset == "miraw_site" and split in SITE_SPLITS:
            parts = []
            for _, fold, _, test in _site_runs(site_table, split, [0], folds):
                count = site_counts[site_type].to_numpy()[test]
                parts.append(
                    pd.DataFrame(
                        {
                            "pair_index": site_table.site_index.to_numpy()[test],
                            "fold": fold,
                            "seed": 0,
                            "label": site_table.label.to_numpy()[test],
                            "score": count.astype(float),
                            "pred": (count > 0).astype(np.int8),
                        }
                    )
                )
            frame = pd.concat(parts, ignore_index=True)
        else:
            raise ValueError(f"no seed-match baseline for {dataset}/{split}")
        write_predictions(frame[PREDICTION_COLUMNS], path, {"kind": rule, "pretrained": None})
