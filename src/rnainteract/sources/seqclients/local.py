"""miRBase and NONCODE: ids looked up in a local FASTA file (plain, gzip or zip) instead of a
web service."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rnainteract.io.fasta import iter_fasta
from rnainteract.sources.seqclients.http import Found

log = logging.getLogger(__name__)


def fetch_local(database: str, ids: list[str], local_fasta: str | os.PathLike | None) -> Found:
    """Look ``ids`` up in a miRBase or NONCODE FASTA (plain, gzip or zip), read once.

    Raises:
        ValueError: ``local_fasta`` is ``None``.
        FileNotFoundError: the file does not exist.
        SequenceError: the file is not FASTA (:func:`rnainteract.io.fasta.iter_fasta`).
    """
    if local_fasta is None:
        raise ValueError(
            f"{database}: local_fasta is required (the sequences come from a local FASTA, "
            "not a web service)"
        )
    path = Path(local_fasta)
    if not path.is_file():
        raise FileNotFoundError(f"{database}: local FASTA {path} not found")
    exact: dict[str, tuple[str, str]] = {}
    unversioned: dict[str, tuple[int, str, str]] = {}
    for record in iter_fasta(path, allow_empty=True):  # an empty record is simply not found
        sequence = record.sequence.upper()
        tokens = record.description.split()
        if database == "mirbase":
            # >hsa-let-7a-5p MIMAT0000062 Homo sapiens let-7a-5p: name, then accession
            accession = tokens[1] if len(tokens) > 1 and tokens[1].startswith("MI") else None
            keys = [record.id, accession] if accession else [record.id]
            for key in keys:
                exact.setdefault(key, (sequence, accession or record.id))
        else:
            # >NONHSAT000001.2 [...]: look up with and without the ".N" version
            exact.setdefault(record.id, (sequence, record.id))
            base, _, version = record.id.rpartition(".")
            if base and version.isdigit():
                best = unversioned.get(base)
                if best is None or int(version) > best[0]:
                    unversioned[base] = (int(version), sequence, record.id)
    found: Found = {}
    for key in ids:
        hit = exact.get(key)
        if hit is None and key in unversioned:
            _version, sequence, accession = unversioned[key]
            hit = (sequence, accession)
        if hit is not None and hit[0]:
            found[key] = hit
    log.info("%s: %d of %d ids found in %s", database, len(found), len(ids), path)
    return found
