"""The three RNA views of the RBP multi-label branch (MMFA): one-hot RNA, codons, dipeptides.

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
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

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

VIEW_NAMES = ("rna", "amino", "dipeptide")
"""The three views, in the order of the CNNs and of MMFA's inputs."""

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


def encode_views(sequences: Sequence[str]) -> dict[str, np.ndarray]:
    """The three compact views of each RNA (module docstring): ``rna`` (n, 2710) uint8 base
    codes, ``amino`` (n, 2710) uint8 three-frame codon translation, ``dipeptide`` (n, 440)
    uint16 0-gap dipeptide counts (expanded to one-hot / histograms inside the models)."""
    rna = np.zeros((len(sequences), ENCODED_LENGTH), dtype=np.uint8)
    for i, sequence in enumerate(sequences):
        rna[i] = rna_tokens(sequence)
    amino = amino_tokens_batch(rna)
    return {
        "rna": rna,
        "amino": amino.astype(np.uint8),
        "dipeptide": dipeptide_counts(amino).astype(np.uint16),
    }
