"""Sequence identifiers and alphabets: what a valid RNA or protein sequence is.

Canonical alphabets (../shared/ARCHITECTURE.md, output contract): RNA is upper-case ``ACGU`` plus
``N`` for an unknown base; protein is the 20 standard amino acids plus ``X``. ``T`` in RNA is
read as ``U``. Any other letter is handled by the ``unknown_letters`` policy:

* ``replace``: replaced by ``N`` (RNA) or ``X`` (protein), and counted;
* ``drop``: the whole sequence is dropped (and with it its pairs), and counted;
* ``error``: a :class:`SequenceError` naming the file, record, letter and position.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

RNA_LETTERS = "ACGU"
RNA_UNKNOWN = "N"
PROTEIN_LETTERS = "ACDEFGHIKLMNPQRSTVWY"
PROTEIN_UNKNOWN = "X"
ALPHABETS = {"rna": (RNA_LETTERS, RNA_UNKNOWN), "protein": (PROTEIN_LETTERS, PROTEIN_UNKNOWN)}
UNKNOWN_POLICIES = ("replace", "drop", "error")
UNKNOWN_LETTERS_HINT = " (set unknown_letters: replace or drop to continue)"

# PDB-derived benchmark ids are "<PDB code><-|_><chain>", e.g. 1DRZ-A (IPMiner) or 1drz-A (RPITER).
# The 4-character PDB code is case-insensitive, the chain id is case-sensitive (IPMiner README:
# a lower-case chain letter separates an RNA chain from a protein chain of the same name).
PDB_ID = re.compile(r"^([0-9][A-Za-z0-9]{3})([-_].+)$")


class SequenceError(ValueError):
    """A sequence file or record is malformed (names the file, the record and the reason)."""


def normalize_id(raw: str) -> str:
    """Return the canonical form of a sequence id.

    Surrounding whitespace is removed; in PDB-style ids (``1drz-A``, ``1FFK_0``) the PDB code is
    upper-cased and the chain kept as is. Other ids (UniProt, NONCODE, user ids) are unchanged.

    >>> normalize_id("1drz-a")
    '1DRZ-a'
    """
    text = raw.strip()
    match = PDB_ID.match(text)
    if match:
        return match.group(1).upper() + match.group(2)
    return text


@dataclass
class AlphabetReport:
    """Counts of what :func:`normalize_sequence` changed or dropped for one molecule type."""

    molecule: str
    n_sequences: int = 0
    n_t_to_u: int = 0
    n_sequences_with_unknown: int = 0
    unknown_letters: Counter = field(default_factory=Counter)
    dropped_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """A JSON-ready dict of the counts."""
        return {
            "molecule": self.molecule,
            "n_sequences": self.n_sequences,
            "n_t_to_u": self.n_t_to_u,
            "n_sequences_with_unknown_letters": self.n_sequences_with_unknown,
            "unknown_letters": dict(sorted(self.unknown_letters.items())),
            "n_dropped_unknown_letters": len(self.dropped_ids),
            "dropped_ids": sorted(self.dropped_ids),
        }


def normalize_sequence(
    sequence: str,
    molecule: str,
    *,
    policy: str = "replace",
    record: str = "?",
    source: str = "?",
    report: AlphabetReport | None = None,
    hint: str = UNKNOWN_LETTERS_HINT,
) -> str | None:
    """Upper-case ``sequence``, map T→U for RNA, and apply the unknown-letter ``policy``.

    Args:
        sequence: raw letters (whitespace is removed).
        molecule: ``"rna"`` or ``"protein"``.
        policy: ``replace``, ``drop`` or ``error`` (module docstring).
        record, source: record id and file name, used in error messages.
        report: counts are added here when given.
        hint: appended to the error message of an unknown letter (default: how a dataset's
            config lets it through; ``""`` where no such option exists).

    Returns:
        The canonical sequence, or ``None`` if ``policy == "drop"`` and it had unknown letters.

    Raises:
        SequenceError: empty sequence; unknown letter with ``policy="error"``.
        ValueError: unknown ``molecule`` or ``policy``.
    """
    if molecule not in ALPHABETS:
        raise ValueError(f"molecule must be one of {sorted(ALPHABETS)}, got {molecule!r}")
    if policy not in UNKNOWN_POLICIES:
        raise ValueError(
            f"unknown_letters policy must be one of {UNKNOWN_POLICIES}, got {policy!r}"
        )
    letters, unknown = ALPHABETS[molecule]
    seq = "".join(sequence.split()).upper()
    if not seq:
        raise SequenceError(f"{source}: record {record!r} has an empty {molecule} sequence")
    if report is not None:
        report.n_sequences += 1
    if molecule == "rna" and "T" in seq:
        if report is not None:
            report.n_t_to_u += seq.count("T")
        seq = seq.replace("T", "U")
    allowed = set(letters) | {unknown}
    bad = [(i, c) for i, c in enumerate(seq) if c not in allowed]
    if not bad:
        return seq
    if policy == "error":
        pos, letter = bad[0]
        raise SequenceError(
            f"{source}: record {record!r} contains {letter!r} at position {pos + 1}; "
            f"allowed: {letters} + {unknown}{hint}"
        )
    if report is not None:
        report.n_sequences_with_unknown += 1
        report.unknown_letters.update(c for _, c in bad)
    if policy == "drop":
        if report is not None:
            report.dropped_ids.append(record)
        return None
    return "".join(c if c in allowed else unknown for c in seq)


def length_stats(sequences: Iterable[str]) -> dict[str, float]:
    """Min, median, mean and max length (in residues or nucleotides) of ``sequences``."""
    import numpy as np

    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64)
    if lengths.size == 0:
        return {"n": 0}
    return {
        "n": int(lengths.size),
        "min": int(lengths.min()),
        "median": float(np.median(lengths)),
        "mean": round(float(lengths.mean()), 1),
        "max": int(lengths.max()),
    }
