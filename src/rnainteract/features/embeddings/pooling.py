"""Pooling of per-token embeddings, and the length policies for long sequences.

Token layout: a model's hidden states for one sequence are a ``(T, D)`` matrix with, in order, an
optional start token (CLS/BOS), one row per residue, an optional end token (EOS/SEP), then
padding. Poolings (ESM2_AMP, ../shared/seeds/esm2_amp_ppi_README.txt, protloc-mex-X features):

* ``mean``: mean over the residue rows only (never BOS/EOS/padding);
* ``cls``: the start-token row; ``eos``: the end-token row;
* ``segment0`` … ``segment9``: the residue rows cut into 10 consecutive parts of near-equal size
  (``numpy.array_split``: the first ``L mod 10`` parts one row longer) and each averaged; a
  sequence shorter than 10 residues has empty parts, which are NaN.

Length policies for sequences longer than a model's window of ``W`` residues (ESM-2: 1022,
RNA-FM: 1022, i.e. 1,024 positions with the start and end tokens):

* ``truncate``: embed the first ``W`` residues (the rest is not represented);
* ``window``: windows of ``W`` residues with stride ``W - overlap`` (the last one aligned to the
  end), each embedded on its own; the residue rows are the per-position average over the windows
  covering them; CLS/EOS come from the first/last window;
* ``drop``: the sequence is not embedded (counted and logged).
"""

from __future__ import annotations

import numpy as np

N_SEGMENTS = 10
LENGTH_POLICIES = ("truncate", "window", "drop")
POOLINGS = ("mean", "cls", "eos", *(f"segment{i}" for i in range(N_SEGMENTS)))


def pool(residues: np.ndarray, cls: np.ndarray | None, eos: np.ndarray | None) -> dict:
    """Pooled vectors of one sequence.

    Args:
        residues: ``(L, D)`` float array, one row per residue (L ≥ 1).
        cls, eos: ``(D,)`` start/end-token rows, or None for models without them (then those
            poolings are absent from the result).

    Returns:
        ``{name: (D,) float32}`` for ``mean``, ``segment0..9`` and, if given, ``cls``/``eos``.
    """
    residues = np.asarray(residues, dtype=np.float32)
    out = {"mean": residues.mean(axis=0)}
    if cls is not None:
        out["cls"] = np.asarray(cls, dtype=np.float32)
    if eos is not None:
        out["eos"] = np.asarray(eos, dtype=np.float32)
    for i, part in enumerate(np.array_split(residues, N_SEGMENTS, axis=0)):
        if len(part):
            out[f"segment{i}"] = part.mean(axis=0)
        else:
            out[f"segment{i}"] = np.full(residues.shape[1], np.nan, dtype=np.float32)
    return out


def windows(length: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """Residue ranges ``[start, end)`` covering ``length`` residues with windows of ``window``
    and the given overlap; the last window ends at ``length``.

    Raises:
        ValueError: overlap not in ``[0, window)``.
    """
    if not 0 <= overlap < window:
        raise ValueError(f"overlap must be in [0, {window}), got {overlap}")
    if length <= window:
        return [(0, length)]
    stride = window - overlap
    starts = list(range(0, length - window, stride)) + [length - window]
    return [(s, s + window) for s in sorted(set(starts))]


def merge_windows(parts: list[np.ndarray], ranges: list[tuple[int, int]], length: int):
    """Per-position average of window residue matrices (``(end-start, D)`` each)."""
    dim = parts[0].shape[1]
    total = np.zeros((length, dim), dtype=np.float64)
    count = np.zeros(length, dtype=np.int64)
    for part, (start, end) in zip(parts, ranges, strict=True):
        total[start:end] += part
        count[start:end] += 1
    return (total / count[:, None]).astype(np.float32)
