"""The entry point of the sequence clients: :func:`fetch_sequences` (one database, one molecule
type, a list of ids) with its cache, HTTP or local-FASTA lookups and counters."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rnainteract.sources.seqclients.cache import SequenceCache
from rnainteract.sources.seqclients.http import (
    BAD_ID,
    Client,
    FetchReport,
    resolve_options,
)
from rnainteract.sources.seqclients.local import fetch_local
from rnainteract.sources.seqclients.services import fetch_remote

log = logging.getLogger(__name__)

DATABASES = ("ncbi", "uniprot", "ensembl", "mirbase", "noncode")
MOLECULES = ("rna", "protein")
HTTP_DATABASES = ("ncbi", "uniprot", "ensembl")
LOCAL_DATABASES = ("mirbase", "noncode")


@dataclass
class FetchResult:
    """Sequences of one :func:`fetch_sequences` call.

    Attributes:
        sequences: requested id -> sequence, as served by the database, upper-cased (no T->U
            conversion, ambiguity letters kept).
        accessions: requested id -> accession of the record used (e.g. gene ``69889`` ->
            ``NR_015505.1``; Ensembl ``ENSG...`` -> ``ENSG....<version>``).
        not_found: sorted ids without a sequence.
        report: the call's counters.
    """

    sequences: dict[str, str]
    accessions: dict[str, str]
    not_found: list[str]
    report: FetchReport


def fetch_sequences(
    database: str,
    molecule: str,
    ids: Iterable[str],
    *,
    cache_path: str | os.PathLike | None,
    options: Mapping | None = None,
    local_fasta: str | os.PathLike | None = None,
) -> FetchResult:
    """Return the sequences of ``ids`` (one database, one molecule type).

    Duplicate ids are fetched once. Ids already in the cache (found or known-missing) are not
    requested; after each HTTP batch its found and not-found ids are written to the cache in one
    transaction. For ``ncbi`` an all-digit id is an Entrez Gene ID: ELink (``idtype=acc``, one
    ``id`` field per gene) lists its RefSeq RNAs (``gene_nuccore_refseqrna``) or proteins
    (``gene_protein_refseq``) and the first accession in plain string order is used (curated
    ``NM_``/``NR_``/``NP_`` sort before model ``XM_``/``XR_``/``XP_``). A gene without a link, or
    whose chosen record EFetch does not return, is not found.

    Args:
        database: one of :data:`DATABASES`.
        molecule: ``"rna"`` or ``"protein"``.
        ids: database ids without the RNAInter prefix (no commas or whitespace).
        cache_path: SQLite cache file for this database and molecule; ``None`` for no cache.
            Ignored for ``mirbase``/``noncode``.
        options: ``base_url``, ``batch_size``, ``max_requests_per_s``, ``timeout_s`` (30),
            ``retries`` (5), ``backoff_s`` (1.0) and for ncbi ``api_key``, ``email`` (default
            from the environment variables ``NCBI_API_KEY``/``NCBI_EMAIL``) and ``tool``
            (``"rnainteract"``). Defaults per database are in :data:`DEFAULT_OPTIONS`; an NCBI
            rate above 3/s (10/s with an API key) is lowered to that with a warning.
        local_fasta: FASTA (plain or gzip) for ``mirbase``/``noncode``; required there.

    Raises:
        ValueError: unknown database, molecule or option; bad option value; Ensembl batch size
            over 50; missing ``local_fasta``; an id that is empty or contains a comma/whitespace;
            a cache file made for another database/molecule.
        SequenceFetchError: a batch failed after all retries (nothing of it is cached).
        FileNotFoundError: ``local_fasta`` does not exist.
    """
    started = time.monotonic()
    if database not in DATABASES:
        raise ValueError(f"unknown sequence database {database!r}; allowed: {', '.join(DATABASES)}")
    if molecule not in MOLECULES:
        raise ValueError(
            f"{database}: unknown molecule {molecule!r}; allowed: {', '.join(MOLECULES)}"
        )
    unique = list(dict.fromkeys(str(i) for i in ids))
    bad = [i for i in unique if not i or BAD_ID.search(i)]
    if bad:
        raise ValueError(f"{database}: ids must be non-empty without commas/whitespace: {bad[:5]}")
    report = FetchReport(database=database, molecule=molecule, requested=len(unique))

    if database in LOCAL_DATABASES:
        if options:
            log.debug("%s: options %s ignored (local FASTA)", database, sorted(options))
        found = fetch_local(database, unique, local_fasta)
        report.fetched = len(found)
        return _finish(unique, found, report, started)

    settings = resolve_options(database, options or {})
    cache = SequenceCache(cache_path) if cache_path is not None else None
    try:
        if cache is not None:
            cache._claim(database, molecule)
            cached = cache.get_many(unique)
        else:
            cached = {}
        report.from_cache = len(cached)
        found = {k: v for k, v in cached.items() if v[0] is not None}
        todo = [i for i in unique if i not in cached]
        if todo:
            with Client(database, settings, report) as client:
                fresh = fetch_remote(client, molecule, todo, cache)
            report.fetched = len(fresh)
            found.update(fresh)
    finally:
        if cache is not None:
            cache.close()
    return _finish(unique, found, report, started)


def _finish(
    unique: list[str],
    found: Mapping[str, tuple[str | None, str | None]],
    report: FetchReport,
    started: float,
) -> FetchResult:
    sequences = {i: found[i][0] for i in unique if i in found and found[i][0]}
    accessions = {i: found[i][1] or i for i in sequences}
    missing = sorted(i for i in unique if i not in sequences)
    report.not_found = len(missing)
    report.elapsed_s = time.monotonic() - started
    log.info("%s %s sequences: %s", report.database, report.molecule, report.as_dict())
    return FetchResult(sequences, accessions, missing, report)
