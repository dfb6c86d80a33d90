"""The RBP multi-label task: reading AURA/EDCNN sequences, the label matrix, the task table.

MMFA (Han H et al., *J Cloud Comp* 13:54, 2024) predicts, for one RNA (a human UTR of AURA 2.5),
which of 67 RBPs bind it, plus a 68th label ``negative`` for RNAs bound by none.

Data (../shared/data/AURA_multilabel/PROVENANCE.md): the full AURA HT label matrix
(RNAcommender's ``interactions_HT.txt`` + ``utrs.fa``) is not public; :func:`read_rnacommender`
reads it when a user supplies it. The public part is EDCNN's RBP-47 per-RBP positive/negative
FASTA sets, of which 8 RBPs have positives; :func:`read_edcnn_sets` turns them into a reduced
multi-label task keyed by exact sequence identity (the files carry no UTR ids).

:func:`build_rbp_task` (rule ``rbp_task``) writes the task table (label matrix and a seeded
train/test partition) and the three compact views (:mod:`rnainteract.tasks.rbp.views`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from rnainteract.io.fasta import iter_fasta
from rnainteract.io.files import atomic_path, open_text, write_json, write_parquet
from rnainteract.io.sequences import SequenceError, normalize_sequence
from rnainteract.tasks.rbp.views import NEGATIVE_LABEL, encode_views

log = logging.getLogger(__name__)


def _read_fasta_records(path: str | os.PathLike) -> list[tuple[str, str]]:
    """``(first header word, sequence)`` of every record of an RNA FASTA file (plain or gzip),
    sequences upper-case with T→U (:func:`rnainteract.io.fasta.iter_fasta`, then
    :func:`rnainteract.io.sequences.normalize_sequence` with the ``error`` policy).

    Raises:
        SequenceError (a ValueError): no records, text before the first ``>``, an empty header
            or sequence, or letters outside ``ACGUN`` (after T→U), naming file and record.
    """
    return [
        (
            record.id,
            normalize_sequence(
                record.sequence, "rna", policy="error", record=record.id, source=path, hint=""
            ),
        )
        for record in iter_fasta(path)
    ]


def read_fasta_sequences(path: str | os.PathLike) -> list[str]:
    """Sequences of an RNA FASTA file (plain or gzip, detected by its magic bytes), in order.

    Read by :func:`_read_fasta_records`: upper-cased, ``T`` read as ``U``. Headers are ignored
    (EDCNN's are running integers).

    Returns:
        One ``str`` per record, letters ``ACGUN``.

    Raises:
        SequenceError (a ValueError): no records, text before the first ``>``, an empty header
            or sequence, or a letter outside ``ACGUN``, naming the file and the record id.
        FileNotFoundError: ``path`` does not exist.
    """
    return [seq for _, seq in _read_fasta_records(path)]


def _sample_negatives(
    negatives: Sequence[str],
    positive_sequences: set[str],
    *,
    n_negatives: int | None,
    seed: int,
) -> tuple[list[str], dict]:
    distinct = list(dict.fromkeys(negatives))
    available = [s for s in distinct if s not in positive_sequences]
    stats = {
        "negative_records": len(negatives),
        "negative_distinct": len(distinct),
        "negatives_also_positive": len(distinct) - len(available),
        "negatives_available": len(available),
    }
    if n_negatives is None:
        kept = available
    else:
        if n_negatives < 0:
            raise ValueError(f"n_negatives must be >= 0 or None, got {n_negatives}")
        if n_negatives > len(available):
            raise ValueError(
                f"n_negatives={n_negatives} but only {len(available)} distinct negative "
                "sequences are in no positive set; pass a smaller number or None (all)"
            )
        order = np.random.default_rng(seed).choice(len(available), size=n_negatives, replace=False)
        kept = [available[i] for i in order]
    stats["negatives_requested"] = n_negatives
    stats["negatives_kept"] = len(kept)
    return kept, stats


def _assemble(
    row_sequences: list[str],
    row_labels: list[set[int]],
    negatives_kept: list[str],
    names: list[str],
) -> tuple[list[str], np.ndarray, list[str], dict]:
    n_pos, n_labels = len(row_sequences), len(names) + 1
    labels = np.zeros((n_pos + len(negatives_kept), n_labels), dtype=np.int8)
    for i, held in enumerate(row_labels):
        labels[i, sorted(held)] = 1
    labels[n_pos:, -1] = 1
    label_names = [*names, NEGATIVE_LABEL]
    cardinality = labels[:n_pos, :-1].sum(axis=1)
    values, freq = np.unique(cardinality, return_counts=True)
    stats = {
        "n_rows": int(labels.shape[0]),
        "n_labels": n_labels,
        "positive_rows": n_pos,
        "label_counts": {
            name: int(c) for name, c in zip(label_names, labels.sum(axis=0), strict=True)
        },
        "cardinality_histogram": {int(v): int(f) for v, f in zip(values, freq, strict=True)},
    }
    return [*row_sequences, *negatives_kept], labels, label_names, stats


def _check_names(names: Sequence[str], *, source: str) -> None:
    if NEGATIVE_LABEL in names:
        raise ValueError(f"{source}: a positive label is named {NEGATIVE_LABEL!r}, reserved")


def build_multilabel_from_sets(
    positives: Mapping[str, Sequence[str]],
    negatives: Sequence[str],
    *,
    n_negatives: int | None = None,
    seed: int = 0,
) -> tuple[list[str], np.ndarray, list[str], dict]:
    """Multi-label matrix from per-label positive sequence sets, keyed by exact sequence.

    The reduced real task of EDCNN's per-RBP sets (module docstring): each distinct sequence
    (exact string identity; normalize case and T→U first, as :func:`read_fasta_sequences` does)
    of any positive set is one row with a 1 for every set holding it. The negative class is a
    seeded random sample of the distinct ``negatives`` that are in no positive set; a negative
    that is also a positive stays a positive only and is counted in
    ``stats["negatives_also_positive"]``.

    Args:
        positives: label name → sequences, in label order; no name may be ``"negative"``.
        negatives: candidate negative-class sequences (duplicates allowed).
        n_negatives: number of negative rows to sample (``None``: all available).
        seed: seed of the negative sample (``numpy.random.default_rng``).

    Returns:
        ``(sequences, labels, label_names, stats)``: ``sequences`` lists the positive rows in
        first-appearance order (over the sets in order), then the negatives in sample order;
        ``labels`` is ``(n, L + 1)`` int8 with :data:`NEGATIVE_LABEL` last; ``stats`` holds
        ``label_counts`` (rows per label), ``cardinality_histogram`` (positive rows by their
        number of labels), ``positive_records``, ``positive_rows``,
        ``duplicates_collapsed`` (records − rows), ``duplicates_within_sets``,
        ``negative_records``, ``negative_distinct``, ``negatives_also_positive``,
        ``negatives_available``, ``negatives_requested``, ``negatives_kept``.

    Raises:
        ValueError: a label named ``"negative"``, ``n_negatives`` negative or larger than the
            number of available negatives.
    """
    names = list(positives)
    _check_names(names, source="positives")
    rows: dict[str, set[int]] = {}
    records = within = 0
    for j, name in enumerate(names):
        members = positives[name]
        records += len(members)
        within += len(members) - len(set(members))
        for seq in members:
            rows.setdefault(seq, set()).add(j)
    kept, negative_stats = _sample_negatives(
        negatives, set(rows), n_negatives=n_negatives, seed=seed
    )
    sequences, labels, label_names, stats = _assemble(list(rows), list(rows.values()), kept, names)
    stats.update(
        positive_records=records,
        duplicates_collapsed=records - len(rows),
        duplicates_within_sets=within,
        **negative_stats,
    )
    return sequences, labels, label_names, stats


def _resolve_n_negatives(n_negatives: int | str | None, label_counts: Sequence[int]) -> int | None:
    if n_negatives == "max_label":
        return max(label_counts, default=0)
    if n_negatives is None or (isinstance(n_negatives, int) and not isinstance(n_negatives, bool)):
        return n_negatives
    raise ValueError(f"n_negatives must be 'max_label', an int or None, got {n_negatives!r}")


def read_edcnn_sets(
    root: str | os.PathLike,
    rbps: Sequence[str],
    *,
    n_negatives: int | str | None = "max_label",
    seed: int = 0,
) -> tuple[list[str], np.ndarray, list[str], dict]:
    """The reduced multi-label task from EDCNN's RBP-47 sets (PROVENANCE.md, part 3).

    Reads ``root/<RBP>/positive.fa.gz`` for each RBP in ``rbps`` (label order) and every
    ``root/*/negative.fa.gz`` present (all RBP folders, sorted by name; every EDCNN negative is
    drawn from UTRs bound by none of the 67 RBPs), then calls
    :func:`build_multilabel_from_sets`.

    Args:
        root: the ``EDCNN_RBP47_partial`` folder.
        rbps: RBP folder names, in label order.
        n_negatives: ``"max_label"`` (as many negatives as the most frequent positive label,
            counted in distinct sequences: iDeepM and MMFA give the negative class the size of
            the largest class, AGO1), an int, or ``None`` (all available).
        seed: seed of the negative sample.

    Returns:
        As :func:`build_multilabel_from_sets`; ``stats["negative_files"]`` lists the negative
        files read.

    Raises:
        FileNotFoundError: a missing positive file (named).
        ValueError: as :func:`build_multilabel_from_sets`, or a bad ``n_negatives``.
        SequenceError: a malformed FASTA file (named with its record).
    """
    root = Path(root)
    positives = {}
    for rbp in rbps:
        path = root / rbp / "positive.fa.gz"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: positive set of RBP {rbp!r} not found")
        positives[rbp] = read_fasta_sequences(path)
    negative_files = sorted(root.glob("*/negative.fa.gz"))
    if not negative_files:
        log.warning("%s: no */negative.fa.gz found; the negative class is empty", root)
    negatives = [seq for path in negative_files for seq in read_fasta_sequences(path)]
    distinct_counts = [len(set(members)) for members in positives.values()]
    target = _resolve_n_negatives(n_negatives, distinct_counts)
    sequences, labels, names, stats = build_multilabel_from_sets(
        positives, negatives, n_negatives=target, seed=seed
    )
    stats["negative_files"] = [str(p) for p in negative_files]
    log.info(
        "%s: %d positive rows over %d RBPs, %d negatives kept of %d available",
        root,
        stats["positive_rows"],
        len(rbps),
        stats["negatives_kept"],
        stats["negatives_available"],
    )
    return sequences, labels, names, stats


def read_rnacommender(
    interactions: str | os.PathLike,
    utrs_fasta: str | os.PathLike,
    negatives_fasta: str | os.PathLike | None = None,
    *,
    n_negatives: int | str | None = "max_label",
    seed: int = 0,
) -> tuple[list[str], np.ndarray, list[str], dict]:
    """The full AURA HT multi-label task from RNAcommender's files, when a user has them.

    Rows are grouped by **UTR id** (not by sequence, unlike :func:`build_multilabel_from_sets`):
    the ids exist here, and two isoforms with the same UTR sequence keep their own label sets
    (``stats["rows_sharing_a_sequence"]`` counts such rows).

    Args:
        interactions: ``interactions_HT.txt``: whitespace-separated lines ``<RBP> <UTR id> …``
            (extra columns ignored, blank lines skipped). Labels are the RBPs in order of first
            appearance; rows the UTR ids in order of first appearance.
        utrs_fasta: ``utrs.fa``; a header's first word is the UTR id (plain or gzip).
        negatives_fasta: AURA UTR sequences (``UTR_hg19.fasta``) from which the negative class
            is drawn: distinct sequences whose id is not a bound UTR and whose sequence equals
            no bound UTR's sequence. ``None``: the negative column is kept, all zeros.
        n_negatives: ``"max_label"`` (as many as the most frequent RBP, AGO1 = 31,964 in AURA
            HT, as iDeepM/MMFA), an int, or ``None`` (all available).
        seed: seed of the negative sample.

    Returns:
        As :func:`build_multilabel_from_sets`: bound UTRs first (first-appearance order), then
        the sampled negatives. ``stats`` also holds ``interaction_lines``,
        ``duplicate_interactions`` (repeated RBP–UTR lines, collapsed), ``missing_utrs`` (UTR
        ids absent from ``utrs_fasta``, skipped with a warning), ``missing_utr_interactions``,
        ``negatives_bound_by_id`` and ``rows_sharing_a_sequence``.

    Raises:
        ValueError: a non-blank line with fewer than 2 fields (naming file and line), an RBP
            named ``"negative"``, duplicate ids in ``utrs_fasta``, no interactions, or a bad
            ``n_negatives``.
        SequenceError: a malformed FASTA file (named with its record).
    """
    source = os.fspath(interactions)
    rbp_index: dict[str, int] = {}
    utr_labels: dict[str, set[int]] = {}
    lines = duplicates = 0
    with open_text(interactions) as handle:
        for number, text in enumerate(handle, start=1):
            fields = text.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise ValueError(
                    f"{source}: line {number}: expected '<RBP> <UTR id> ...', got {text.strip()!r}"
                )
            rbp, utr = fields[0], fields[1]
            lines += 1
            j = rbp_index.setdefault(rbp, len(rbp_index))
            held = utr_labels.setdefault(utr, set())
            if j in held:
                duplicates += 1
            held.add(j)
    if not rbp_index:
        raise ValueError(f"{source}: no interactions")
    names = list(rbp_index)
    _check_names(names, source=source)

    utrs: dict[str, str] = {}
    for rid, seq in _read_fasta_records(utrs_fasta):
        if rid in utrs:
            raise SequenceError(f"{os.fspath(utrs_fasta)}: duplicate UTR id {rid!r}")
        utrs[rid] = seq
    missing = [utr for utr in utr_labels if utr not in utrs]
    if missing:
        log.warning(
            "%s: %d UTR ids of %s are absent and skipped (first: %s)",
            os.fspath(utrs_fasta),
            len(missing),
            source,
            ", ".join(missing[:5]),
        )
    present = [utr for utr in utr_labels if utr in utrs]
    row_sequences = [utrs[utr] for utr in present]
    row_labels = [utr_labels[utr] for utr in present]

    label_counts = [0] * len(names)
    for held in row_labels:
        for j in held:
            label_counts[j] += 1
    if negatives_fasta is None:
        kept: list[str] = []
        negative_stats = {"negatives_bound_by_id": 0, "negatives_available": 0}
        negative_stats.update(negatives_requested=None, negatives_kept=0)
    else:
        bound_ids = set(utr_labels)
        candidates = _read_fasta_records(negatives_fasta)
        unbound = [seq for rid, seq in candidates if rid not in bound_ids]
        target = _resolve_n_negatives(n_negatives, label_counts)
        kept, negative_stats = _sample_negatives(
            unbound, set(row_sequences), n_negatives=target, seed=seed
        )
        negative_stats["negatives_bound_by_id"] = len(candidates) - len(unbound)

    sequences, labels, label_names, stats = _assemble(row_sequences, row_labels, kept, names)
    stats.update(
        interaction_lines=lines,
        duplicate_interactions=duplicates,
        missing_utrs=len(missing),
        missing_utr_interactions=sum(len(utr_labels[utr]) for utr in missing),
        rows_sharing_a_sequence=len(row_sequences) - len(set(row_sequences)),
        **negative_stats,
    )
    return sequences, labels, label_names, stats


def build_rbp_task(
    out_labels: str | os.PathLike,
    out_views: str | os.PathLike,
    stats_out: str | os.PathLike,
    *,
    parser: str,
    inputs: Mapping[str, object],
    n_negatives: int | str | None = "max_label",
    max_rnas: int | None = None,
    test_fraction: float = 0.2,
    seed: int = 42,
) -> pd.DataFrame:
    """The multi-label task: label matrix, train/test partition and the three views.

    Args:
        parser: ``edcnn_sets`` (``inputs``: ``positives`` label → FASTA path, ``negatives``
            list of FASTA paths; the reduced real task, labels by exact sequence identity) or
            ``rnacommender`` (``inputs``: ``interactions``, ``utrs``, optional ``negatives``
            FASTA of AURA UTRs; the full 67-RBP task).
        n_negatives: size of the negative class: ``max_label`` (as many as the most frequent
            RBP, as iDeepM and MMFA give it AGO1's size), an int, or ``None`` (all).
        max_rnas: seeded random subsample of the RNAs (the main job's budget; ``None``: all).

    Writes:
        ``out_labels``: ``rna_index sequence partition label_<name>...`` (int8 labels);
        ``out_views``: ``.npz`` with ``rna``, ``amino``, ``dipeptide``; ``stats_out``: JSON.

    Raises:
        ValueError: an unknown parser.
    """
    if parser == "edcnn_sets":
        positives = {name: read_fasta_sequences(path) for name, path in inputs["positives"].items()}
        negatives = [s for path in inputs["negatives"] for s in read_fasta_sequences(path)]
        if n_negatives == "max_label":
            n_negatives = max(len(set(seqs)) for seqs in positives.values())
        sequences, labels, names, stats = build_multilabel_from_sets(
            positives, negatives, n_negatives=n_negatives, seed=seed
        )
    elif parser == "rnacommender":
        sequences, labels, names, stats = read_rnacommender(
            inputs["interactions"],
            inputs["utrs"],
            inputs.get("negatives"),
            n_negatives=n_negatives,
            seed=seed,
        )
    else:
        raise ValueError(f"RBP task parser must be edcnn_sets or rnacommender, got {parser!r}")
    rng = np.random.default_rng(seed)
    keep = np.arange(len(sequences))
    if max_rnas is not None and len(keep) > max_rnas:
        keep = np.sort(rng.choice(keep, size=max_rnas, replace=False))
        log.info("subsampled %d of %d RNAs (max_rnas)", max_rnas, len(sequences))
    sequences = [sequences[i] for i in keep]
    labels = labels[keep]
    test = np.zeros(len(keep), dtype=bool)
    test[rng.choice(len(keep), size=int(round(test_fraction * len(keep))), replace=False)] = True
    table = pd.DataFrame({"rna_index": np.arange(len(keep)), "sequence": sequences})
    table["partition"] = np.where(test, "test", "train")
    for j, name in enumerate(names):
        table[f"label_{name}"] = labels[:, j].astype(np.int8)
    views = encode_views(sequences)
    stats = {
        **stats,
        "labels": list(names),
        "n_rnas": int(len(keep)),
        "n_train": int((~test).sum()),
        "n_test": int(test.sum()),
        "max_rnas": max_rnas,
        "n_truncated_over_2700_nt": int(sum(len(s) > 2700 for s in sequences)),
        "label_counts_kept": {n: int(labels[:, j].sum()) for j, n in enumerate(names)},
    }
    write_parquet(table, out_labels)
    with atomic_path(out_views) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **views)
    write_json(stats, stats_out)
    return table


def read_task(labels: str | os.PathLike) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """``(table, label names, (n, L) int8 label matrix)`` of a :func:`build_rbp_task` table."""
    table = pd.read_parquet(labels)
    columns = [c for c in table.columns if c.startswith("label_")]
    return table, [c.removeprefix("label_") for c in columns], table[columns].to_numpy()
