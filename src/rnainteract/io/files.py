"""Atomic file output, checksums, small table/JSON writers, and compressed text input.

Every writer here goes through :func:`atomic_path`: the content is written to a temporary file in
the destination folder and renamed onto the final name only when complete, so a killed job never
leaves a half-written file that looks finished.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the source lock imports this module while planning
    import pandas as pd

CHUNK_BYTES = 1 << 20


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    The parent folder is created. On an exception the temporary file is removed and ``path`` is
    left untouched.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_current_umask())  # mkstemp makes 0600; outputs are shared files
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` as indented, key-sorted JSON, atomically (NaN is written as ``null``)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_nan_to_none(obj), indent=2, sort_keys=True) + "\n")


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_nan_to_none(v) for v in obj]
    return obj


def write_parquet(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a DataFrame to Parquet (zstd, no pandas index), atomically."""
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False, compression="zstd")


def write_tsv(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a DataFrame as a tab-separated file with header and no index, atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, lineterminator="\n")


def open_text(path: str | os.PathLike):
    """Open a text file for reading whatever its packing, told by its first bytes: plain, gzip
    (``1f 8b``), or the first file of a zip archive (``PK 03 04``; NONCODE's
    ``ncrna_NONCODE[v5.0].fasta.zip``).

    Returns:
        A text handle (UTF-8); use it as a context manager.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a zip archive without any file, naming ``path``.
    """
    with open(path, "rb") as raw:
        magic = raw.read(4)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    if magic == b"PK\x03\x04":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if not members:
            raise ValueError(f"{path}: the zip archive holds no file")
        return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8")
    return open(path, encoding="utf-8")


class TextFileError(ValueError):
    """A user's text file cannot be read as text: binary, not UTF-8, or a truncated or corrupt
    gzip/zip stream (the message names the file)."""


@contextlib.contextmanager
def text_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn the decoding errors of reading ``path`` (opened with :func:`open_text`) into a
    :class:`TextFileError` that names the file, instead of a bare ``UnicodeDecodeError`` or
    ``EOFError``; use it around the whole read."""
    try:
        yield
    except UnicodeDecodeError as err:
        raise TextFileError(
            f"{path}: not a UTF-8 text file (undecodable byte at offset {err.start} of a "
            "read block); a binary file or another encoding?"
        ) from None
    except (EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile) as err:
        raise TextFileError(f"{path}: truncated or corrupt compressed file ({err})") from None
