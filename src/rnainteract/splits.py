"""Seeded cross-validation splits, random and homology-aware, with a leakage report.

Split names (../shared/ARCHITECTURE.md):

* ``random``: stratified k-fold over pairs.
* ``rna_family``: k-fold over RNA families (TSfam-style, Park & Marcotte's C2/C3 idea applied to
  RNA): no RNA family is shared between the train and test part of any fold. Stratified by label
  (scikit-learn ``StratifiedGroupKFold``).
* ``protein_cold``: the same over protein clans.
* ``both_cold``: RNA families and protein clans are each assigned to one of k groups; in fold f
  the test part holds the pairs whose RNA family *and* protein clan are in group f, the train part
  the pairs whose family and clan are both outside group f. Pairs with one partner inside and one
  outside are used in neither part of that fold (counted in the report).

A split table is long-format: one row per (pair, fold) with ``pair_index`` (row of the pair
table), ``fold`` (0..k-1) and ``partition`` (``train``/``test``).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from rnainteract.io import write_json, write_parquet

log = logging.getLogger(__name__)

SPLITS = ("random", "rna_family", "protein_cold", "both_cold")
# what each split promises never to share between train and test of a fold
PROMISES = {
    "random": (),
    "rna_family": ("rna_families", "rna_ids"),
    "protein_cold": ("protein_clans", "protein_ids"),
    "both_cold": ("rna_families", "rna_ids", "protein_clans", "protein_ids"),
}


class LeakageError(AssertionError):
    """A split shares something between train and test that it promised not to."""


def attach_groups(
    pairs: pd.DataFrame, families: pd.DataFrame, clans: pd.DataFrame, *, missing: str = "error"
) -> pd.DataFrame:
    """Add ``family`` and ``clan`` columns to the pair table.

    Args:
        missing: ``error``, or ``drop`` to leave out pairs whose RNA has no family or whose
            protein has no clan (annotation policy ``drop``, RNAInterAct App. B.3). The index of
            the pair table is kept, so a kept row's index is still its ``pair_index``.

    Raises:
        ValueError: with ``missing="error"``, an RNA without a family or a protein without a clan
            (names the first ids).
    """
    fam = dict(zip(families.rna_id, families.family, strict=True))
    cla = dict(zip(clans.protein_id, clans.clan, strict=True))
    out = pairs.copy()
    out["family"] = out.rna_id.map(fam)
    out["clan"] = out.protein_id.map(cla)
    unannotated = out.family.isna() | out.clan.isna()
    if missing == "drop":
        return out[~unannotated]
    for col, ids in (("family", out.rna_id), ("clan", out.protein_id)):
        absent = ids[out[col].isna()].unique()
        if len(absent):
            raise ValueError(f"{len(absent)} id(s) have no {col}: {list(absent[:5])}")
    return out


def _balanced_groups(keys: pd.Series, n_groups: int, rng: np.random.Generator) -> dict[str, int]:
    """Assign each distinct key to one of ``n_groups`` groups, balancing the number of pairs.

    Keys are visited in a seeded random order, largest first (stable), each going to the group with
    the fewest pairs so far.
    """
    sizes = keys.value_counts()
    order = rng.permutation(np.array(sorted(sizes.index), dtype=object))
    ordered = sorted(order, key=lambda k: -sizes[k])  # stable: ties keep the random order
    load = np.zeros(n_groups, dtype=np.int64)
    groups = {}
    for key in ordered:
        g = int(np.argmin(load))
        groups[key] = g
        load[g] += sizes[key]
    return groups


def make_split(table: pd.DataFrame, kind: str, *, n_folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """Make a k-fold split of a pair table that has ``label``, ``family`` and ``clan`` columns.

    Args:
        table: pairs (the index is the ``pair_index``) with ``label`` (0/1), ``family``, ``clan``.
        kind: one of :data:`SPLITS`.
        n_folds: k (≥ 2).
        seed: seed of the shuffling; the same seed gives the same split.

    Returns:
        Long-format split: ``pair_index`` (int64), ``fold`` (int16), ``partition`` (str).

    Raises:
        ValueError: unknown kind, k < 2, fewer groups than folds, or no fold with a test pair.
            A fold without test pairs (possible for ``both_cold`` on small data) is left out of
            the table with a warning.
    """
    if kind not in SPLITS:
        raise ValueError(f"unknown split {kind!r}; known: {SPLITS}")
    if n_folds < 2:
        raise ValueError(f"n_folds must be >= 2, got {n_folds}")
    y = table.label.to_numpy()
    index = table.index.to_numpy()
    rows = []
    if kind == "both_cold":
        rng = np.random.default_rng(seed)
        fam_group = table.family.map(_balanced_groups(table.family, n_folds, rng)).to_numpy()
        clan_group = table.clan.map(_balanced_groups(table.clan, n_folds, rng)).to_numpy()
        for fold in range(n_folds):
            test = (fam_group == fold) & (clan_group == fold)
            train = (fam_group != fold) & (clan_group != fold)
            rows.append(_fold_rows(index[train], index[test], fold))
    else:
        if kind == "random":
            splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
            groups = None
        else:
            groups = (table.family if kind == "rna_family" else table.clan).to_numpy()
            n_groups = len(set(groups))
            if n_groups < n_folds:
                raise ValueError(f"split {kind!r}: only {n_groups} groups for {n_folds} folds")
            splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(splitter.split(index, y, groups)):
            rows.append(_fold_rows(index[train], index[test], fold))
    split = pd.concat(rows, ignore_index=True)
    tested = set(split.fold[split.partition == "test"])
    if not tested:
        raise ValueError(
            f"split {kind!r}: no fold has a test pair (too few families/clans for {n_folds} folds)"
        )
    for fold in sorted(set(range(n_folds)) - tested):
        # both_cold on small data: no pair has both its family and its clan in this fold's group
        log.warning("split %r: fold %d has no test pair; it is left out", kind, fold)
    return split[split.fold.isin(tested)].reset_index(drop=True)


def _fold_rows(train: np.ndarray, test: np.ndarray, fold: int) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "pair_index": np.concatenate([train, test]).astype(np.int64),
                "fold": np.full(len(train) + len(test), fold, dtype=np.int16),
                "partition": ["train"] * len(train) + ["test"] * len(test),
            }
        )
        .sort_values(["pair_index"], kind="stable")
        .reset_index(drop=True)
    )


def leakage_report(table: pd.DataFrame, split: pd.DataFrame, kind: str) -> dict:
    """Count what the train and test parts of each fold share.

    Returns:
        ``{"split": kind, "promised_zero": [...], "folds": [{fold, n_train, n_test, n_test_positive,
        n_unused, shared_rna_ids, shared_protein_ids, shared_rna_families,
        shared_protein_clans}]}``.

    Raises:
        LeakageError: a count the split promises to be 0 is not.
    """
    folds = []
    for fold, part in split.groupby("fold", sort=True):
        train = table.loc[part.pair_index[part.partition == "train"]]
        test = table.loc[part.pair_index[part.partition == "test"]]
        entry = {
            "fold": int(fold),
            "n_train": len(train),
            "n_test": len(test),
            "n_train_positive": int(train.label.sum()),
            "n_test_positive": int(test.label.sum()),
            "n_unused": len(table) - len(part),
            "shared_rna_ids": len(set(train.rna_id) & set(test.rna_id)),
            "shared_protein_ids": len(set(train.protein_id) & set(test.protein_id)),
            "shared_rna_families": len(set(train.family) & set(test.family)),
            "shared_protein_clans": len(set(train.clan) & set(test.clan)),
        }
        for promise in PROMISES[kind]:
            if entry[f"shared_{promise}"]:
                raise LeakageError(
                    f"split {kind!r} fold {fold}: {entry[f'shared_{promise}']} "
                    f"{promise} shared between train and test"
                )
        folds.append(entry)
    return {"split": kind, "promised_zero": [f"shared_{p}" for p in PROMISES[kind]], "folds": folds}


def split_dataset(
    pairs: str | os.PathLike,
    families: str | os.PathLike,
    clans: str | os.PathLike,
    *,
    kind: str,
    n_folds: int,
    seed: int,
    out_split: str | os.PathLike,
    out_leakage: str | os.PathLike,
) -> dict:
    """Read the pair and annotation tables, make the split, check it and write both outputs.

    Pairs whose RNA or protein is absent from the annotation tables (annotation policy ``drop``)
    are left out and counted (``n_pairs_unannotated_dropped``).
    """
    all_pairs = pd.read_parquet(pairs)
    table = attach_groups(
        all_pairs,
        pd.read_csv(families, sep="\t", dtype=str),
        pd.read_csv(clans, sep="\t", dtype=str),
        missing="drop",
    )
    if table.empty:
        raise ValueError(f"{pairs}: no pair has both an annotated RNA and an annotated protein")
    split = make_split(table, kind, n_folds=n_folds, seed=seed)
    report = leakage_report(table, split, kind)
    report.update(
        n_folds=n_folds,
        seed=seed,
        n_pairs=len(table),
        n_pairs_unannotated_dropped=len(all_pairs) - len(table),
        n_rna_families=int(table.family.nunique()),
        n_protein_clans=int(table.clan.nunique()),
    )
    for entry in report["folds"]:
        log.info("%s fold %d: %s", kind, entry["fold"], entry)
    write_parquet(split, out_split)
    write_json(report, out_leakage)
    return report
