"""Sequence retrieval from the databases RNAInter links its interactors to, with a per-id cache.

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
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import logging
import os
import re
import sqlite3
import time
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import requests
from Bio import SeqIO
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from rnainteract.sources import RETRY_STATUS  # 429 and 5xx, shared with the downloads

log = logging.getLogger(__name__)

DATABASES = ("ncbi", "uniprot", "ensembl", "mirbase", "noncode")
MOLECULES = ("rna", "protein")
HTTP_DATABASES = ("ncbi", "uniprot", "ensembl")
LOCAL_DATABASES = ("mirbase", "noncode")

# NCBI E-utilities usage guidelines ("A General Introduction to the E-utilities", NCBI Bookshelf
# NBK25497): at most 3 requests/s without an API key, 10 requests/s with one.
NCBI_MAX_RATE_NO_KEY = 3.0
NCBI_MAX_RATE_WITH_KEY = 10.0
# Ensembl REST rate limit (github.com/Ensembl/ensembl-rest/wiki/Rate-Limits): 55,000 requests per
# hour, i.e. about 15 requests/s. Ensembl REST endpoint documentation of POST sequence/id:
# "Maximum POST size" 50 ids.
ENSEMBL_MAX_RATE = 15.0
ENSEMBL_MAX_POST_IDS = 50
# UniProt REST: paginated results take a ``size`` of at most 500 per page (rest.uniprot.org
# pagination help); further pages are announced in a ``Link: <...>; rel="next"`` header.
UNIPROT_MAX_PAGE_SIZE = 500

DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "ncbi": {
        "base_url": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
        "batch_size": 200,
        "max_requests_per_s": NCBI_MAX_RATE_NO_KEY,
    },
    "uniprot": {
        "base_url": "https://rest.uniprot.org",
        "batch_size": 100,
        # UniProt publishes no hard limit; 10/s is a conservative default of this pipeline.
        "max_requests_per_s": 10.0,
    },
    "ensembl": {
        "base_url": "https://rest.ensembl.org",
        "batch_size": ENSEMBL_MAX_POST_IDS,
        "max_requests_per_s": ENSEMBL_MAX_RATE,
    },
}
COMMON_DEFAULTS: dict[str, Any] = {"timeout_s": 30.0, "retries": 5, "backoff_s": 1.0}
NCBI_ONLY_OPTIONS = ("api_key", "email", "tool")
NCBI_DEFAULT_TOOL = "rnainteract"

# NCBI ELink link names (E-utilities "Entrez Link Descriptions"): gene -> RefSeq RNAs / proteins.
NCBI_LINKS = {
    "rna": ("nuccore", "gene_nuccore_refseqrna"),
    "protein": ("protein", "gene_protein_refseq"),
}
# UniProt accession format (uniprot.org/help/accession_numbers), with an optional isoform suffix.
UNIPROT_ACCESSION = re.compile(
    r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-[0-9]+)?$"
)
# Ids are sent comma-joined (EFetch, UniProt): a comma or whitespace inside an id is refused.
_BAD_ID = re.compile(r"[\s,]")
# Extra room added to the limiter's 1-second window so that network jitter never lets the server
# count more than ``max_per_s`` request arrivals in one of its own 1-second windows.
_RATE_WINDOW_MARGIN_S = 0.05
_SQLITE_CHUNK = 500


class SequenceFetchError(RuntimeError):
    """A batch could not be fetched (HTTP error after retries, truncated or malformed answers).

    The message names the database, the first ids of the batch and the last error.
    """


class _Malformed(Exception):
    """An answer that may be transient (truncated, unparseable): re-request the batch."""


class _Fatal(Exception):
    """An answer that will not get better by asking again (error payload, 404, ...)."""


class _BadRequest(Exception):
    """HTTP 400 for a batch whose database lets us bisect it (UniProt, Ensembl)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


# --------------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------------


class SequenceCache:
    """Per-id on-disk cache: one SQLite file per database and molecule.

    Each row maps an id (as requested, e.g. ``69889`` or ``P12345``) to ``(sequence, accession,
    fetched_at)``: ``sequence`` is ``None`` for an id known to be missing from the database,
    ``accession`` is the record actually used (``None`` when missing) and ``fetched_at`` is the
    time of writing in seconds since the Unix epoch (UTC). The file uses SQLite's WAL journal.

    Args:
        path: the SQLite file; its parent folder is created.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path)
        self._conn.execute("PRAGMA journal_mode=WAL")
        with self._conn:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS sequences ("
                "id TEXT PRIMARY KEY, sequence TEXT, accession TEXT, fetched_at REAL NOT NULL)"
            )
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )

    def get_many(self, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """Return ``{id: (sequence or None, accession or None)}`` for the ids present in the cache.

        Ids absent from the cache are absent from the answer; ``(None, None)`` means known-missing.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, tuple[str | None, str | None]] = {}
        for start in range(0, len(wanted), _SQLITE_CHUNK):
            chunk = wanted[start : start + _SQLITE_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT id, sequence, accession FROM sequences WHERE id IN ({marks})", chunk
            )
            for key, sequence, accession in rows:
                found[key] = (sequence, accession)
        return found

    def put_many(self, records: Mapping[str, tuple[str | None, str | None]]) -> None:
        """Insert or replace ``{id: (sequence or None, accession or None)}`` in ONE transaction.

        A run killed during the call leaves either all of ``records`` or none of them.

        Raises:
            ValueError: a value is not a ``(sequence, accession)`` pair (nothing is written).
        """
        now = time.time()
        rows = []
        for key, value in records.items():
            if not isinstance(value, tuple) or len(value) != 2:
                raise ValueError(
                    f"{self.path}: cache record for id {key!r} must be (sequence, accession), "
                    f"got {value!r}"
                )
            rows.append((str(key), value[0], value[1], now))
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO sequences (id, sequence, accession, fetched_at) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )

    def __len__(self) -> int:
        """Number of ids in the cache (found and known-missing)."""
        return self._conn.execute("SELECT COUNT(*) FROM sequences").fetchone()[0]

    def close(self) -> None:
        """Close the SQLite connection."""
        self._conn.close()

    def __enter__(self) -> SequenceCache:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _claim(self, database: str, molecule: str) -> None:
        """Record which database/molecule the file caches; refuse a file made for another."""
        rows = dict(self._conn.execute("SELECT key, value FROM meta"))
        wanted = {"database": database, "molecule": molecule}
        if not rows:
            with self._conn:
                self._conn.executemany("INSERT INTO meta VALUES (?, ?)", list(wanted.items()))
        elif {k: rows.get(k) for k in wanted} != wanted:
            raise ValueError(
                f"{self.path}: sequence cache of database {rows.get('database')!r}, molecule "
                f"{rows.get('molecule')!r}, cannot be used for {database!r}/{molecule!r}"
            )


# --------------------------------------------------------------------------------------------
# Rate limiting
# --------------------------------------------------------------------------------------------


class RateLimiter:
    """At most ``max_per_s`` request starts in any sliding 1-second window.

    With ``max_per_s >= 1`` the limiter allows ``floor(max_per_s)`` starts per window of 1 s plus
    a 50 ms margin (network jitter); below 1, one start per ``1 / max_per_s`` seconds. Not
    thread-safe (one limiter per fetch).

    Args:
        max_per_s: requests per second (> 0).
        clock: monotonic clock in seconds (injectable for tests).
        sleep: sleep function taking seconds (injectable for tests).

    Raises:
        ValueError: ``max_per_s`` is not positive.
    """

    def __init__(
        self,
        max_per_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not max_per_s > 0:
            raise ValueError(f"max_per_s must be > 0, got {max_per_s!r}")
        self.max_per_s = float(max_per_s)
        if max_per_s >= 1:
            self._capacity = int(max_per_s)
            self._window = 1.0 + _RATE_WINDOW_MARGIN_S
        else:
            self._capacity = 1
            self._window = 1.0 / max_per_s + _RATE_WINDOW_MARGIN_S
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()

    def wait(self) -> None:
        """Block until one more request may start, and record its start."""
        while True:
            now = self._clock()
            # 1 ns tolerance: clock + sleep arithmetic must not leave a start stuck at the edge
            while self._starts and now - self._starts[0] >= self._window - 1e-9:
                self._starts.popleft()
            if len(self._starts) < self._capacity:
                self._starts.append(now)
                return
            self._sleep(self._starts[0] + self._window - now)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class FetchReport:
    """Counters of one :func:`fetch_sequences` call.

    Attributes:
        database, molecule: as requested.
        requested: unique ids asked for.
        from_cache: ids answered by the cache (found or known-missing).
        fetched: ids found over HTTP (or in the local FASTA) in this call.
        not_found: ids without a sequence (known-missing in the cache plus new ones).
        requests: HTTP requests that got a final response (a request that urllib3 retried counts
            once; each UniProt page and each half of a bisected batch counts).
        retries: urllib3 retries (``Retry.history``) plus application-level re-requests of a
            whole batch (truncated or unparseable body, timeout). Splitting a batch after a 400
            is not a retry.
        elapsed_s: wall-clock seconds.
    """

    database: str
    molecule: str
    requested: int = 0
    from_cache: int = 0
    fetched: int = 0
    not_found: int = 0
    requests: int = 0
    retries: int = 0
    elapsed_s: float = 0.0

    def as_dict(self) -> dict:
        """The counters as a plain dict (JSON-serialisable)."""
        return dataclasses.asdict(self)


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


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


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
    bad = [i for i in unique if not i or _BAD_ID.search(i)]
    if bad:
        raise ValueError(f"{database}: ids must be non-empty without commas/whitespace: {bad[:5]}")
    report = FetchReport(database=database, molecule=molecule, requested=len(unique))

    if database in LOCAL_DATABASES:
        if options:
            log.debug("%s: options %s ignored (local FASTA)", database, sorted(options))
        found = _fetch_local(database, unique, local_fasta)
        report.fetched = len(found)
        return _finish(unique, found, report, started)

    settings = _resolve_options(database, options or {})
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
            with _Client(database, settings, report) as client:
                fresh = _fetch_remote(client, molecule, todo, cache)
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


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    base_url: str
    batch_size: int
    max_requests_per_s: float
    timeout_s: float
    retries: int
    backoff_s: float
    ncbi_params: tuple[tuple[str, str], ...] = ()


def _resolve_options(database: str, options: Mapping) -> _Settings:
    allowed = set(DEFAULT_OPTIONS[database]) | set(COMMON_DEFAULTS)
    if database == "ncbi":
        allowed |= set(NCBI_ONLY_OPTIONS)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"{database}: unknown option(s) {unknown}; allowed: {sorted(allowed)}")
    merged = {**COMMON_DEFAULTS, **DEFAULT_OPTIONS[database]}
    merged.update({k: v for k, v in options.items() if v is not None})

    batch_size = merged["batch_size"]
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"{database}: batch_size must be a positive integer, got {batch_size!r}")
    if database == "ensembl" and batch_size > ENSEMBL_MAX_POST_IDS:
        raise ValueError(
            f"ensembl: batch_size {batch_size} exceeds the {ENSEMBL_MAX_POST_IDS} ids that "
            "POST /sequence/id accepts"
        )
    retries = merged["retries"]
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"{database}: retries must be an integer >= 0, got {retries!r}")
    for key in ("max_requests_per_s", "timeout_s"):
        if not float(merged[key]) > 0:
            raise ValueError(f"{database}: {key} must be > 0, got {merged[key]!r}")
    if not float(merged["backoff_s"]) >= 0:
        raise ValueError(f"{database}: backoff_s must be >= 0, got {merged['backoff_s']!r}")

    rate = float(merged["max_requests_per_s"])
    ncbi_params: list[tuple[str, str]] = []
    if database == "ncbi":
        api_key = merged.get("api_key") or os.environ.get("NCBI_API_KEY") or None
        email = merged.get("email") or os.environ.get("NCBI_EMAIL") or None
        ceiling = NCBI_MAX_RATE_WITH_KEY if api_key else NCBI_MAX_RATE_NO_KEY
        if "max_requests_per_s" not in options or options["max_requests_per_s"] is None:
            rate = ceiling
        elif rate > ceiling:
            log.warning(
                "ncbi: max_requests_per_s %s exceeds the E-utilities limit of %s/s %s; using %s",
                rate,
                ceiling,
                "with an API key" if api_key else "without an API key",
                ceiling,
            )
            rate = ceiling
        ncbi_params.append(("tool", str(merged.get("tool") or NCBI_DEFAULT_TOOL)))
        if email:
            ncbi_params.append(("email", str(email)))
        if api_key:
            ncbi_params.append(("api_key", str(api_key)))
    return _Settings(
        base_url=str(merged["base_url"]).rstrip("/"),
        batch_size=batch_size,
        max_requests_per_s=rate,
        timeout_s=float(merged["timeout_s"]),
        retries=retries,
        backoff_s=float(merged["backoff_s"]),
        ncbi_params=tuple(ncbi_params),
    )


# --------------------------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------------------------


class _Client:
    """One session, one rate limiter and the report's counters, for one fetch."""

    def __init__(self, database: str, settings: _Settings, report: FetchReport):
        self.database = database
        self.settings = settings
        self.report = report
        self.limiter = RateLimiter(settings.max_requests_per_s)
        retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            backoff_factor=settings.backoff_s,
            status_forcelist=RETRY_STATUS,
            allowed_methods=frozenset({"GET", "POST"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # the last 429/5xx answer is returned and reported below
        )
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "rnainteract (python-requests)"
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc_info) -> None:
        self.session.close()

    def fail(self, ids: Sequence[str], reason: str) -> SequenceFetchError:
        """A :class:`SequenceFetchError` naming the database, the batch and the reason."""
        head = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
        return SequenceFetchError(
            f"{self.database}: batch of {len(ids)} id(s) [{head}] failed: {reason}"
        )

    def call(
        self,
        method: str,
        url: str,
        ids: Sequence[str],
        parse: Callable[[requests.Response], Any],
        *,
        bisectable: bool = False,
        **kwargs,
    ) -> Any:
        """Send one request (rate-limited, retried) and return ``parse(response)``.

        A truncated/unparseable body or a timeout urllib3 did not absorb is re-requested up to
        ``retries`` times with exponential backoff; any other failure is final.

        Raises:
            SequenceFetchError: the request failed (message names database, ids and reason).
            _BadRequest: HTTP 400 and ``bisectable``.
        """
        settings = self.settings
        last_error = "no attempt made"
        for attempt in range(settings.retries + 1):
            if attempt:
                self.report.retries += 1
                pause = settings.backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "%s: re-requesting batch [%s, ...] in %.2f s (attempt %d): %s",
                    self.database,
                    ids[0] if ids else "",
                    pause,
                    attempt + 1,
                    last_error,
                )
                time.sleep(pause)
            self.limiter.wait()
            try:
                response = self._send(method, url, kwargs)
            except _Malformed as err:
                last_error = str(err)
                continue
            except _Fatal as err:
                raise self.fail(ids, str(err)) from err
            self.report.requests += 1
            status = response.status_code
            if status == 400 and bisectable:
                raise _BadRequest(response.text)
            if status != 200:
                raise self.fail(
                    ids,
                    f"HTTP {status} from {response.url} (after urllib3 retries): "
                    f"{response.text[:300]!r}",
                )
            try:
                return parse(response)
            except _Malformed as err:
                last_error = str(err)
            except _Fatal as err:
                raise self.fail(ids, str(err)) from err
        raise self.fail(ids, f"gave up after {settings.retries + 1} attempts: {last_error}")

    def _send(self, method: str, url: str, kwargs: dict) -> requests.Response:
        """One request with its whole body read; urllib3's retries are added to the report.

        Raises:
            _Malformed: the body was cut short, or a timeout/connection error urllib3 did not
                retry (retry the batch).
            _Fatal: urllib3 gave up after its retries (connection errors, read timeouts).
        """
        body_errors = (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            requests.exceptions.Timeout,
            requests.exceptions.ConnectionError,
        )
        try:
            response = self.session.request(
                method, url, timeout=self.settings.timeout_s, stream=True, **kwargs
            )
        except requests.exceptions.RetryError as err:
            raise _Fatal(f"gave up after {self.settings.retries} retries: {err}") from err
        except body_errors as err:
            if err.args and isinstance(err.args[0], MaxRetryError):  # urllib3 already retried
                raise _Fatal(f"gave up after {self.settings.retries} retries: {err}") from err
            raise _Malformed(f"{type(err).__name__}: {err}") from err
        history = getattr(getattr(response.raw, "retries", None), "history", None) or ()
        self.report.retries += len(history)
        try:
            with response:
                response.content  # noqa: B018 - reads the whole body now, inside this try
        except body_errors as err:
            raise _Malformed(f"body read failed ({type(err).__name__}: {err})") from err
        _check_length(response)
        return response


def _check_length(response: requests.Response) -> None:
    expected = response.headers.get("Content-Length")
    if expected is None or response.headers.get("Content-Encoding", "identity") != "identity":
        return
    if len(response.content) != int(expected):
        raise _Malformed(f"truncated body ({len(response.content)} of {expected} bytes)")


def _parse_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as err:
        raise _Malformed(f"answer is not valid JSON ({err}): {response.text[-100:]!r}") from err


def _parse_fasta(text: str) -> list[tuple[str, str, str]]:
    """``[(first header token, full description, upper-case sequence)]`` of a FASTA answer."""
    if not text.strip():
        return []
    if not text.lstrip().startswith(">"):
        raise _Malformed(f"answer is not FASTA: {text[:100]!r}")
    if not text.endswith("\n"):
        raise _Malformed("FASTA answer ends mid-line (truncated body)")
    records = [
        (rec.id, rec.description, str(rec.seq).upper())
        for rec in SeqIO.parse(io.StringIO(text), "fasta")
    ]
    if records and not records[-1][2]:
        raise _Malformed(f"last FASTA record {records[-1][0]!r} has no sequence (truncated body)")
    return records


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# --------------------------------------------------------------------------------------------
# Per-database fetchers: each maps a batch of ids to {id: (sequence, accession)} for found ids
# --------------------------------------------------------------------------------------------

_Found = dict[str, tuple[str, str]]


def _fetch_remote(
    client: _Client, molecule: str, todo: list[str], cache: SequenceCache | None
) -> _Found:
    database = client.database
    size = client.settings.batch_size
    if database == "ncbi":  # Entrez Gene IDs first (ELink + EFetch), then accessions (EFetch)
        genes = [i for i in todo if i.isdigit()]
        accessions = [i for i in todo if not i.isdigit()]
        plan = [(b, _ncbi_genes) for b in _chunks(genes, size)]
        plan += [(b, _ncbi_efetch) for b in _chunks(accessions, size)]
    elif database == "uniprot":
        plan = [(b, partial(_bisect, fetch=_uniprot_batch)) for b in _chunks(todo, size)]
    else:
        plan = [(b, partial(_bisect, fetch=_ensembl_batch)) for b in _chunks(todo, size)]

    found: _Found = {}
    with tqdm(total=len(todo), unit="id", desc=f"{database} {molecule}", disable=None) as bar:
        for batch, fetch in plan:
            got = fetch(client, molecule, batch)
            records = {i: got.get(i, (None, None)) for i in batch}
            if cache is not None:
                cache.put_many(records)
            found.update({i: got[i] for i in batch if i in got})
            bar.update(len(batch))
    return found


def _bisect(
    client: _Client,
    molecule: str,
    ids: list[str],
    *,
    fetch: Callable[[_Client, list[str]], _Found],
) -> _Found:
    """Fetch ``ids``; on HTTP 400 split them in halves until the bad ids are isolated."""
    try:
        return fetch(client, ids)
    except _BadRequest as bad:
        if len(ids) == 1:
            if not _explains_400(client.database, ids[0], bad.text):
                raise client.fail(ids, f"HTTP 400: {bad.text[:300]!r}") from None
            log.info("%s: id %s refused (HTTP 400), not found", client.database, ids[0])
            return {}
        log.info("%s: HTTP 400 for %d ids, splitting the batch", client.database, len(ids))
        middle = len(ids) // 2
        found = _bisect(client, molecule, ids[:middle], fetch=fetch)
        found.update(_bisect(client, molecule, ids[middle:], fetch=fetch))
        return found


def _explains_400(database: str, one_id: str, text: str) -> bool:
    """Whether a 400 for the single id ``one_id`` means "no such id" rather than a broken request.

    UniProt refuses a malformed accession (its message does not name it); Ensembl answers
    ``{"error": "ID 'X' not found"}`` naming the id.
    """
    if database == "uniprot":
        return not UNIPROT_ACCESSION.match(one_id) or one_id in text
    return one_id in text


def _ncbi_form(client: _Client, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return fields + list(client.settings.ncbi_params)


def _ncbi_genes(client: _Client, molecule: str, genes: list[str]) -> _Found:
    """ELink the Entrez Gene IDs to RefSeq accessions, then EFetch the chosen accessions."""
    db, linkname = NCBI_LINKS[molecule]
    form = _ncbi_form(
        client,
        [
            ("dbfrom", "gene"),
            ("db", db),
            ("linkname", linkname),
            ("cmd", "neighbor"),
            ("idtype", "acc"),
            ("retmode", "json"),
        ]
        + [("id", gene) for gene in genes],  # one field per id: one linkset per gene
    )

    def parse(response: requests.Response) -> dict[str, str]:
        return _parse_elink(_parse_json(response), genes, db, linkname)

    url = f"{client.settings.base_url}/elink.fcgi"
    chosen = client.call("POST", url, genes, parse, data=form)
    records: _Found = {}
    accessions = sorted(set(chosen.values()))
    for chunk in _chunks(accessions, client.settings.batch_size):
        records.update(_ncbi_efetch(client, molecule, chunk))
    found: _Found = {}
    for gene in genes:
        accession = chosen.get(gene)
        if accession is None:
            log.info("ncbi: gene %s has no %s link, not found", gene, linkname)
        elif accession not in records:
            log.warning("ncbi: gene %s -> %s, but EFetch returned no record", gene, accession)
        else:
            found[gene] = records[accession]
    return found


def _parse_elink(data: Any, genes: list[str], db: str, linkname: str) -> dict[str, str]:
    """Map each gene to the first of its linked accessions in string order."""
    if not isinstance(data, dict) or "linksets" not in data:
        error = data.get("ERROR") or data.get("error") if isinstance(data, dict) else None
        if error:
            raise _Fatal(f"ELink error: {error}")
        raise _Malformed(f"ELink answer without 'linksets': {str(data)[:200]}")
    requested, unanswered = set(genes), set(genes)
    chosen: dict[str, str] = {}
    for linkset in data["linksets"]:
        ids = [str(i) for i in linkset.get("ids", [])]
        if len(ids) != 1:
            raise _Fatal(f"ELink linkset for {len(ids)} ids {ids[:3]}, expected one per gene")
        if ids[0] not in requested:
            continue
        links: list[str] = []
        for linksetdb in linkset.get("linksetdbs", []):
            if linksetdb.get("linkname", linkname) == linkname and linksetdb.get("dbto", db) == db:
                links.extend(str(link) for link in linksetdb.get("links", []))
        if links:
            chosen[ids[0]] = sorted(links)[0]
        unanswered.discard(ids[0])
    if unanswered:  # NCBI answers every id, with a linkset without links when nothing links
        log.warning("ncbi: no ELink linkset for gene(s) %s; not found", sorted(unanswered)[:5])
    return chosen


def _ncbi_efetch(client: _Client, molecule: str, accessions: list[str]) -> _Found:
    """EFetch FASTA records; match by accession.version, or by accession for unversioned ids."""
    db = NCBI_LINKS[molecule][0]
    form = _ncbi_form(
        client,
        [("db", db), ("rettype", "fasta"), ("retmode", "text"), ("id", ",".join(accessions))],
    )

    def parse(response: requests.Response) -> _Found:
        by_accession: dict[str, tuple[str, str]] = {}
        by_base: dict[str, tuple[str, str]] = {}
        for header, _description, sequence in _parse_fasta(response.text):
            accession = header.split("|")[1] if header.count("|") >= 2 else header
            by_accession.setdefault(accession, (sequence, accession))
            by_base.setdefault(accession.split(".")[0], (sequence, accession))
        found: _Found = {}
        for requested in accessions:
            hit = by_accession.get(requested)
            if hit is None and "." not in requested:
                hit = by_base.get(requested)
            if hit is not None and hit[0]:
                found[requested] = hit
        return found

    url = f"{client.settings.base_url}/efetch.fcgi"
    return client.call("POST", url, accessions, parse, data=form)


def _uniprot_batch(client: _Client, ids: list[str]) -> _Found:
    """GET /uniprotkb/accessions (FASTA), following ``Link: rel="next"`` pages."""
    url: str | None = f"{client.settings.base_url}/uniprotkb/accessions"
    params: dict[str, Any] | None = {
        "accessions": ",".join(ids),
        "format": "fasta",
        "size": min(len(ids), UNIPROT_MAX_PAGE_SIZE),
    }
    wanted = set(ids)

    def parse(response: requests.Response) -> tuple[_Found, str | None]:
        page: _Found = {}
        for header, _description, sequence in _parse_fasta(response.text):
            fields = header.split("|")
            accession = fields[1] if len(fields) >= 3 else header
            if accession in wanted and sequence:
                page.setdefault(accession, (sequence, accession))
        return page, response.links.get("next", {}).get("url")

    found: _Found = {}
    for _page in range(len(ids) + 1):  # a page holds >= 1 entry: more pages means a loop
        if url is None:
            return found
        page, url = client.call("GET", url, ids, parse, bisectable=True, params=params)
        found.update(page)
        params = None  # the next-page URL carries the query
    raise client.fail(ids, "UniProt kept announcing further pages")


def _ensembl_batch(client: _Client, ids: list[str]) -> _Found:
    """POST /sequence/id with a JSON body; match answers by ``query`` (else ``id``)."""
    wanted = set(ids)

    def parse(response: requests.Response) -> _Found:
        data = _parse_json(response)
        if isinstance(data, dict) and "error" in data:
            raise _Fatal(f"Ensembl error: {data['error']}")
        if not isinstance(data, list):
            raise _Malformed(f"Ensembl answer is not a list: {str(data)[:200]}")
        found: _Found = {}
        for item in data:
            key = item.get("query") or item.get("id")
            sequence = "".join(str(item.get("seq") or "").split()).upper()
            if key in wanted and sequence:
                stable = item.get("id") or key
                version = item.get("version")
                accession = f"{stable}.{version}" if version and "." not in stable else stable
                found.setdefault(key, (sequence, accession))
        return found

    return client.call(
        "POST",
        f"{client.settings.base_url}/sequence/id",
        ids,
        parse,
        bisectable=True,
        json={"ids": ids},
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )


# --------------------------------------------------------------------------------------------
# Local FASTA (miRBase, NONCODE)
# --------------------------------------------------------------------------------------------


def _fetch_local(database: str, ids: list[str], local_fasta: str | os.PathLike | None) -> _Found:
    """Look ``ids`` up in a miRBase or NONCODE FASTA (plain, gzip or zip), read once."""
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
    with _open_text(path) as handle:
        for record in SeqIO.parse(handle, "fasta"):
            sequence = str(record.seq).upper()
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
    found: _Found = {}
    for key in ids:
        hit = exact.get(key)
        if hit is None and key in unversioned:
            _version, sequence, accession = unversioned[key]
            hit = (sequence, accession)
        if hit is not None and hit[0]:
            found[key] = hit
    log.info("%s: %d of %d ids found in %s", database, len(found), len(ids), path)
    return found


def _open_text(path: Path):
    """Open a FASTA as text: plain, gzip, or the first file of a zip archive (NONCODE's
    ``ncrna_NONCODE[v5.0].fasta.zip``)."""
    with open(path, "rb") as raw:
        magic = raw.read(4)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rt")
    if magic == b"PK\x03\x04":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members:
            raise ValueError(f"{path}: the zip archive holds no file")
        return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8")
    return open(path)
