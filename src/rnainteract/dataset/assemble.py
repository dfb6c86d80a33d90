"""The interaction dataset: annotated pairs plus negatives, one table per dataset.

``results/datasets/{dataset}/pairs.parquet`` (../shared/ARCHITECTURE.md) holds one row per pair
(its row number is the ``pair_index`` of every split) with the columns of
:data:`DATASET_COLUMNS`:

* ``rna_id``, ``protein_id``, ``label`` (int8 0/1), ``source`` (pair source, or
  ``rnainteract_negatives`` for generated negatives);
* ``rna_category``, ``protein_category`` (``unknown`` where the source has none);
* ``family``, ``family_source`` (rfam|cluster), ``clan``, ``clan_source`` (pfam|family|cluster):
  the annotation tables of the dataset;
* ``rna_cluster``, ``protein_cluster``: sequence-identity clusters (cd-hit-est, MMseqs2);
* ``negative_side`` (keep_rna|keep_protein) and ``negative_tier`` (1–3) for generated negatives,
  null otherwise (:mod:`rnainteract.dataset.negatives`).

Negative methods (config ``datasets.<name>.negatives``):

* ``given``: the benchmark's own negatives (RPISeq/RPI-Pred/NPInter as published);
* ``rnainteract``: the given negatives are discarded (counted) and two family–clan-aware
  negatives are drawn per positive (RNAInterAct, App. B.5).

Pairs whose RNA has no family or whose protein has no clan (annotation policy ``drop``, App. B.3)
are left out here and counted, by label.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from rnainteract.dataset.negatives import (
    FALLBACKS,
    SAMPLERS,
    UNKNOWN_CATEGORY,
    build_negatives,
)
from rnainteract.io.files import sha256_file, write_json, write_parquet
from rnainteract.sources.benchmarks import CATEGORY_COLUMNS, read_pairs

log = logging.getLogger(__name__)

NEGATIVE_METHODS = ("given", "rnainteract")
GENERATED_SOURCE = "rnainteract_negatives"
DATASET_COLUMNS = [
    "rna_id", "protein_id", "label", "source", "rna_category", "protein_category",
    "family", "family_source", "clan", "clan_source", "rna_cluster", "protein_cluster",
    "negative_side", "negative_tier",
]  # fmt: skip


def _lookup(path: str | os.PathLike, key: str, columns: list[str]) -> pd.DataFrame:
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in [key, *columns] if c not in table]
    if missing:
        raise ValueError(f"{path}: lacks column(s) {missing}")
    if table[key].duplicated().any():
        raise ValueError(f"{path}: duplicate {key} {table[key][table[key].duplicated()].iloc[0]!r}")
    return table.set_index(key)[columns]


def molecule_tables(
    pairs: pd.DataFrame,
    families: str | os.PathLike,
    clans: str | os.PathLike,
    rna_clusters: str | os.PathLike,
    protein_clusters: str | os.PathLike,
    *,
    pairs_name: str = "the pair table",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-RNA and per-protein annotation: category, family/clan (+source) and cluster.

    Returns two frames indexed by ``rna_id`` / ``protein_id``; a molecule without a family/clan
    (policy ``drop``) has NaN there.

    Raises:
        ValueError: a molecule of the pair table missing from its cluster table (every sequence
            is clustered), or a molecule with two categories.
    """
    out = []
    for id_col, cat_col, annotation, cols, clusters, cluster_col in (
        ("rna_id", "rna_category", families, ["family", "family_source"], rna_clusters,
         "rna_cluster"),
        ("protein_id", "protein_category", clans, ["clan", "clan_source"], protein_clusters,
         "protein_cluster"),
    ):  # fmt: skip
        if cat_col in pairs:
            cats = pairs[[id_col, cat_col]].drop_duplicates()
        else:
            cats = pd.DataFrame({id_col: pairs[id_col].unique(), cat_col: UNKNOWN_CATEGORY})
        if cats[id_col].duplicated().any():
            bad = cats[id_col][cats[id_col].duplicated()].iloc[0]
            two = sorted(cats[cat_col][cats[id_col] == bad].astype(str))
            raise ValueError(f"{pairs_name}: {id_col} {bad!r} has two categories {two}")
        table = cats.set_index(id_col)
        table = table.join(_lookup(annotation, id_col, cols))
        cluster = _lookup(clusters, "id", ["cluster"]).cluster.rename(cluster_col)
        table = table.join(cluster)
        absent = table.index[table[cluster_col].isna()]
        if len(absent):
            raise ValueError(
                f"{clusters}: {len(absent)} {id_col}(s) not clustered, e.g. {absent[0]}"
            )
        out.append(table)
    return out[0], out[1]


def assemble_dataset(
    pairs: pd.DataFrame,
    rna: pd.DataFrame,
    proteins: pd.DataFrame,
    *,
    negatives: str = "given",
    seed: int = 0,
    fallback: str = "none",
    sampler: str = "paper",
) -> tuple[pd.DataFrame, dict]:
    """Attach annotations, apply the drop policy and add negatives (see module docstring).

    Args:
        pairs: canonical pair table (``rna_id``, ``protein_id``, ``label``, ``source``, optional
            category columns).
        rna, proteins: :func:`molecule_tables` output.
        negatives: one of :data:`NEGATIVE_METHODS`.
        seed, fallback, sampler: of :func:`~rnainteract.dataset.negatives.build_negatives`
            (``sampler``: ``paper``, App. B.5 as published, or ``degree_neutral``).

    Returns:
        ``(table, stats)``: the dataset table (columns :data:`DATASET_COLUMNS`, positives then
        negatives, fresh RangeIndex) and JSON-ready counts.

    Raises:
        ValueError: unknown method, fallback or sampler, or no annotated positive left.
    """
    if negatives not in NEGATIVE_METHODS:
        raise ValueError(f"negatives must be one of {NEGATIVE_METHODS}, got {negatives!r}")
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}, got {fallback!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    table = pairs.copy()
    for col in CATEGORY_COLUMNS:
        if col not in table:
            table[col] = UNKNOWN_CATEGORY
    table = table.drop(columns=CATEGORY_COLUMNS)
    table = table.join(rna, on="rna_id").join(proteins, on="protein_id")
    annotated = table.family.notna() & table.clan.notna()
    stats: dict = {
        "negative_method": negatives,
        "n_pairs_in": len(table),
        "n_positive_unannotated_dropped": int((~annotated & (table.label == 1)).sum()),
        "n_negative_unannotated_dropped": int((~annotated & (table.label == 0)).sum()),
    }
    table = table[annotated]
    if negatives == "rnainteract":
        stats["n_given_negatives_discarded"] = int((table.label == 0).sum())
        positives = table[table.label == 1].reset_index(drop=True)
        if positives.empty:
            raise ValueError("no annotated positive pair to draw negatives for")
        drawn, negative_stats = build_negatives(
            positives, seed=seed, fallback=fallback, sampler=sampler
        )
        stats.update(negative_stats.as_dict(), seed=seed, fallback=fallback, sampler=sampler)
        drawn = drawn.join(rna, on="rna_id").join(proteins, on="protein_id")
        drawn["label"] = np.int8(0)
        drawn["source"] = GENERATED_SOURCE
        table = pd.concat([positives, drawn], ignore_index=True)
    else:
        table = table.reset_index(drop=True)
        for col in ("negative_side", "negative_tier"):
            table[col] = None
    table["label"] = table.label.astype("int8")
    table["negative_tier"] = table.negative_tier.astype("Int8")
    table["negative_side"] = table.negative_side.astype("string")
    table = table[DATASET_COLUMNS]
    stats.update(
        n_pairs=len(table),
        n_positive=int((table.label == 1).sum()),
        n_negative=int((table.label == 0).sum()),
        n_rna=int(table.rna_id.nunique()),
        n_proteins=int(table.protein_id.nunique()),
        n_rna_families=int(table.family.nunique()),
        n_protein_clans=int(table.clan.nunique()),
    )
    return table, stats


def build_interaction_dataset(
    pairs: str | os.PathLike,
    families: str | os.PathLike,
    clans: str | os.PathLike,
    rna_clusters: str | os.PathLike,
    protein_clusters: str | os.PathLike,
    *,
    dataset: str,
    negatives: str,
    seed: int,
    fallback: str,
    sampler: str = "paper",
    out_pairs: str | os.PathLike,
    out_stats: str | os.PathLike,
) -> dict:
    """Rule ``build_dataset``: read the pair, annotation and cluster tables, write the dataset
    table and its stats (with the table's SHA-256, also logged). Errors: :func:`assemble_dataset`.
    """
    pair_table = read_pairs(pairs)
    rna, proteins = molecule_tables(
        pair_table, families, clans, rna_clusters, protein_clusters, pairs_name=str(pairs)
    )
    table, stats = assemble_dataset(
        pair_table,
        rna,
        proteins,
        negatives=negatives,
        seed=seed,
        fallback=fallback,
        sampler=sampler,
    )
    write_parquet(table, out_pairs)
    stats = {"dataset": dataset, **stats, "sha256": sha256_file(out_pairs)}
    for key, value in stats.items():
        log.info("%s: %s = %s", dataset, key, value)
    write_json(stats, out_stats)
    return stats
