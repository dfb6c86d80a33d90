"""External inputs ("sources"): declared in config, resolved mirror → cache → URL.

A source is one file with its real public download URL, an optional SHA-256 and a path relative
to a mirror root (../shared/ARCHITECTURE.md, "Sources"). :func:`resolve_source` looks for it

1. in each mirror directory (``mirror_dirs`` in config) at ``path``;
2. in the download cache (``resources/sources/<path>``);
3. at its URL: streamed with requests into a temporary file, checked, renamed into the cache.

A checksum mismatch is always an error naming the file and both hashes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
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

    HTTP errors are retried by the session (see :func:`make_session`); a truncated or timed-out body
    is retried up to ``retries`` times as a whole. Nothing is left at ``dest`` on failure.

    Raises:
        DownloadError: the server kept failing, or the body stayed truncated.
        ChecksumError: the downloaded bytes do not match ``sha256``.
    """
    dest = Path(dest)
    session = session or make_session(retries=retries, backoff_s=backoff_s)
    last_error: Exception | None = None
    for attempt in range(1, retries + 2):
        try:
            with atomic_path(dest) as tmp:
                _stream_to(session, url, tmp, timeout_s)
                verify_sha256(tmp, sha256, source=url)
            log.info("downloaded %s -> %s (attempt %d)", url, dest, attempt)
            return dest
        except ChecksumError:
            raise
        except requests.exceptions.RetryError as err:
            raise DownloadError(f"{url}: gave up after {retries} retries ({err})") from err
        except requests.exceptions.HTTPError as err:
            raise DownloadError(f"{url}: HTTP error {err}") from err
        except (requests.exceptions.RequestException, DownloadError) as err:
            last_error = err
            log.warning("download of %s failed (attempt %d): %s", url, attempt, err)
    raise DownloadError(f"{url}: download failed after {retries + 1} attempts: {last_error}")


def _stream_to(session: requests.Session, url: str, tmp: Path, timeout_s: float) -> None:
    with session.get(url, stream=True, timeout=timeout_s) as response:
        response.raise_for_status()
        expected = response.headers.get("Content-Length")
        written = 0
        with open(tmp, "wb") as handle:
            for chunk in response.iter_content(chunk_size=1 << 16):
                handle.write(chunk)
                written += len(chunk)
    if expected is not None and written != int(expected):
        raise DownloadError(f"{url}: truncated body ({written} of {expected} bytes)")


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
