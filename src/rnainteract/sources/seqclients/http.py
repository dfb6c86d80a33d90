"""The HTTP layer of the sequence clients: options per database, one requests session with
urllib3 retries and a rate limiter per fetch, answer checks, and the counters of a fetch."""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from Bio import SeqIO
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from rnainteract.sources.download import RETRY_STATUS  # 429 and 5xx, shared with the downloads
from rnainteract.sources.seqclients.ratelimit import RateLimiter

log = logging.getLogger(__name__)

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
BAD_ID = re.compile(r"[\s,]")

Found = dict[str, tuple[str, str]]
"""What a fetcher returns: requested id → (sequence, accession of the record used)."""


class SequenceFetchError(RuntimeError):
    """A batch could not be fetched (HTTP error after retries, truncated or malformed answers).

    The message names the database, the first ids of the batch and the last error.
    """


class MalformedAnswer(Exception):
    """An answer that may be transient (truncated, unparseable): re-request the batch."""


class FatalAnswer(Exception):
    """An answer that will not get better by asking again (error payload, 404, ...)."""


class BadRequest(Exception):
    """HTTP 400 for a batch whose database lets us bisect it (UniProt, Ensembl)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


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


@dataclass(frozen=True)
class Settings:
    base_url: str
    batch_size: int
    max_requests_per_s: float
    timeout_s: float
    retries: int
    backoff_s: float
    ncbi_params: tuple[tuple[str, str], ...] = ()


def resolve_options(database: str, options: Mapping) -> Settings:
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
    return Settings(
        base_url=str(merged["base_url"]).rstrip("/"),
        batch_size=batch_size,
        max_requests_per_s=rate,
        timeout_s=float(merged["timeout_s"]),
        retries=retries,
        backoff_s=float(merged["backoff_s"]),
        ncbi_params=tuple(ncbi_params),
    )


class Client:
    """One session, one rate limiter and the report's counters, for one fetch."""

    def __init__(self, database: str, settings: Settings, report: FetchReport):
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

    def __enter__(self) -> Client:
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
            BadRequest: HTTP 400 and ``bisectable``.
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
            except MalformedAnswer as err:
                last_error = str(err)
                continue
            except FatalAnswer as err:
                raise self.fail(ids, str(err)) from err
            self.report.requests += 1
            status = response.status_code
            if status == 400 and bisectable:
                raise BadRequest(response.text)
            if status != 200:
                raise self.fail(
                    ids,
                    f"HTTP {status} from {response.url} (after urllib3 retries): "
                    f"{response.text[:300]!r}",
                )
            try:
                return parse(response)
            except MalformedAnswer as err:
                last_error = str(err)
            except FatalAnswer as err:
                raise self.fail(ids, str(err)) from err
        raise self.fail(ids, f"gave up after {settings.retries + 1} attempts: {last_error}")

    def _send(self, method: str, url: str, kwargs: dict) -> requests.Response:
        """One request with its whole body read; urllib3's retries are added to the report.

        Raises:
            MalformedAnswer: the body was cut short, or a timeout/connection error urllib3 did not
                retry (retry the batch).
            FatalAnswer: urllib3 gave up after its retries (connection errors, read timeouts).
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
            raise FatalAnswer(f"gave up after {self.settings.retries} retries: {err}") from err
        except body_errors as err:
            if err.args and isinstance(err.args[0], MaxRetryError):  # urllib3 already retried
                raise FatalAnswer(f"gave up after {self.settings.retries} retries: {err}") from err
            raise MalformedAnswer(f"{type(err).__name__}: {err}") from err
        history = getattr(getattr(response.raw, "retries", None), "history", None) or ()
        self.report.retries += len(history)
        try:
            with response:
                response.content  # noqa: B018 - reads the whole body now, inside this try
        except body_errors as err:
            raise MalformedAnswer(f"body read failed ({type(err).__name__}: {err})") from err
        check_length(response)
        return response


def check_length(response: requests.Response) -> None:
    expected = response.headers.get("Content-Length")
    if expected is None or response.headers.get("Content-Encoding", "identity") != "identity":
        return
    if len(response.content) != int(expected):
        raise MalformedAnswer(f"truncated body ({len(response.content)} of {expected} bytes)")


def parse_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as err:
        raise MalformedAnswer(
            f"answer is not valid JSON ({err}): {response.text[-100:]!r}"
        ) from err


def parse_fasta(text: str) -> list[tuple[str, str, str]]:
    """``[(first header token, full description, upper-case sequence)]`` of a FASTA answer."""
    if not text.strip():
        return []
    if not text.lstrip().startswith(">"):
        raise MalformedAnswer(f"answer is not FASTA: {text[:100]!r}")
    if not text.endswith("\n"):
        raise MalformedAnswer("FASTA answer ends mid-line (truncated body)")
    records = [
        (rec.id, rec.description, str(rec.seq).upper())
        for rec in SeqIO.parse(io.StringIO(text), "fasta")
    ]
    if records and not records[-1][2]:
        raise MalformedAnswer(
            f"last FASTA record {records[-1][0]!r} has no sequence (truncated body)"
        )
    return records


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
