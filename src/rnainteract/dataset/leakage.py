"""What the train and test parts of each fold share, and how similar they are: the leakage report
of every split (``results/splits/{dataset}/{split}.leakage.json``) and the check that a split
keeps its promises (:data:`PROMISES`, :data:`COLD_MOLECULES`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# what each split promises never to share between train and test of a fold
PROMISES = {
    "random": (),
    "rna_family": ("rna_families", "rna_clusters", "rna_ids"),
    "protein_cold": ("protein_clans", "protein_clusters", "protein_ids"),
    "both_cold": (
        "rna_families", "rna_clusters", "rna_ids",
        "protein_clans", "protein_clusters", "protein_ids",
    ),
    "rna_cold_id": ("rna_ids",),
    "protein_cold_id": ("protein_ids",),
    "both_cold_id": ("rna_ids", "protein_ids"),
}  # fmt: skip
# molecules whose test items a split promises to keep below the identity threshold to train
COLD_MOLECULES = {
    "random": (),
    "rna_family": ("rna",),
    "protein_cold": ("protein",),
    "both_cold": ("rna", "protein"),
    "rna_cold_id": (),  # id-cold: a similar (even identical) sequence may be in training
    "protein_cold_id": (),
    "both_cold_id": (),
}


IDENTITY_LEVELS = (0.3, 0.5, 0.8, 0.9)  # thresholds counted per fold in the leakage report


class LeakageError(AssertionError):
    """A split shares something between train and test that it promised not to."""


def max_train_identity(
    hits: pd.DataFrame, test_ids: np.ndarray, train_ids: np.ndarray
) -> pd.DataFrame:
    """For each test id, the highest identity to any train id and that train id.

    Args:
        hits: symmetric identity table (:func:`rnainteract.annotate.identity.pairwise_identity`).
        test_ids, train_ids: distinct ids (str) of the two parts of a fold.

    Returns:
        One row per test id (sorted): ``id``, ``max_identity`` (float32; 0 without a hit),
        ``nearest_train_id`` (None without a hit).
    """
    test_ids = np.sort(np.asarray(test_ids, dtype=object))
    sub = hits[hits["query"].isin(test_ids) & hits["target"].isin(train_ids)]
    best = (
        sub.sort_values(["query", "identity", "target"], ascending=[True, False, True])
        .drop_duplicates("query")
        .set_index("query")
    )
    out = pd.DataFrame({"id": test_ids})
    out["max_identity"] = out.id.map(best.identity).fillna(0).astype(np.float32)
    out["nearest_train_id"] = out.id.map(best.target)
    out["nearest_train_id"] = out.nearest_train_id.astype(object).where(
        out.nearest_train_id.notna(), None
    )
    return out


SHARED_COLUMNS = {
    "rna_ids": "rna_id", "protein_ids": "protein_id", "rna_families": "family",
    "rna_clusters": "rna_cluster", "protein_clans": "clan", "protein_clusters": "protein_cluster",
}  # fmt: skip


def _shared(codes: np.ndarray | None, train: np.ndarray, test: np.ndarray) -> int:
    """Distinct values (as factorized codes) present at both train and test positions."""
    if codes is None:
        return 0
    return len(np.intersect1d(codes[train], codes[test]))


def leakage_report(
    table: pd.DataFrame,
    split: pd.DataFrame,
    kind: str,
    identities: dict[str, pd.DataFrame] | None = None,
    identity_threshold: float | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Count what the train and test parts of each fold share, and how similar they are.

    Args:
        identities: ``{"rna": hits, "protein": hits}`` pairwise identity tables
            (:func:`~rnainteract.annotate.identity.pairwise_identity`); None skips the identity
            part.
        identity_threshold: if given, the split promises that no test item of a cold molecule
            (:data:`COLD_MOLECULES`) reaches this identity to a training item.

    Returns:
        ``(report, per_item)``: the report ``{"split", "promised_zero", "folds": [{fold, n_train,
        n_test, n_train_positive, n_test_positive, n_unused, shared_rna_ids, shared_protein_ids,
        shared_rna_families, shared_rna_clusters, shared_protein_clans, shared_protein_clusters,
        max_identity: {rna: {max, median, n_test, n_at_least_<level>}, protein: ...}}]}`` and the
        per-test-item table ``fold``, ``molecule``, ``id``, ``max_identity``,
        ``nearest_train_id``.

    Raises:
        LeakageError: a count the split promises to be 0 is not.
    """
    folds, items = [], []
    # factorize once: comparing int codes is ~50x faster than sets of Arrow-backed strings
    codes = {
        name: pd.factorize(table[col])[0] if col in table else None
        for name, col in SHARED_COLUMNS.items()
    }
    for fold, part in split.groupby("fold", sort=True):
        train_pos = table.index.get_indexer(part.pair_index[part.partition == "train"])
        test_pos = table.index.get_indexer(part.pair_index[part.partition == "test"])
        train, test = table.iloc[train_pos], table.iloc[test_pos]
        entry = {
            "fold": int(fold),
            "n_train": len(train),
            "n_test": len(test),
            "n_train_positive": int(train.label.sum()),
            "n_test_positive": int(test.label.sum()),
            "n_unused": len(table) - len(part),
        }
        for name in SHARED_COLUMNS:
            entry[f"shared_{name}"] = _shared(codes[name], train_pos, test_pos)
        for promise in PROMISES[kind]:
            if entry[f"shared_{promise}"]:
                raise LeakageError(
                    f"split {kind!r} fold {fold}: {entry[f'shared_{promise}']} "
                    f"{promise} shared between train and test"
                )
        if identities is not None:
            entry["max_identity"] = {}
            for molecule, id_col in (("rna", "rna_id"), ("protein", "protein_id")):
                best = max_train_identity(
                    identities[molecule], test[id_col].unique(), train[id_col].unique()
                )
                values = best.max_identity.to_numpy(dtype=np.float64)
                entry["max_identity"][molecule] = {
                    "n_test": len(values),
                    "max": round(float(values.max()), 4) if len(values) else None,
                    "median": round(float(np.median(values)), 4) if len(values) else None,
                    **{
                        f"n_at_least_{level}": int((values >= level).sum())
                        for level in IDENTITY_LEVELS
                    },
                }
                if identity_threshold is not None:
                    n_similar = int((values >= identity_threshold).sum())
                    entry["max_identity"][molecule]["n_at_least_threshold"] = n_similar
                    if n_similar and molecule in COLD_MOLECULES[kind]:
                        raise LeakageError(
                            f"split {kind!r} fold {fold}: {n_similar} test {molecule}(s) at "
                            f">= {identity_threshold} identity to a training {molecule}"
                        )
                best.insert(0, "molecule", molecule)
                best.insert(0, "fold", np.int16(fold))
                items.append(best)
        folds.append(entry)
    per_item = (
        pd.concat(items, ignore_index=True)
        if items
        else pd.DataFrame(columns=["fold", "molecule", "id", "max_identity", "nearest_train_id"])
    )
    promised = [f"shared_{p}" for p in PROMISES[kind]]
    if identities is not None and identity_threshold is not None:
        promised += [f"max_identity.{m}.n_at_least_threshold" for m in COLD_MOLECULES[kind]]
    report = {"split": kind, "promised_zero": promised, "identity_threshold": identity_threshold}
    return {**report, "folds": folds}, per_item
