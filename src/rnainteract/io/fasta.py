"""FASTA files: the one reader every branch uses, and an atomic writer.

:func:`iter_fasta` parses with Biopython's ``SimpleFastaParser`` from a plain, gzip or zip file
(:func:`~rnainteract.io.files.open_text`) and checks what any FASTA file must satisfy: at least
one record, no text before the first ``>``, a header word and a sequence in every record. What
the letters may be is the alphabet's business (:func:`rnainteract.io.sequences.
normalize_sequence`); what the ids must be is the caller's (:func:`read_fasta` wants them unique
after :func:`~rnainteract.io.sequences.normalize_id`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from Bio.SeqIO.FastaIO import SimpleFastaParser

from rnainteract.io.files import atomic_path, open_text, text_errors
from rnainteract.io.sequences import SequenceError, normalize_id


@dataclass(frozen=True)
class FastaRecord:
    """One record of a FASTA file.

    Attributes:
        number: 1-based position in the file.
        id: the first word of the header, as written.
        description: the whole header line without ``>``.
        sequence: the letters as written (lines joined, case kept).
    """

    number: int
    id: str
    description: str
    sequence: str


def iter_fasta(path: str | os.PathLike, *, allow_empty: bool = False) -> Iterator[FastaRecord]:
    """Yield the records of a FASTA file (plain, gzip or zip) in file order.

    Args:
        allow_empty: yield records without letters instead of refusing them (the local
            miRBase/NONCODE lookups skip those themselves).

    Raises:
        SequenceError: no records (empty file), text before the first ``>``, a record with an
            empty header, or (unless ``allow_empty``) an empty sequence; each names the file and
            the record.
        TextFileError: a binary or non-UTF-8 file, a truncated or corrupt gzip/zip stream.
        FileNotFoundError: ``path`` does not exist.
    """
    with text_errors(path):
        yield from _records(path, allow_empty)


def _records(path, allow_empty: bool) -> Iterator[FastaRecord]:
    with open_text(path) as handle:
        first = next((line.strip() for line in handle if line.strip()), None)
        if first is None:
            raise SequenceError(f"{path}: empty FASTA file (no records)")
        if not first.startswith(">"):
            raise SequenceError(
                f"{path}: not FASTA: first non-empty line {first[:40]!r} does not start with '>'"
            )
        handle.seek(0)
        for number, (title, seq) in enumerate(SimpleFastaParser(handle), start=1):
            words = title.split()
            if not words:
                raise SequenceError(f"{path}: record #{number} has an empty header")
            if not allow_empty and not seq.strip():
                raise SequenceError(f"{path}: record {words[0]!r} has an empty sequence")
            yield FastaRecord(number, words[0], title, seq)


def read_fasta(path: str | os.PathLike) -> dict[str, str]:
    """Read a FASTA file into ``{normalized id: raw sequence}`` in file order.

    The id is the first word of the header, passed through
    :func:`~rnainteract.io.sequences.normalize_id`.

    Raises:
        SequenceError: as :func:`iter_fasta`, or two records with the same normalized id.
    """
    records: dict[str, str] = {}
    for record in iter_fasta(path):
        rid = normalize_id(record.id)
        if rid in records:
            raise SequenceError(
                f"{path}: duplicate id {rid!r} (record #{record.number}, header "
                f"{record.description!r}); ids must be unique after case normalization"
            )
        records[rid] = record.sequence
    return records


def write_fasta(
    records: Mapping[str, str] | Iterable[tuple[str, str]],
    path: str | os.PathLike,
    *,
    width: int = 0,
) -> int:
    """Write ``(id, sequence)`` records atomically; one-line sequences unless ``width > 0``.

    Returns:
        The number of records written.
    """
    items = records.items() if isinstance(records, Mapping) else records
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w") as handle:
        for rid, seq in items:
            handle.write(f">{rid}\n")
            if width > 0:
                for start in range(0, len(seq), width):
                    handle.write(seq[start : start + width] + "\n")
            else:
                handle.write(seq + "\n")
            n += 1
    return n
