"""Seeded cross-validation splits, random and homology-aware (leakage report: :mod:`.leakage`).

Split names (../shared/ARCHITECTURE.md). RNA *homology groups* are the connected components of
"same RNA family" ∪ "same cd-hit-est cluster", protein groups those of "same Pfam clan" ∪ "same
MMseqs2 cluster", so that neither an annotation nor a sequence cluster crosses train and test
(an Rfam-annotated RNA and an unannotated RNA 80 % identical to it share a cluster, not a family).

* ``random``: stratified k-fold over pairs.
* ``rna_family``: TSfam-style (RNAInterAct, Sec. 3 and Table 1): the RNA groups are drawn in a
  seeded random order (not file order) and given to fold 0 until it holds ~1/k of the pairs, then
  to fold 1, and so on; fold f's test part is its groups' pairs, the train part all others. No RNA
  family, RNA cluster or RNA id is shared between train and test. With k = 10 each fold has the
  size of TSfam (~10 % of the pairs).
* ``protein_cold``: the same over protein groups (clans and clusters).
* ``both_cold``: RNA groups and protein groups are each assigned to one of k folds (balanced by
  pairs); in fold f the test part holds the pairs whose RNA group *and* protein group are in fold
  f, the train part the pairs whose groups are both outside f. Pairs with one partner inside and
  one outside are used in neither part of that fold (counted in the report).
* ``rna_cold_id``, ``protein_cold_id``, ``both_cold_id``: the same three with each molecule *id*
  as its own group: a test RNA (protein) never occurs in training, but a training RNA of the same
  family, or 99 % identical, may. They are the middle rung of the ladder random → id-cold →
  homology-cold, and the protocol of peers' "unseen RNA / unseen protein" results (e.g.
  ZHMolGraph, Communications Biology 2025), which are therefore not comparable with the
  homology-cold splits.

Each cold split also gives the *groups* of its cold sides (:func:`split_groups`, written beside
the split by :func:`split_dataset`), so that early stopping and tuning hold out whole groups of a
fold's train part too (:func:`rnainteract.models.inputs.validation_split`).

A split table is long-format: one row per (pair, fold) with ``pair_index`` (row of the dataset
table), ``fold`` (0..k-1) and ``partition`` (``train``/``test``).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.model_selection import StratifiedKFold

from rnainteract.dataset.leakage import leakage_report
from rnainteract.io.files import sha256_file, write_json, write_parquet

log = logging.getLogger(__name__)

SPLITS = (
    "random",
    "rna_family",
    "protein_cold",
    "both_cold",
    "rna_cold_id",
    "protein_cold_id",
    "both_cold_id",
)
COLD_SIDES = {
    "random": (),
    "rna_family": ("rna",),
    "protein_cold": ("protein",),
    "both_cold": ("rna", "protein"),
    "rna_cold_id": ("rna",),
    "protein_cold_id": ("protein",),
    "both_cold_id": ("rna", "protein"),
}
"""The molecules whose groups a split keeps apart between train and test."""
ID_COLD = ("rna_cold_id", "protein_cold_id", "both_cold_id")
"""Splits whose groups are molecule ids (the others: homology groups)."""


def homology_groups(
    labels: pd.Series,
    clusters: pd.Series,
    ids: pd.Series | None = None,
    similar: pd.DataFrame | None = None,
) -> np.ndarray:
    """Connected components of "same label" ∪ "same cluster" ∪ "similar sequences".

    Args:
        labels, clusters: parallel Series over the rows of a table (family and RNA cluster, or
            clan and protein cluster).
        ids, similar: molecule id of each row and a table of molecule pairs (``query``,
            ``target``) to join as well (pairs above the identity threshold); pairs naming an id
            not in ``ids`` are ignored.

    Returns:
        int64 component id per row, numbered in order of each component's smallest label.
    """
    label_codes, label_names = pd.factorize(labels.astype(str), sort=True)
    cluster_codes, cluster_names = pd.factorize(clusters.astype(str), sort=True)
    n_label, n_nodes = len(label_names), len(label_names) + len(cluster_names)
    rows, cols = [label_codes], [n_label + cluster_codes]
    if similar is not None and len(similar):
        label_of = pd.Series(label_codes, index=ids.to_numpy()).groupby(level=0).first()
        known = similar["query"].isin(label_of.index) & similar["target"].isin(label_of.index)
        rows.append(label_of[similar["query"][known]].to_numpy())
        cols.append(label_of[similar["target"][known]].to_numpy())
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    edges = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_nodes, n_nodes))
    _, component = connected_components(edges, directed=False)
    # renumber by first appearance among the sorted labels: independent of scipy's numbering
    _, uniques = pd.factorize(component[:n_label])
    renumber = np.empty(component.max() + 1, dtype=np.int64)
    renumber[uniques] = np.arange(len(uniques))
    return renumber[component[label_codes]]


def _groups(table: pd.DataFrame, molecule: str, similar: pd.DataFrame | None = None) -> np.ndarray:
    """Homology group per pair for ``rna`` (family + rna_cluster + similar RNAs) or
    ``protein`` (clan + protein_cluster + similar proteins)."""
    label, cluster = ("family", "rna_cluster") if molecule == "rna" else ("clan", "protein_cluster")
    clusters = table[cluster] if cluster in table else table[label]
    return homology_groups(table[label], clusters, table[f"{molecule}_id"], similar)


def _balanced_groups(groups: np.ndarray, n_folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold of each pair when whole groups are assigned to ``n_folds`` folds, balancing pairs.

    Groups are visited in a seeded random order, largest first (stable), each going to the fold
    with the fewest pairs so far.
    """
    sizes = np.bincount(groups)
    order = rng.permutation(len(sizes))
    order = order[np.argsort(-sizes[order], kind="stable")]
    load = np.zeros(n_folds, dtype=np.int64)
    fold_of = np.zeros(len(sizes), dtype=np.int64)
    for g in order:
        f = int(np.argmin(load))
        fold_of[g] = f
        load[f] += sizes[g]
    return fold_of[groups]


def _drawn_groups(groups: np.ndarray, n_folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold of each pair when groups are drawn at random and fill the folds in turn (TSfam).

    Fold f receives groups until the folds 0..f together hold at least (f+1)/k of the pairs.
    """
    sizes = np.bincount(groups)
    n = sizes.sum()
    fold_of = np.zeros(len(sizes), dtype=np.int64)
    fold, filled = 0, 0
    for g in rng.permutation(len(sizes)):
        fold_of[g] = fold
        filled += sizes[g]
        while fold < n_folds - 1 and filled >= (fold + 1) * n / n_folds:
            fold += 1
    return fold_of[groups]


def split_groups(
    table: pd.DataFrame, kind: str, similar: dict[str, pd.DataFrame] | None = None
) -> dict[str, np.ndarray]:
    """The groups a split keeps apart, per cold side (:data:`COLD_SIDES`).

    Args:
        table: the dataset table (see :func:`make_split`).
        kind: one of :data:`SPLITS`.
        similar: as in :func:`make_split` (homology-cold splits only).

    Returns:
        ``{"rna": groups, "protein": groups}`` for the cold sides only (``{}`` for ``random``):
        int64 per pair, the homology group (:func:`homology_groups`) or, for the id-cold
        splits, the code of the molecule id (ids sorted).

    Raises:
        ValueError: unknown kind.
    """
    if kind not in SPLITS:
        raise ValueError(f"unknown split {kind!r}; known: {SPLITS}")
    similar = similar or {}
    groups = {}
    for side in COLD_SIDES[kind]:
        if kind in ID_COLD:
            groups[side] = pd.factorize(table[f"{side}_id"].astype(str), sort=True)[0]
        else:
            groups[side] = _groups(table, side, similar.get(side))
        groups[side] = groups[side].astype(np.int64)
    return groups


def make_split(
    table: pd.DataFrame,
    kind: str,
    *,
    n_folds: int = 5,
    seed: int = 0,
    similar: dict[str, pd.DataFrame] | None = None,
    name: str = "dataset",
) -> pd.DataFrame:
    """Make a k-fold split of a dataset table.

    Args:
        table: pairs (the index is the ``pair_index``) with ``rna_id``, ``protein_id``,
            ``label`` (0/1), ``family``, ``clan`` and, if present, ``rna_cluster``,
            ``protein_cluster`` (joined into homology groups).
        similar: ``{"rna": pairs, "protein": pairs}`` of molecules (``query``, ``target``) at or
            above the identity threshold, joined into the same homology group, so that no test
            item of a cold side is that similar to a training item.
        kind: one of :data:`SPLITS`.
        n_folds: k (≥ 2).
        seed: seed of the shuffling; the same seed gives the same split.
        name: the dataset (its file), named in the messages.

    Returns:
        Long-format split: ``pair_index`` (int64), ``fold`` (int16), ``partition`` (str).

    Raises:
        ValueError: unknown kind, k < 2, fewer groups than folds, or no fold with a test pair.
            A fold without test pairs (one huge group, or ``both_cold`` on small data) is left
            out of the table with a warning.
    """
    if kind not in SPLITS:
        raise ValueError(f"{name}: unknown split {kind!r}; known: {SPLITS}")
    if n_folds < 2:
        raise ValueError(f"{name}: n_folds must be >= 2, got {n_folds}")
    y = table.label.to_numpy()
    index = table.index.to_numpy()
    rng = np.random.default_rng(seed)
    rows = []
    sides = COLD_SIDES[kind]
    groups = split_groups(table, kind, similar)
    if kind == "random":
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        for fold, (train, test) in enumerate(splitter.split(index, y)):
            rows.append(_fold_rows(index[train], index[test], fold))
    elif len(sides) == 2:
        rna_fold = _balanced_groups(groups["rna"], n_folds, rng)
        protein_fold = _balanced_groups(groups["protein"], n_folds, rng)
        for fold in range(n_folds):
            test = (rna_fold == fold) & (protein_fold == fold)
            train = (rna_fold != fold) & (protein_fold != fold)
            rows.append(_fold_rows(index[train], index[test], fold))
    else:
        (side,) = sides
        n_groups = int(groups[side].max()) + 1
        if n_groups < n_folds:
            what = (
                f"{side} ids"
                if kind in ID_COLD
                else "homology groups (one per fold; RNA families / protein clans joined "
                "with their clusters)"
            )
            raise ValueError(
                f"{name}: split {kind!r} needs at least {n_folds} {what}, found "
                f"{n_groups}; lower splits.n_folds or leave {kind!r} out of targets.splits"
            )
        fold_of = _drawn_groups(groups[side], n_folds, rng)
        for fold in range(n_folds):
            rows.append(_fold_rows(index[fold_of != fold], index[fold_of == fold], fold))
    split = pd.concat(rows, ignore_index=True)
    tested = set(split.fold[split.partition == "test"])
    if not tested:
        raise ValueError(
            f"{name}: split {kind!r}: no fold has a test pair (too few families/clans for "
            f"{n_folds} folds)"
        )
    for fold in sorted(set(range(n_folds)) - tested):
        log.warning("%s: split %r: fold %d has no test pair; it is left out", name, kind, fold)
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


GIVEN_SPLIT_COLUMNS = ("rna_id", "protein_id", "fold", "partition")


def read_given_split(path: str | os.PathLike, table: pd.DataFrame) -> pd.DataFrame:
    """A split table from elsewhere (a release's ``splits/<split>.tsv``) as a split of ``table``:
    rows are matched by ``rna_id`` and ``protein_id`` (the release's ``pair_index`` refers to the
    release's own table), ordered as :func:`make_split` orders them (by fold, then pair).

    Args:
        path: TSV with a header naming at least ``rna_id``, ``protein_id``, ``fold``,
            ``partition`` (``train``/``test``).
        table: the dataset table (index = ``pair_index``).

    Returns:
        Long-format split: ``pair_index`` (int64), ``fold`` (int16), ``partition`` (str).

    Raises:
        ValueError: a missing column; a row whose partition is not train/test, whose fold is
            not an integer, that repeats a pair within a fold, that names a pair the dataset
            lacks, or whose label differs from the dataset's (file, line and pair named); or a
            dataset with a pair listed twice.
    """
    given = pd.read_csv(
        path, sep="\t", dtype=str, keep_default_na=False, na_values=[], skip_blank_lines=False
    )
    missing = [c for c in GIVEN_SPLIT_COLUMNS if c not in given.columns]
    if missing:
        raise ValueError(f"{path}: split table lacks column(s) {missing}")

    def fail(bad: pd.Series, what: str) -> None:
        if bad.any():
            row = int(bad.to_numpy().argmax())
            pair = f"({given.rna_id.iloc[row]}, {given.protein_id.iloc[row]})"
            raise ValueError(f"{path}: line {row + 2}: pair {pair}: {what}")

    fail(~given.partition.isin(["train", "test"]), "partition is not train/test")
    fail(~given.fold.str.fullmatch(r"\d+"), "fold is not a non-negative integer")
    fail(given.duplicated(["fold", "rna_id", "protein_id"]), "listed twice in one fold")
    key = pd.MultiIndex.from_frame(table[["rna_id", "protein_id"]])
    if key.has_duplicates:
        first = key[key.duplicated()][0]
        raise ValueError(f"{path}: the dataset lists pair {first} twice; rows cannot be matched")
    position = key.get_indexer(pd.MultiIndex.from_frame(given[["rna_id", "protein_id"]]))
    fail(pd.Series(position < 0), "not in the dataset")
    if "label" in given.columns:
        labels = table.label.to_numpy()[position].astype(str)
        fail(pd.Series(given.label.to_numpy() != labels), "label differs from the dataset's")
    split = pd.DataFrame(
        {
            "pair_index": table.index.to_numpy()[position].astype(np.int64),
            "fold": given.fold.astype(np.int16).to_numpy(),
            "partition": given.partition.to_numpy(),
        }
    )
    return split.sort_values(["fold", "pair_index"], kind="stable").reset_index(drop=True)


def split_dataset(
    dataset: str | os.PathLike,
    *,
    kind: str,
    n_folds: int,
    seed: int,
    out_split: str | os.PathLike,
    out_leakage: str | os.PathLike,
    rna_identity: str | os.PathLike | None = None,
    protein_identity: str | os.PathLike | None = None,
    out_identity: str | os.PathLike | None = None,
    identity_threshold: float | None = None,
    given: str | os.PathLike | None = None,
    out_groups: str | os.PathLike | None = None,
) -> dict:
    """Rule ``make_split``: read the dataset table, make the split, check it, write the split,
    the leakage report (JSON, with the split's SHA-256, also logged) and, given the two identity
    tables, the per-test-item maximum train identity (Parquet). With ``identity_threshold``,
    molecules at least that identical are joined into one homology group (cold splits). With
    ``given`` (a release's split table, :func:`read_given_split`) that split is used instead of
    drawing one, and checked the same way. ``out_groups``: the groups of the split's cold sides
    (:func:`split_groups`; Parquet ``pair_index`` and ``rna_group`` and/or ``protein_group``,
    int64; a random split has no group column), read by early stopping and tuning.

    Raises:
        LeakageError: a promise of the split is broken (see :func:`leakage_report`).
    """
    table = pd.read_parquet(dataset)
    if table.empty:
        raise ValueError(f"{dataset}: no pairs")
    identities, similar = None, None
    if rna_identity is not None and protein_identity is not None:
        identities = {
            "rna": pd.read_parquet(rna_identity),
            "protein": pd.read_parquet(protein_identity),
        }
        if identity_threshold is not None:
            similar = {m: t[t.identity >= identity_threshold] for m, t in identities.items()}
    if given is not None:
        split = read_given_split(given, table)
        n_folds = int(split.fold.max()) + 1
        log.info("%s: split %r given by %s (%d folds)", dataset, kind, given, n_folds)
    else:
        split = make_split(
            table, kind, n_folds=n_folds, seed=seed, similar=similar, name=str(dataset)
        )
    report, per_item = leakage_report(table, split, kind, identities, identity_threshold)
    write_parquet(split, out_split)
    report.update(
        n_folds=n_folds,
        seed=seed,
        n_pairs=len(table),
        n_rna_families=int(table.family.nunique()),
        n_protein_clans=int(table.clan.nunique()),
        sha256=sha256_file(out_split),
    )
    for entry in report["folds"]:
        log.info("%s fold %d: %s", kind, entry["fold"], entry)
    log.info("%s: split sha256 %s", kind, report["sha256"])
    if out_identity is not None:
        write_parquet(per_item, out_identity)
    if out_groups is not None:
        groups = split_groups(table, kind, similar)
        frame = pd.DataFrame({"pair_index": table.index.to_numpy().astype(np.int64)})
        for side, codes in groups.items():
            frame[f"{side}_group"] = codes
        write_parquet(frame, out_groups)
    write_json(report, out_leakage)
    return report
