"""External inputs ("sources"): declared in config, resolved mirror → cache → URL.

A source is one file with its real public download URL, an optional SHA-256 and a path relative
to a mirror root (../shared/ARCHITECTURE.md, "Sources"). :func:`resolve_source` looks for it

1. in each mirror directory (``mirror_dirs`` in config) at ``path``;
2. in the download cache (``resources/sources/<path>``);
3. at its URL: streamed with requests into a temporary file, checked, renamed into the cache
   (:func:`download`: retries with backoff and ``Retry-After``, redirects, content coding undone,
   ``Range`` resume after a dropped connection, HTML error pages refused).

A checksum mismatch is always an error naming the file and both hashes. pooch was considered and
not used: it neither resumes a dropped download nor recognises an HTML page served in place of
the file, and the cache layout (mirror path = cache path) is ours anyway.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from rnainteract.io.files import atomic_path, sha256_file

log = logging.getLogger(__name__)

RETRY_STATUS = (429, 500, 502, 503, 504)
CACHE_DIR = "resources/sources"


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the one declared for its source."""


class DownloadError(RuntimeError):
    """A source could not be downloaded (HTTP error after retries, truncated body, timeout)."""


class FatalDownloadError(DownloadError):
    """A download that a retry cannot fix (not retried)."""


class HtmlPageError(FatalDownloadError):
    """A server answered with an HTML page (status 200) where a data file was expected."""


@dataclass(frozen=True)
class Source:
    """One external file.

    Attributes:
        name: config key, e.g. ``rpi369_pairs``.
        url: public download URL (http, https or file).
        path: path relative to a mirror root and to the cache,
            e.g. ``RPI369/ipminer_RPI369_all.txt``.
        sha256: expected hex SHA-256 of the file's bytes, or ``None`` to skip the check.
    """

    name: str
    url: str
    path: str
    sha256: str | None = None

    @classmethod
    def from_config(cls, name: str, entry: Mapping) -> Source:
        """Build a Source from its config entry (keys ``url``, ``path``, optional ``sha256``)."""
        missing = {"url", "path"} - set(entry)
        if missing:
            raise ValueError(f"source {name!r}: missing key(s) {sorted(missing)} in config")
        if Path(entry["path"]).is_absolute() or ".." in Path(entry["path"]).parts:
            raise ValueError(f"source {name!r}: path {entry['path']!r} must be relative, no '..'")
        return cls(name, entry["url"], entry["path"], entry.get("sha256") or None)


def verify_sha256(path: str | os.PathLike, expected: str | None, *, source: str = "") -> str:
    """Return the file's SHA-256; raise :class:`ChecksumError` if ``expected`` differs."""
    actual = sha256_file(path)
    if expected and actual.lower() != expected.lower():
        label = f"source {source!r}, " if source else ""
        raise ChecksumError(
            f"{path}: checksum mismatch ({label}expected sha256 {expected.lower()}, got {actual})"
        )
    return actual


def find_local(
    source: Source,
    mirror_dirs: Iterable[str | os.PathLike],
    cache_dir: str | os.PathLike = CACHE_DIR,
) -> Path | None:
    """Return the first copy of ``source`` in the mirrors, then the cache; else ``None``."""
    for root in [*mirror_dirs, cache_dir]:
        candidate = Path(root) / source.path
        if candidate.is_file():
            return candidate
    return None


def make_session(*, retries: int = 5, backoff_s: float = 1.0) -> requests.Session:
    """A requests session that retries connection errors, 429 and 5xx with exponential backoff.

    ``Retry-After`` headers are honoured (urllib3 ``Retry``).
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_s,
        status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    sha256: str | None = None,
    retries: int = 5,
    backoff_s: float = 1.0,
    timeout_s: float = 60.0,
    session: requests.Session | None = None,
) -> Path:
    """Stream ``url`` into ``dest`` atomically, verifying length and (optionally) SHA-256.

    How real servers are met:

    - HTTP 429 and 5xx are retried by the session with backoff, honouring ``Retry-After``
      (:func:`make_session`); other HTTP errors (404, 403, ...) fail at once.
    - Redirects are followed (Hugging Face answers ``resolve/main`` with a redirect to its CDN).
    - The request asks for ``Accept-Encoding: identity``. A server that compresses anyway
      (``Content-Encoding: gzip``/``deflate``) is decoded, and the body's length is checked on the
      bytes received over the wire, since ``Content-Length`` counts those; a ``.gz`` file that a
      server labels ``Content-Encoding: gzip`` is kept as published, not unpacked.
    - A body cut short (dropped connection, read timeout, fewer bytes than ``Content-Length``) is
      retried up to ``retries`` times. If the server validated the file (``ETag`` or
      ``Last-Modified``), answered without content coding and accepts ``Range``, the retry
      resumes where the body stopped (``Range`` + ``If-Range``); otherwise it restarts from zero.
    - An HTML page served with status 200 where a data file was expected (a login or error page)
      is an error, not a file.

    The partial file is a temporary file beside ``dest``; only a complete, checked file is renamed
    onto ``dest``, and nothing is left at ``dest`` on failure. The SHA-256 is always over the file
    as published (after any content coding is undone).

    Raises:
        DownloadError: the server kept failing, the body stayed truncated, or it sent an HTML
            page; the message names the URL.
        ChecksumError: the downloaded bytes do not match ``sha256``.
    """
    dest = Path(dest)
    session = session or make_session(retries=retries, backoff_s=backoff_s)
    with atomic_path(dest) as tmp:
        partial = _Partial(tmp, dest.name)
        for attempt in range(1, retries + 2):
            try:
                _stream_to(session, url, partial, timeout_s)
                break
            except requests.exceptions.RetryError as err:
                raise DownloadError(f"{url}: gave up after {retries} retries ({err})") from err
            except requests.exceptions.HTTPError as err:
                raise DownloadError(f"{url}: HTTP error {err}") from err
            except FatalDownloadError:
                raise
            except (requests.exceptions.RequestException, DownloadError) as err:
                how = "resuming" if partial.resumable else "restarting"
                log.warning(
                    "download of %s failed (attempt %d, %d bytes kept, %s): %s",
                    url,
                    attempt,
                    partial.size,
                    how,
                    err,
                )
                if attempt == retries + 1:
                    raise DownloadError(
                        f"{url}: download failed after {retries + 1} attempts: {err}"
                    ) from err
                time.sleep(backoff_s * 2 ** (attempt - 1))
        verify_sha256(tmp, sha256, source=url)
    log.info("downloaded %s -> %s (attempt %d)", url, dest, attempt)
    return dest


HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
KEEP_ENCODED_SUFFIXES = (".gz", ".tgz")
GZIP_CODINGS = ("gzip", "x-gzip")
DECODED_CODINGS = ("identity", *GZIP_CODINGS, "deflate")


@dataclass
class _Partial:
    """The part of a download received so far, and whether a retry may resume it.

    Attributes:
        path: the temporary file; name: the destination's file name (``.gz`` kept encoded).
        size: bytes written so far.
        total: the whole file's length (``Content-Length`` of the response that began it).
        validator: that response's strong ETag, else its Last-Modified (for ``If-Range``).
        resumable: a validator and a total were given and the body had no content coding.
    """

    path: Path
    name: str
    size: int = 0
    total: int | None = None
    validator: str | None = None
    resumable: bool = False

    def restart(self) -> None:
        self.path.write_bytes(b"")
        self.size, self.total, self.validator, self.resumable = 0, None, None, False


def _validator(response: requests.Response) -> str | None:
    """A strong ETag (``If-Range`` needs one; RFC 9110 §13.1.5), else Last-Modified."""
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("Last-Modified")


def _stream_to(session: requests.Session, url: str, partial: _Partial, timeout_s: float) -> None:
    """One request: resume ``partial`` if possible, else (re)write it from zero.

    Raises DownloadError (truncated, bad Content-Range: both retried), FatalDownloadError (HTML
    page, unknown content coding: not retried), requests errors; an interrupted body becomes
    ``requests.exceptions.ConnectionError``. Errors writing the local file propagate as they are.
    """
    headers = {"Accept-Encoding": "identity"}
    resume = partial.resumable and partial.size > 0
    if resume:
        headers["Range"] = f"bytes={partial.size}-"
        headers["If-Range"] = partial.validator
    else:
        partial.restart()
    with session.get(url, stream=True, timeout=timeout_s, headers=headers) as response:
        if response.status_code == 416 and resume:  # "Range Not Satisfiable": start again
            size = partial.size
            partial.restart()
            raise DownloadError(f"{url}: the server refused to resume at byte {size} (416)")
        response.raise_for_status()
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in DECODED_CODINGS:
            raise FatalDownloadError(
                f"{url}: unsupported Content-Encoding {encoding!r} (asked for identity; "
                f"handled: {', '.join(DECODED_CODINGS)})"
            )
        expected = response.headers.get("Content-Length")
        if response.status_code == 206 and not resume:
            raise DownloadError(f"{url}: the server sent part of the file (206) unasked")
        if response.status_code == 206:
            _check_partial_response(url, response, partial)
            mode = "ab"
        else:  # a full body: the server ignored Range, or the file changed (If-Range)
            if resume:
                log.info("%s: server sent the whole file again; restarting from zero", url)
            partial.restart()
            partial.validator = _validator(response)
            partial.total = int(expected) if expected is not None else None
            partial.resumable = (
                partial.validator is not None
                and partial.total is not None
                and encoding == "identity"
            )
            mode = "wb"
        keep_encoded = encoding in GZIP_CODINGS and (
            urlsplit(url).path.endswith(KEEP_ENCODED_SUFFIXES)
            or partial.name.endswith(KEEP_ENCODED_SUFFIXES)
        )
        first = partial.size == 0
        chunks = response.raw.stream(1 << 16, decode_content=not keep_encoded)
        with open(partial.path, mode) as handle:
            while True:
                try:
                    chunk = next(chunks, None)
                except (urllib3.exceptions.HTTPError, OSError) as err:
                    raise requests.exceptions.ConnectionError(
                        f"{url}: body interrupted after {partial.size} bytes: {err}"
                    ) from err
                if chunk is None:
                    break
                if first and chunk:
                    _refuse_html(url, response, _head(chunk, keep_encoded))
                    first = False
                handle.write(chunk)
                partial.size += len(chunk)
        received = response.raw.tell()  # bytes on the wire, before content decoding
    if expected is not None and received != int(expected):
        raise DownloadError(f"{url}: truncated body ({received} of {expected} bytes received)")


def _check_partial_response(url: str, response: requests.Response, partial: _Partial) -> None:
    """A 206 must continue the same file: ``bytes <size>-<total-1>/<total>`` and, where it names
    one, the validator of the response that began it; otherwise the file restarts from zero."""
    content_range = response.headers.get("Content-Range", "")
    wanted = f"bytes {partial.size}-{partial.total - 1}/{partial.total}"
    now = _validator(response)
    if content_range != wanted or (now is not None and now != partial.validator):
        size = partial.size
        partial.restart()
        raise DownloadError(
            f"{url}: asked to resume at byte {size}, got Content-Range {content_range!r} "
            f"(expected {wanted!r}) and validator {now!r}; restarting from zero"
        )


def _head(chunk: bytes, gzip_encoded: bool) -> bytes:
    """The first bytes of the file as a reader sees them (a kept-encoded .gz is unpacked)."""
    if not gzip_encoded:
        return chunk[:512]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(chunk, 512)
    except zlib.error:
        return b""


def _refuse_html(url: str, response: requests.Response, head: bytes) -> None:
    content_type = response.headers.get("Content-Type", "")
    wants_html = urlsplit(url).path.lower().endswith((".html", ".htm"))
    start = head.lstrip().lower()
    labelled_html = content_type.lower().startswith("text/html") and start.startswith(b"<")
    if not wants_html and (start.startswith(HTML_STARTS) or labelled_html):
        first_line = head[:200].decode("utf-8", "replace").strip().splitlines()[:1]
        raise HtmlPageError(
            f"{url}: the server answered {response.status_code} with an HTML page "
            f"(Content-Type {content_type!r}, begins {first_line}) where a data file was "
            "expected; the URL may need a login, have moved, or point at a landing page"
        )


def resolve_source(
    source: Source,
    mirror_dirs: Iterable[str | os.PathLike],
    *,
    cache_dir: str | os.PathLike = CACHE_DIR,
    allow_download: bool = True,
    **download_options,
) -> Path:
    """Return a verified local path for ``source`` (mirror → cache → URL).

    Raises:
        FileNotFoundError: not in any mirror or the cache and ``allow_download`` is false.
        ChecksumError: the file found or downloaded has the wrong SHA-256.
        DownloadError: the URL could not be fetched.
    """
    local = find_local(source, mirror_dirs, cache_dir)
    if local is None:
        if not allow_download:
            raise FileNotFoundError(
                f"source {source.name!r}: {source.path} is in no mirror ({list(mirror_dirs)}) "
                f"nor in {cache_dir}, and downloads are disabled"
            )
        local = download(
            source.url, Path(cache_dir) / source.path, sha256=source.sha256, **download_options
        )
    verify_sha256(local, source.sha256, source=source.name)
    return local
