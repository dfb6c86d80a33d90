"""The ESM2_AMP protein–protein branch: the ESM2_AMP family on its own PPI data.

ESM2_AMP (seed esm2_amp_ppi_README.txt) was built for protein–protein interactions; running the
family on the authors' data next to its RNA–protein adaptation checks the adaptation. The Pan
dataset (Pan, Zhang & Shen, J Proteome Res 9:4992, 2010; 36,092 positive and 36,092 negative
human pairs, ESM2_AMP repository ``Datasets/Pan_dataset``) is the one whose sequences are
public (``total_protein``); Bernett and real_test lack sequence files (../shared/data/
ESM2_AMP_PPI/PROVENANCE.md).

Tables: pair files ``ProteinA,ProteinB,Label[,Pairs]``, protein table ``Entry,Sequence``, as CSV
(the mirror's conversion) or the repository's original ``.xlsx`` (read with pandas/openpyxl,
recognized by its ZIP signature whatever the file name).

Training (:func:`train_ppi_model`, rule ``train_ppi_model``): partner A takes the models' "RNA" slot
and partner B the "protein" slot; both are embedded by the same protein embedder, so an
attention column ``rna:segment3`` means partner A's segment 3.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rnainteract.dataset.splits import make_split
from rnainteract.io.fasta import write_fasta
from rnainteract.io.files import write_json, write_parquet
from rnainteract.io.predictions import write_predictions
from rnainteract.io.sequences import normalize_sequence
from rnainteract.models.crossval import cross_validate, read_split
from rnainteract.models.inputs import load_ppi_inputs

log = logging.getLogger(__name__)

PPI_COLUMNS = ["protein_a", "protein_b", "label"]


def read_table(path: str | os.PathLike, columns: Sequence[str]) -> pd.DataFrame:
    """A CSV or XLSX table with at least ``columns`` (all read as text).

    Raises:
        ValueError: a missing column (naming the file and the columns found).
        ImportError: an ``.xlsx`` file without openpyxl installed.
    """
    with open(path, "rb") as handle:
        xlsx = handle.read(4) == b"PK\x03\x04"
    table = (
        pd.read_excel(path, dtype=str)
        if xlsx
        else pd.read_csv(path, dtype=str, keep_default_na=False)
    )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: no column(s) {missing}; found {list(table.columns)}")
    return table


def read_ppi_pairs(
    positives: str | os.PathLike, negatives: str | os.PathLike, proteins: str | os.PathLike
) -> tuple[pd.DataFrame, dict[str, str], dict]:
    """Pairs and sequences of an ESM2_AMP PPI dataset.

    Returns:
        ``(pairs, sequences, stats)``: pairs ``protein_a, protein_b, label`` (int8); the
        sequences of the proteins in kept pairs; counts of rows read, pairs without a sequence
        (dropped), duplicate rows (collapsed; A–B and B–A are the same pair) and pairs listed
        with both labels (dropped).

    Raises:
        ValueError: a label other than the file's (1 in positives, 0 in negatives), naming the
            file and row; an empty sequence.
    """
    frames = []
    for path, expected in ((positives, "1"), (negatives, "0")):
        table = read_table(path, ["ProteinA", "ProteinB", "Label"])
        bad = table.index[table.Label.str.strip() != expected]
        if len(bad):
            row = table.loc[bad[0]]
            raise ValueError(
                f"{path}: row {bad[0] + 2} ({row.ProteinA}, {row.ProteinB}) has label "
                f"{row.Label!r}, expected {expected}"
            )
        frames.append(
            pd.DataFrame(
                {
                    "protein_a": table.ProteinA.str.strip(),
                    "protein_b": table.ProteinB.str.strip(),
                    "label": np.int8(int(expected)),
                }
            )
        )
    pairs = pd.concat(frames, ignore_index=True)
    stats = {"n_rows_read": len(pairs)}
    # an unordered pair: A-B and B-A are one
    a, b = pairs.protein_a.to_numpy(), pairs.protein_b.to_numpy()
    pairs["protein_a"], pairs["protein_b"] = np.where(a <= b, a, b), np.where(a <= b, b, a)
    before = len(pairs)
    pairs = pairs.drop_duplicates().reset_index(drop=True)
    stats["n_duplicate_rows"] = before - len(pairs)
    labels = pairs.groupby(["protein_a", "protein_b"]).label.transform("nunique")
    stats["n_label_conflicts"] = int((labels > 1).sum() // 2)
    pairs = pairs[labels == 1].reset_index(drop=True)
    table = read_table(proteins, ["Entry", "Sequence"])
    sequences = {}
    for entry, seq in zip(table.Entry.str.strip(), table.Sequence, strict=True):
        clean = normalize_sequence(seq, "protein", record=entry, source=str(proteins))
        if not clean:
            raise ValueError(f"{proteins}: protein {entry} has an empty sequence")
        sequences[entry] = clean
    known = pairs.protein_a.isin(sequences) & pairs.protein_b.isin(sequences)
    stats["n_missing_sequence"] = int((~known).sum())
    pairs = pairs[known].reset_index(drop=True)
    used = set(pairs.protein_a) | set(pairs.protein_b)
    stats.update(n_pairs=len(pairs), n_positive=int(pairs.label.sum()), n_proteins=len(used))
    return pairs[PPI_COLUMNS], {k: v for k, v in sequences.items() if k in used}, stats


def subsample(pairs: pd.DataFrame, max_pairs: int | None, seed: int) -> pd.DataFrame:
    """At most ``max_pairs`` pairs, the label shares kept (seeded); all with ``None``."""
    if max_pairs is None or len(pairs) <= max_pairs:
        return pairs.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    keep = []
    for _, part in pairs.groupby("label", sort=True):
        k = int(round(max_pairs * len(part) / len(pairs)))
        keep.append(rng.choice(part.index.to_numpy(), size=k, replace=False))
    return pairs.loc[np.sort(np.concatenate(keep))].reset_index(drop=True)


def build_ppi_dataset(
    positives: str | os.PathLike,
    negatives: str | os.PathLike,
    proteins: str | os.PathLike,
    *,
    max_pairs: int | None,
    n_folds: int,
    seed: int,
    out_pairs: str | os.PathLike,
    out_fasta: str | os.PathLike,
    out_split: str | os.PathLike,
    out_stats: str | os.PathLike,
) -> dict:
    """Rule ``ppi_dataset``: the pair table, the proteins' FASTA, a stratified random k-fold
    split (:func:`rnainteract.dataset.splits.make_split`, long format) and the counts (JSON)."""
    pairs, sequences, stats = read_ppi_pairs(positives, negatives, proteins)
    pairs = subsample(pairs, max_pairs, seed)
    used = sorted(set(pairs.protein_a) | set(pairs.protein_b))
    stats.update(
        max_pairs=max_pairs,
        n_pairs_kept=len(pairs),
        n_positive_kept=int(pairs.label.sum()),
        n_proteins_kept=len(used),
    )
    split = make_split(pairs, "random", n_folds=n_folds, seed=seed)
    write_parquet(pairs, out_pairs)
    write_fasta({k: sequences[k] for k in used}, out_fasta)
    write_parquet(split, out_split)
    write_json(stats, out_stats)
    log.info("PPI dataset: %s", stats)
    return stats


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
    (:func:`build_ppi_dataset`; the same estimators, trainer and prediction format as the
    RNA–protein models, partner A in the ``rna`` slot of
    :func:`rnainteract.models.inputs.load_ppi_inputs`)."""
    table = pd.read_parquet(pairs)
    inputs = load_ppi_inputs(table, fasta, views)
    X = np.arange(len(table), dtype=np.int64)[:, None]
    predictions = cross_validate(
        X,
        table.label.to_numpy(np.int8),
        read_split(split, len(table), pairs=pairs),
        kind=kind,
        params=params,
        seeds=seeds,
        threads=threads,
        inputs=inputs,
        folds=folds,
    )
    write_predictions(predictions, out, {"kind": kind, "pretrained": inputs.pretrained})
    return predictions
