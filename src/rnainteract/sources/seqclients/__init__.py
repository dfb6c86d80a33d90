"""Sequence clients: retrieval from the databases RNAInter links its interactors to, with a per-id
cache.

RNAInter (RNAInterAct paper, App. B.2) names each interactor's source record by a ``Raw_ID`` such
as ``NCBI:69889`` (an Entrez Gene ID), ``UniProt:P12345``, ``Ensembl:ENSG00000123456``,
``miRBase:MIMAT0000062`` / ``miRBase:hsa-miR-21-5p`` or ``NONCODE:NONHSAT000001``. The caller
strips the prefix and asks :func:`fetch_sequences` for the sequences of a list of ids of one
database:

* ``ncbi``: NCBI E-utilities. All-digit ids are Entrez Gene IDs, resolved to one RefSeq accession
  with ELink, then fetched with EFetch; other ids are nuccore/protein accessions fetched directly.
* ``uniprot``: UniProt REST ``/uniprotkb/accessions`` (FASTA).
* ``ensembl``: Ensembl REST ``POST /sequence/id`` (JSON).
* ``mirbase`` / ``noncode``: no web service is used; the ids are looked up in a local FASTA file
  (miRBase ``mature.fa``/``hairpin.fa``, a NONCODE FASTA), plain or gzip-compressed.

Every HTTP batch goes through a :class:`RateLimiter` and a requests session that retries
connection errors, read timeouts, 429 and 5xx (urllib3 ``Retry``, ``Retry-After`` honoured). A
body that arrives truncated or unparseable is re-requested as a whole; a batch that keeps failing
raises :class:`SequenceFetchError` and nothing of it is cached. The results of each successful
batch (found and not-found ids) are written to a :class:`SequenceCache` in one transaction, so an
interrupted run resumes where it stopped and ids known to be missing are never requested again.

Modules: :mod:`.fetch` (the entry point), :mod:`.services` (NCBI, UniProt, Ensembl),
:mod:`.local` (miRBase, NONCODE files), :mod:`.http` (options, session, retries, answer checks,
counters), :mod:`.ratelimit`, :mod:`.cache`. They import :mod:`rnainteract.io` and
:mod:`rnainteract.sources.download` only.
"""

from rnainteract.sources.seqclients.cache import SequenceCache
from rnainteract.sources.seqclients.fetch import (
    DATABASES,
    HTTP_DATABASES,
    LOCAL_DATABASES,
    MOLECULES,
    FetchResult,
    fetch_sequences,
)
from rnainteract.sources.seqclients.http import (
    DEFAULT_OPTIONS,
    FetchReport,
    SequenceFetchError,
)
from rnainteract.sources.seqclients.ratelimit import RateLimiter

__all__ = [
    "DATABASES",
    "DEFAULT_OPTIONS",
    "HTTP_DATABASES",
    "LOCAL_DATABASES",
    "MOLECULES",
    "FetchReport",
    "FetchResult",
    "RateLimiter",
    "SequenceCache",
    "SequenceFetchError",
    "fetch_sequences",
]
