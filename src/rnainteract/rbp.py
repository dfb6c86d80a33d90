"""RNA → RBP multi-label data of the MMFA branch: the three RNA views, the label matrix, metrics.

MMFA (Han H et al., "RNA-RBP interactions recognition using multi-label learning and feature
attention allocation", *J Cloud Comp* 13:54, 2024;
../shared/seeds/mmfa_multilabel_rna_rbp_paper.txt) predicts, for one RNA (a human UTR of
AURA 2.5), which of 67 RBPs bind it, plus a 68th label ``negative`` for RNAs bound by none.
Each RNA is seen in three views ("Methodology", Fig. 3):

1. **RNA one-hot** (Fig. 3A): the sequence cut to its first ``n_m = 2700`` nt, padded with the
   base ``B`` to 2700, and flanked by 5 ``B`` on each side ("5 additional base B were added to
   both the start and end"), so a ``4 × 2710`` matrix; A, C, G, U are the unit vectors in that
   order and ``B`` is ``(0.25, 0.25, 0.25, 0.25)``. :func:`rna_tokens`, :func:`one_hot_rna`.
2. **Codon (amino-acid) view** (Fig. 3B): the padded 2710-nt sequence translated in the three
   forward frames (from base 0, 1 and 2), the three translations concatenated ("an amino acid
   sequence of length n") and one-hot encoded in the order ``ACDEFGHIKLMNPQRSTVWY``; codons
   holding a ``B`` and stop codons are the letter ``O``, encoded as ``0.05`` in all 20 rows.
   The frames give 903 + 903 + 902 = 2708 codons, padded with 2 ``O`` to the paper's
   ``20 × 2710``. :func:`amino_tokens`, :func:`one_hot_amino`.
3. **Dipeptide histogram** (Fig. 3C): the counts of the 0-gap dipeptides (adjacent pairs) of
   the concatenated amino-acid sequence over the 21-letter alphabet ``ACDEFGHIKLMNPQRSTVWY`` +
   ``O`` without ``OO`` (21 × 21 − 1 = 440), each count drawn as a column of a ``30 × 440``
   0/1 histogram. :func:`dipeptide_counts`, :func:`dipeptide_histogram`.

Choices where the paper is silent or loose (each also in the function's docstring):

* the padding ``B`` goes *after* the sequence (the paper only says "padded"); ``N`` is read as
  ``B``; the real bases sit at positions 5 .. 5 + len − 1;
* the frames are read on the *padded* 2710-nt sequence (so the flanking ``B`` give ``O``),
  which is what makes the paper's ``20 × 2710`` come out. As the RNA starts at padded position
  5 (≡ 2 mod 3), padded frame 0 is the paper's approach (2) (skip the first base), frame 1 its
  approach (3) (skip two) and frame 2 its approach (1) (from the first base); the set of
  translations is the paper's, only their order along the concatenation is rotated. With this
  layout the pairs across the two frame junctions are always ``OO`` (the first and last codon of
  every frame hold only ``B``), so the concatenation adds no spurious dipeptide;
* counts above the histogram depth (30) saturate: a column has ``min(count, 30)`` ones;
* the paper writes the histogram both as ``440 × 30`` and ``30 × 440``; here the depth is the
  first axis, so a ``Conv1d`` reads 30 channels over 440 positions.

Data (../shared/data/AURA_multilabel/PROVENANCE.md): the full AURA HT label matrix
(RNAcommender's ``interactions_HT.txt`` + ``utrs.fa``) is not public; :func:`read_rnacommender`
reads it when a user supplies it. The public part is EDCNN's RBP-47 per-RBP positive/negative
FASTA sets, of which 8 RBPs have positives; :func:`read_edcnn_sets` turns them into a reduced
multi-label task keyed by exact sequence identity (the files carry no UTR ids).

Metrics (paper, "Evaluation metrics"): weighted AUC, weighted F1, exact match and the paper's
"One Error", which by its formula is ``1 − exact match``; the standard multi-label one-error is
reported beside it (:func:`multilabel_metrics`).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from Bio.SeqIO.FastaIO import SimpleFastaParser
from sklearn import metrics as skm

from rnainteract.sequences import SequenceError

log = logging.getLogger(__name__)

RNA_MAX_LENGTH = 2700
"""``n_m``: RNAs are cut to their first 2700 nt (MMFA, "The generation of multi-view deep
features": "the max length of the RNA sequence n_m is set to 2700")."""
FLANK = 5
"""Padding bases ``B`` added before and after the 2700 positions (MMFA, same section)."""
ENCODED_LENGTH = RNA_MAX_LENGTH + 2 * FLANK
"""2710 positions of the RNA and amino-acid matrices (MMFA: ``4 × 2710`` and ``20 × 2710``)."""
RNA_ORDER = "ACGU"
"""Rows of the RNA one-hot matrix (MMFA, "The representation of the RNA sequence")."""
AMINO_ORDER = "ACDEFGHIKLMNPQRSTVWY"
"""Rows of the amino-acid one-hot matrix (MMFA, Fig. 3B and text: A row 1, C row 2, G row 6,
I row 8)."""
PAD_BASE = 4
"""Token of the padding base ``B`` (also used for ``N``)."""
PAD_AMINO = 20
"""Token of the untranslatable letter ``O`` (a codon with ``B`` or a stop codon)."""
DIPEPTIDES: tuple[str, ...] = tuple(
    a + b for a in AMINO_ORDER + "O" for b in AMINO_ORDER + "O" if a + b != "OO"
)
"""The 440 dipeptides over ``AMINO_ORDER + "O"``, row-major (``AA, AC, …, AO, CA, …, YO, OA, …,
OY``) without ``OO`` (MMFA, "The representation of the dipeptide component": 21 × 21 minus the
meaningless ``OO``). The dipeptide of amino tokens ``(i, j)`` has index ``21 * i + j``."""
HISTOGRAM_DEPTH = 30
"""Rows of the dipeptide histogram (MMFA: "a 440 × 30 dipeptide histogram" / "30 × 440")."""
NEGATIVE_LABEL = "negative"
"""Name of the extra label of RNAs bound by no RBP (MMFA, "The RNA-RBP interactions data";
iDeepM)."""

_BASES_TCAG = "UCAG"
_NCBI_TABLE_1 = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
GENETIC_CODE: dict[str, str | None] = {
    a + b + c: (None if aa == "*" else aa)
    for (a, b, c), aa in zip(
        ((a, b, c) for a in _BASES_TCAG for b in _BASES_TCAG for c in _BASES_TCAG),
        _NCBI_TABLE_1,
        strict=True,
    )
}
"""The standard genetic code, RNA codon → one-letter amino acid, stop codons (UAA, UAG, UGA)
→ ``None`` (NCBI translation table 1, ``AAs`` string in TCAG order)."""

_N_DIPEPTIDE_CELLS = (PAD_AMINO + 1) ** 2  # 441; the last cell (20, 20) is "OO"

# letter (byte) -> RNA token; 255 marks a letter that is not allowed
_RNA_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _code, _letters in enumerate(("Aa", "Cc", "Gg", "UuTt")):
    for _letter in _letters:
        _RNA_LOOKUP[ord(_letter)] = _code
for _letter in "Nn":
    _RNA_LOOKUP[ord(_letter)] = PAD_BASE

# codon index 16*b1 + 4*b2 + b3 (tokens 0..3 in ACGU order) -> amino token; stop -> O
_CODON_LOOKUP = np.array(
    [
        PAD_AMINO if GENETIC_CODE[a + b + c] is None else AMINO_ORDER.index(GENETIC_CODE[a + b + c])
        for a in RNA_ORDER
        for b in RNA_ORDER
        for c in RNA_ORDER
    ],
    dtype=np.uint8,
)

_RNA_ONE_HOT = np.zeros((PAD_BASE + 1, len(RNA_ORDER)), dtype=np.float32)
_RNA_ONE_HOT[:PAD_BASE] = np.eye(len(RNA_ORDER), dtype=np.float32)
_RNA_ONE_HOT[PAD_BASE] = 0.25
_AMINO_ONE_HOT = np.zeros((PAD_AMINO + 1, len(AMINO_ORDER)), dtype=np.float32)
_AMINO_ONE_HOT[:PAD_AMINO] = np.eye(len(AMINO_ORDER), dtype=np.float32)
_AMINO_ONE_HOT[PAD_AMINO] = 0.05

_FASTA_BAD = re.compile(r"[^ACGUN]")
_GZIP_MAGIC = b"\x1f\x8b"


# --------------------------------------------------------------------------------------------
# view 1: RNA tokens and one-hot


def rna_tokens(sequence: str) -> np.ndarray:
    """Token vector of one RNA in MMFA's padded layout (Fig. 3A; module docstring).

    Layout: ``FLANK`` (5) ``B``, the sequence cut to its first ``RNA_MAX_LENGTH`` (2700) nt,
    ``B`` up to 2700 positions, then 5 more ``B``: the real bases sit at positions
    ``5 .. 5 + min(len, 2700) − 1``.

    Args:
        sequence: letters ``ACGU``, ``T`` (read as ``U``) or ``N`` (unknown, encoded as ``B``),
            upper or lower case. An empty sequence gives all ``B``.

    Returns:
        ``(2710,)`` uint8, codes A 0, C 1, G 2, U 3, ``B`` 4 (:data:`PAD_BASE`).

    Raises:
        ValueError: any other letter, naming the letter and its 1-based position (the whole
            sequence is checked, also past 2700 nt).
    """
    raw = np.frombuffer(sequence.encode("ascii", errors="replace"), dtype=np.uint8)
    codes = _RNA_LOOKUP[raw]
    bad = np.flatnonzero(codes == 255)
    if bad.size:
        where = int(bad[0])
        raise ValueError(
            f"RNA letter {sequence[where]!r} at position {where + 1} (1-based) is not allowed; "
            "allowed: ACGU, T (read as U) and N, either case"
        )
    out = np.full(ENCODED_LENGTH, PAD_BASE, dtype=np.uint8)
    kept = codes[:RNA_MAX_LENGTH]
    out[FLANK : FLANK + kept.size] = kept
    return out


def _check_tokens(tokens: np.ndarray, *, top: int, what: str) -> np.ndarray:
    tokens = np.asarray(tokens)
    if tokens.ndim not in (1, 2):
        raise ValueError(f"{what} must be 1-D or 2-D, got shape {tokens.shape}")
    if not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"{what} must be integers, got dtype {tokens.dtype}")
    if tokens.size and (tokens.min() < 0 or tokens.max() > top):
        raise ValueError(
            f"{what} must lie in 0..{top}, got values {int(tokens.min())}..{int(tokens.max())}"
        )
    return tokens


def one_hot_rna(tokens: np.ndarray) -> np.ndarray:
    """One-hot matrix of RNA tokens, ``B`` as 0.25 in all four rows (MMFA, Fig. 3A).

    Args:
        tokens: ``(L,)`` or ``(n, L)`` integer codes 0..4 (:func:`rna_tokens`; ``L`` = 2710).

    Returns:
        ``(4, L)`` or ``(n, 4, L)`` float32, rows in :data:`RNA_ORDER` (A, C, G, U). About
        43 kB per RNA: encode per batch, not the whole data set at once.

    Raises:
        ValueError: not 1-D/2-D, not integer, or a code outside 0..4.
    """
    tokens = _check_tokens(tokens, top=PAD_BASE, what="RNA tokens")
    return np.ascontiguousarray(np.moveaxis(_RNA_ONE_HOT[tokens], -1, -2))


# --------------------------------------------------------------------------------------------
# view 2: codons


def amino_tokens_batch(tokens: np.ndarray) -> np.ndarray:
    """Codon view of a batch of RNA token vectors (:func:`amino_tokens`, vectorized).

    Args:
        tokens: ``(n, L)`` RNA codes 0..4 (``L`` = 2710 for :func:`rna_tokens` output).

    Returns:
        ``(n, L)`` uint8 amino codes: 0..19 in :data:`AMINO_ORDER`, 20 (:data:`PAD_AMINO`) for
        ``O``.

    Raises:
        ValueError: not 2-D, not integer, or a code outside 0..4.
    """
    tokens = _check_tokens(tokens, top=PAD_BASE, what="RNA tokens")
    if tokens.ndim != 2:
        raise ValueError(f"amino_tokens_batch needs (n, L) tokens, got shape {tokens.shape}")
    n, length = tokens.shape
    out = np.full((n, length), PAD_AMINO, dtype=np.uint8)
    start = 0
    for frame in range(3):
        k = max(0, (length - frame) // 3)
        if k == 0:
            continue
        codons = tokens[:, frame : frame + 3 * k].reshape(n, k, 3).astype(np.intp)
        has_pad = (codons == PAD_BASE).any(axis=2)
        index = np.where(has_pad, 0, codons[:, :, 0] * 16 + codons[:, :, 1] * 4 + codons[:, :, 2])
        amino = _CODON_LOOKUP[index]
        amino[has_pad] = PAD_AMINO
        out[:, start : start + k] = amino
        start += k
    return out


def amino_tokens(tokens: np.ndarray) -> np.ndarray:
    """Codon (amino-acid) view of an RNA token vector (MMFA, "The representation of the amino
    acid sequence", Fig. 3B).

    The *padded* token vector (with its flanking ``B``) is translated in three frames, codons
    starting at ``0, 3, 6, …`` (frame 0), ``1, 4, …`` (frame 1) and ``2, 5, …`` (frame 2),
    complete codons only, with the standard genetic code (:data:`GENETIC_CODE`). A codon that
    holds a ``B`` (padding or ``N``) or is a stop codon is ``O``. The three translations are
    concatenated (frame 0, 1, 2) and padded with ``O`` to ``L``: for ``L`` = 2710 the frames
    fill positions 0–902, 903–1805 and 1806–2707, and positions 2708–2709 are ``O``. The RNA's
    first base sits at padded position 5, so its own reading frame from the first base (the
    paper's approach 1) is padded frame 2, at positions 1807, 1808, ….

    Args:
        tokens: ``(L,)`` or ``(n, L)`` RNA codes 0..4 (:func:`rna_tokens`).

    Returns:
        Same shape, uint8 amino codes 0..19 in :data:`AMINO_ORDER`, 20 (:data:`PAD_AMINO`) for
        ``O``.

    Raises:
        ValueError: not 1-D/2-D, not integer, or a code outside 0..4.
    """
    tokens = _check_tokens(tokens, top=PAD_BASE, what="RNA tokens")
    if tokens.ndim == 1:
        return amino_tokens_batch(tokens[None, :])[0]
    return amino_tokens_batch(tokens)


def one_hot_amino(amino: np.ndarray) -> np.ndarray:
    """One-hot matrix of amino codes, ``O`` as 0.05 in all 20 rows (MMFA, Fig. 3B).

    Args:
        amino: ``(L,)`` or ``(n, L)`` codes 0..20 (:func:`amino_tokens`).

    Returns:
        ``(20, L)`` or ``(n, 20, L)`` float32, rows in :data:`AMINO_ORDER`. About 217 kB per
        RNA: encode per batch.

    Raises:
        ValueError: not 1-D/2-D, not integer, or a code outside 0..20.
    """
    amino = _check_tokens(amino, top=PAD_AMINO, what="amino codes")
    return np.ascontiguousarray(np.moveaxis(_AMINO_ONE_HOT[amino], -1, -2))


# --------------------------------------------------------------------------------------------
# view 3: dipeptides


def dipeptide_counts(amino: np.ndarray) -> np.ndarray:
    """Counts of the 0-gap dipeptides of amino-code sequences (MMFA, Fig. 3C).

    Every adjacent pair ``(amino[i], amino[i + 1])`` of the concatenated sequence is counted
    (pairs with one ``O`` included); ``OO`` pairs are not.

    Args:
        amino: ``(L,)`` or ``(n, L)`` codes 0..20 (:func:`amino_tokens`).

    Returns:
        ``(440,)`` or ``(n, 440)`` int32 in :data:`DIPEPTIDES` order.

    Raises:
        ValueError: not 1-D/2-D, not integer, or a code outside 0..20.
    """
    amino = _check_tokens(amino, top=PAD_AMINO, what="amino codes")
    batch = amino[None, :] if amino.ndim == 1 else amino
    n = batch.shape[0]
    pair = batch[:, :-1].astype(np.intp) * (PAD_AMINO + 1) + batch[:, 1:]
    pair += np.arange(n, dtype=np.intp)[:, None] * _N_DIPEPTIDE_CELLS
    counts = np.bincount(pair.ravel(), minlength=n * _N_DIPEPTIDE_CELLS)
    counts = counts.reshape(n, _N_DIPEPTIDE_CELLS)[:, : len(DIPEPTIDES)].astype(np.int32)
    return counts[0] if amino.ndim == 1 else counts


def dipeptide_histogram(counts: np.ndarray, depth: int = HISTOGRAM_DEPTH) -> np.ndarray:
    """0/1 histogram of dipeptide counts (MMFA, Fig. 3C).

    Column ``j`` (dipeptide ``DIPEPTIDES[j]``) has ones in its first ``min(counts[j], depth)``
    rows ("AA appears 5 times, signifying that the top five elements in [its column] are set to
    1"); counts above ``depth`` saturate. The paper writes the matrix both as ``440 × 30`` and
    ``30 × 440``; here the depth is the first (channel) axis, so a ``Conv1d`` reads 30 channels
    over the 440 dipeptide positions.

    Args:
        counts: ``(440,)`` or ``(n, 440)`` non-negative integers (:func:`dipeptide_counts`).
        depth: rows of the histogram (30, :data:`HISTOGRAM_DEPTH`).

    Returns:
        ``(depth, 440)`` or ``(n, depth, 440)`` float32 of 0 and 1.

    Raises:
        ValueError: not 1-D/2-D, not 440 columns, negative counts or ``depth < 1``.
    """
    counts = np.asarray(counts)
    if counts.ndim not in (1, 2) or counts.shape[-1] != len(DIPEPTIDES):
        raise ValueError(f"counts must be (440,) or (n, 440), got shape {counts.shape}")
    if counts.size and counts.min() < 0:
        raise ValueError(f"counts must be non-negative, got minimum {counts.min()}")
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    rows = np.arange(depth).reshape(depth, 1)
    return (rows < counts[..., None, :]).astype(np.float32)


# --------------------------------------------------------------------------------------------
# reading sequences and building the label matrix


def _open_text(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rt")
    return open(path)


def _read_fasta_records(path: str | os.PathLike) -> list[tuple[str, str]]:
    """``(first header word, sequence)`` of every record, sequences upper-case with T→U.

    Raises:
        SequenceError (a ValueError): no records, text before the first ``>``, an empty header
            or sequence, or letters outside ``ACGUN`` (after T→U), naming file and record.
    """
    path = Path(path)
    records = []
    with _open_text(path) as handle:
        first = ""
        for line in handle:
            if line.strip():
                first = line.strip()
                break
        if not first:
            raise SequenceError(f"{path}: empty FASTA file (no records)")
        if not first.startswith(">"):
            raise SequenceError(
                f"{path}: not FASTA: first non-empty line {first[:40]!r} does not start with '>'"
            )
        handle.seek(0)
        for number, (title, raw) in enumerate(SimpleFastaParser(handle), start=1):
            words = title.split()
            if not words:
                raise SequenceError(f"{path}: record #{number} has an empty header")
            seq = raw.upper().replace("T", "U")
            if not seq:
                raise SequenceError(f"{path}: record {words[0]!r} has an empty sequence")
            bad = _FASTA_BAD.search(seq)
            if bad:
                raise SequenceError(
                    f"{path}: record {words[0]!r} contains {bad.group()!r} at position "
                    f"{bad.start() + 1}; allowed: ACGU, T (read as U) and N"
                )
            records.append((words[0], seq))
    return records


def read_fasta_sequences(path: str | os.PathLike) -> list[str]:
    """Sequences of an RNA FASTA file (plain or gzip, detected by its magic bytes), in order.

    Parsed with Biopython's ``SimpleFastaParser``; sequences are upper-cased and ``T`` is read
    as ``U``. Headers are ignored (EDCNN's are running integers).

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
    with _open_text(Path(interactions)) as handle:
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


# --------------------------------------------------------------------------------------------
# metrics


def multilabel_metrics(y_true: np.ndarray, scores: np.ndarray, *, threshold: float = 0.5) -> dict:
    """Multi-label metrics of MMFA ("Evaluation metrics") and the standard one-error.

    Args:
        y_true: ``(n, L)`` 0/1 truth.
        scores: ``(n, L)`` probabilities; a label is predicted when ``score >= threshold``
            (the paper's Eq. 9 uses ``score − thres > 0``; the two differ only at equality).
        threshold: decision threshold.

    Returns:
        ``weighted_auc``: ``sklearn.metrics.roc_auc_score(average="weighted")`` (per-label AUC
        weighted by the label's number of positives) over the labels with both classes in
        ``y_true``; the others are listed by index in ``auc_skipped_labels`` (NaN when none is
        left). ``per_label_auc``: list of L floats, NaN where skipped. ``micro_auc``: AUC of
        all (sample, label) cells pooled (NaN without both classes). ``weighted_f1``:
        ``f1_score(average="weighted", zero_division=0)``. ``exact_match``: share of samples
        whose L predictions all equal the truth (subset accuracy; the paper's "Exact Match
        Rate"). ``one_error_paper``: the paper's "One Error", whose formula (a sample counts
        when *at least one label is predicted incorrectly*) is ``1 − exact_match``.
        ``one_error``: the standard multi-label one-error (Schapire & Singer 2000; Zhang &
        Zhou 2014): share of samples whose top-scored label (first index on ties) is not a
        true label; a sample without true labels counts as an error. ``hamming_loss``: share
        of wrong (sample, label) cells. ``threshold``, ``n_samples``, ``n_labels``.

    Raises:
        ValueError: shapes differ or are not 2-D, no samples, ``y_true`` not 0/1, or
            non-finite scores.
    """
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if y_true.ndim != 2 or y_true.shape != scores.shape:
        raise ValueError(
            f"y_true and scores must both be (n, L); got {y_true.shape} and {scores.shape}"
        )
    if y_true.shape[0] == 0 or y_true.shape[1] == 0:
        raise ValueError(f"no samples or no labels: shape {y_true.shape}")
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must hold only 0 and 1")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    y_true = y_true.astype(np.int8)
    n, n_labels = y_true.shape
    positives = y_true.sum(axis=0)
    valid = (positives > 0) & (positives < n)
    per_label = np.full(n_labels, np.nan)
    for j in np.flatnonzero(valid):
        per_label[j] = skm.roc_auc_score(y_true[:, j], scores[:, j])
    if valid.any():
        weighted_auc = float(
            skm.roc_auc_score(y_true[:, valid], scores[:, valid], average="weighted")
        )
    else:
        weighted_auc = float("nan")
    flat = y_true.ravel()
    micro_auc = (
        float(skm.roc_auc_score(flat, scores.ravel())) if 0 < flat.sum() < flat.size else np.nan
    )
    pred = (scores >= threshold).astype(np.int8)
    exact = float((pred == y_true).all(axis=1).mean())
    top = np.argmax(scores, axis=1)
    one_error = float((y_true[np.arange(n), top] == 0).mean())
    return {
        "weighted_auc": weighted_auc,
        "weighted_f1": float(skm.f1_score(y_true, pred, average="weighted", zero_division=0)),
        "exact_match": exact,
        "one_error_paper": 1.0 - exact,
        "one_error": one_error,
        "hamming_loss": float((pred != y_true).mean()),
        "micro_auc": float(micro_auc),
        "per_label_auc": [float(v) for v in per_label],
        "auc_skipped_labels": [int(j) for j in np.flatnonzero(~valid)],
        "threshold": float(threshold),
        "n_samples": int(n),
        "n_labels": int(n_labels),
    }
