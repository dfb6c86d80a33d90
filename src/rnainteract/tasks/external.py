"""External test sets: final models trained on one dataset score every pair of another
(section ``external:``; rules ``external_overlap``, ``external_scores``, ``summarize_external``).

Each test pair gets an *overlap class* with the training set (Park & Marcotte, Nat Methods
9:1134, 2012, classes C1–C4): ``both_seen``, ``rna_unseen``, ``protein_unseen``,
``both_unseen``. A molecule is *seen* when a training molecule of the same kind is at least
``identity_threshold`` identical to it (MMseqs2, :func:`rnainteract.annotate.identity.
nearest_targets`, the identity the splits use) or shares its Rfam family (RNA) / Pfam clan
(protein); families and clans that are only the splits' cluster fallback do not count.

Metrics are computed overall and per class. A set (or class) with a single label has no AUROC:
it gets the recall at the model's own threshold (positives only) and the score distribution.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from rnainteract.annotate.identity import nearest_targets
from rnainteract.evaluation.binary import binary_metrics
from rnainteract.io.fasta import read_fasta
from rnainteract.io.files import write_json, write_parquet, write_tsv
from rnainteract.tasks.final import CLASS_SPLITS, load_final

log = logging.getLogger(__name__)

OVERLAP_CLASSES = tuple(CLASS_SPLITS)
OVERLAP_COLUMNS = [
    "pair_index",
    "rna_id",
    "protein_id",
    "label",
    "nearest_train_rna",
    "rna_identity",
    "nearest_train_protein",
    "protein_identity",
    "rna_seen",
    "protein_seen",
    "overlap_class",
]
#: Columns of ``results/summary/external_metrics.tsv``: those of ``metrics.tsv``, then the
#: external set's own.
EXTERNAL_COLUMNS = [
    "dataset", "split", "model", "n_test", "n_seeds", "auroc", "auprc", "accuracy", "precision",
    "recall", "f1", "mcc", "auroc_sd", "auprc_sd", "accuracy_sd", "precision_sd", "recall_sd",
    "f1_sd", "mcc_sd", "pretrained", "train", "test", "overlap_class", "n_positive",
    "n_negative", "score_q25", "score_median", "score_q75",
]  # fmt: skip


def overlap_class(rna_seen: np.ndarray, protein_seen: np.ndarray) -> np.ndarray:
    """``both_seen`` / ``rna_unseen`` / ``protein_unseen`` / ``both_unseen`` per pair from two
    boolean arrays (object array of strings)."""
    rna_seen, protein_seen = np.asarray(rna_seen, bool), np.asarray(protein_seen, bool)
    return np.where(
        rna_seen,
        np.where(protein_seen, "both_seen", "protein_unseen"),
        np.where(protein_seen, "rna_unseen", "both_unseen"),
    ).astype(object)


def _annotated(table: pd.DataFrame, column: str, source_column: str, source: str) -> pd.Series:
    """Per pair, the family/clan when it comes from Rfam/Pfam (``source``), else null."""
    if column not in table or source_column not in table:
        return pd.Series(pd.NA, index=table.index, dtype=object)
    return table[column].where(table[source_column] == source)


def seen_flags(
    test: pd.DataFrame,
    train: pd.DataFrame,
    rna_identity: pd.Series,
    protein_identity: pd.Series,
    *,
    identity_threshold: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each test pair's RNA and protein is *seen* in ``train`` (module docstring).

    Args:
        test, train: dataset tables (``rna_id``, ``protein_id``, optionally ``family`` /
            ``family_source`` and ``clan`` / ``clan_source``).
        rna_identity, protein_identity: per test pair, the identity of its RNA / protein to the
            nearest training one (0 without an alignment).
        identity_threshold: ``splits.identity_threshold`` (``None``: families and clans only).
    """
    families = set(_annotated(train, "family", "family_source", "rfam").dropna())
    clans = set(_annotated(train, "clan", "clan_source", "pfam").dropna())
    rna_family = _annotated(test, "family", "family_source", "rfam")
    protein_clan = _annotated(test, "clan", "clan_source", "pfam")
    threshold = np.inf if identity_threshold is None else float(identity_threshold)
    rna_seen = (np.asarray(rna_identity, float) >= threshold) | rna_family.isin(families).to_numpy()
    protein_seen = (np.asarray(protein_identity, float) >= threshold) | protein_clan.isin(
        clans
    ).to_numpy()
    return rna_seen, protein_seen


def external_overlap(
    test_pairs: str | os.PathLike,
    train_pairs: str | os.PathLike,
    test_rna: str | os.PathLike,
    train_rna: str | os.PathLike,
    test_proteins: str | os.PathLike,
    train_proteins: str | os.PathLike,
    *,
    identity_threshold: float | None,
    out: str | os.PathLike,
    out_counts: str | os.PathLike,
    sensitivity: float = 5.7,
) -> pd.DataFrame:
    """Rule ``external_overlap``: the overlap class of every test pair (:data:`OVERLAP_COLUMNS`,
    Parquet) and the counts per class and label (JSON)."""
    test = pd.read_parquet(test_pairs)
    train = pd.read_parquet(train_pairs)
    nearest = {}
    for molecule, query, target, column in (
        ("rna", test_rna, train_rna, "rna_id"),
        ("protein", test_proteins, train_proteins, "protein_id"),
    ):
        # only the molecules of the pairs: those the final models were trained on
        queries, targets = read_fasta(query), read_fasta(target)
        hits = nearest_targets(
            {i: queries[i] for i in dict.fromkeys(test[column])},
            {i: targets[i] for i in dict.fromkeys(train[column])},
            molecule=molecule,
            sensitivity=sensitivity,
        )
        nearest[molecule] = hits.set_index("query")
    table = pd.DataFrame(
        {
            "pair_index": np.arange(len(test), dtype=np.int64),
            "rna_id": test.rna_id,
            "protein_id": test.protein_id,
            "label": test.label.astype(np.int8),
            "nearest_train_rna": test.rna_id.map(nearest["rna"]["nearest"]),
            "rna_identity": test.rna_id.map(nearest["rna"]["identity"]).fillna(0),
            "nearest_train_protein": test.protein_id.map(nearest["protein"]["nearest"]),
            "protein_identity": test.protein_id.map(nearest["protein"]["identity"]).fillna(0),
        }
    )
    rna_seen, protein_seen = seen_flags(
        test,
        train,
        table.rna_identity,
        table.protein_identity,
        identity_threshold=identity_threshold,
    )
    table["rna_seen"], table["protein_seen"] = rna_seen, protein_seen
    table["overlap_class"] = overlap_class(rna_seen, protein_seen)
    write_parquet(table[OVERLAP_COLUMNS], out)
    counts = {
        cls: {
            "pairs": int((table.overlap_class == cls).sum()),
            "positive": int(((table.overlap_class == cls) & (table.label == 1)).sum()),
        }
        for cls in OVERLAP_CLASSES
    }
    write_json(
        {"n_pairs": len(table), "identity_threshold": identity_threshold, "classes": counts},
        out_counts,
    )
    log.info("%s vs %s: %s", test_pairs, train_pairs, counts)
    return table


def external_scores(
    model_folder: str | os.PathLike,
    overlap: str | os.PathLike,
    rna_features: str | os.PathLike | None = None,
    protein_features: str | os.PathLike | None = None,
    *,
    out: str | os.PathLike,
    rna_fasta: str | os.PathLike | None = None,
    protein_fasta: str | os.PathLike | None = None,
    weights: Mapping[str, str | os.PathLike] | None = None,
    embedding_cache: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Rule ``external_scores``: a final model scores every test pair; the overlap table gains
    ``score`` (float64), ``pred`` (int8, the model's own decision) and ``pretrained`` (nullable
    boolean: the model's embedders' ``pretrained``; null for a feature model).

    A feature model reads the test set's feature tables (``rna_features``,
    ``protein_features``); a view model its sequences (``rna_fasta``, ``protein_fasta``), which
    it embeds as it was trained (:meth:`rnainteract.tasks.final.FinalModel.score_pairs` with
    ``weights`` and ``embedding_cache``)."""
    model = load_final(model_folder)
    table = pd.read_parquet(overlap)
    if model.reads_views:
        score, pred = model.score_pairs(
            read_fasta(rna_fasta), read_fasta(protein_fasta), table, weights=weights,
            embedding_cache=embedding_cache,
        )  # fmt: skip
    else:
        score, pred = model.score_features(
            pd.read_parquet(rna_features), pd.read_parquet(protein_features), table
        )
    table["score"], table["pred"] = score, pred
    table["pretrained"] = pd.array([model.record.get("pretrained")] * len(table), dtype="boolean")
    write_parquet(table, out)
    return table


def class_metrics(label: np.ndarray, score: np.ndarray, pred: np.ndarray) -> dict:
    """:func:`binary_metrics` where both labels occur. With one label: AUROC and AUPRC are NaN,
    ``recall`` is the share of positives predicted interacting (NaN for negatives only) and
    ``accuracy`` the share predicted right (for negatives only: the specificity); the other
    metrics are left out. The counts and score quartiles come either way."""
    label, score, pred = np.asarray(label), np.asarray(score), np.asarray(pred)
    n_pos, n_neg = int((label == 1).sum()), int((label == 0).sum())
    q25, q50, q75 = np.quantile(score, [0.25, 0.5, 0.75]) if len(score) else (np.nan,) * 3
    extra = {
        "n_test": int(len(label)),
        "n_positive": n_pos,
        "n_negative": n_neg,
        "score_q25": float(q25),
        "score_median": float(q50),
        "score_q75": float(q75),
    }
    if not len(label):
        return {"n_test": 0, "n_positive": 0, "n_negative": 0}
    if n_pos and n_neg:
        return {**binary_metrics(label, score, pred), **extra}
    accuracy = float((pred == label).mean())
    recall = float(pred[label == 1].mean()) if n_pos else np.nan
    return {"auroc": np.nan, "auprc": np.nan, "accuracy": accuracy, "recall": recall, **extra}


def summarize_external(
    score_files: Mapping[tuple[str, str], str | os.PathLike],
    settings: Mapping[str, Mapping],
    *,
    out: str | os.PathLike,
) -> pd.DataFrame:
    """Rule ``summarize_external``: rows per external set × model × overlap class (``all`` plus
    the four classes; a class without pairs has no row) → ``external_metrics.tsv``
    (:data:`EXTERNAL_COLUMNS`).

    Args:
        score_files: ``{(external name, model): scores file}`` (:func:`external_scores`).
        settings: the ``external:`` section (``train``, ``test`` per name).
    """
    rows = []
    for (name, model), path in score_files.items():
        table = pd.read_parquet(path)
        flags = table["pretrained"].dropna().unique() if "pretrained" in table else []
        pretrained = bool(flags[0]) if len(flags) else None
        groups: Sequence = [("all", table)] + [
            (cls, table[table.overlap_class == cls]) for cls in OVERLAP_CLASSES
        ]
        for cls, part in groups:
            if not len(part):
                continue
            metrics = class_metrics(part.label.to_numpy(), part.score.to_numpy(), part.pred)
            rows.append(
                {
                    "dataset": name,
                    "split": "external",
                    "model": model,
                    "n_seeds": 1,
                    **metrics,
                    "pretrained": pretrained,
                    "train": settings[name]["train"],
                    "test": settings[name]["test"],
                    "overlap_class": cls,
                }
            )
    table = pd.DataFrame(rows).reindex(columns=EXTERNAL_COLUMNS)
    for column in [*EXTERNAL_COLUMNS[5:19], "score_q25", "score_median", "score_q75"]:
        if column in table:
            table[column] = table[column].astype(float).round(4)
    write_tsv(table, out)
    return table
