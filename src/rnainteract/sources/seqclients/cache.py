"""The per-id SQLite cache of fetched sequences: found and known-missing ids of one database
and molecule, written one batch per transaction so that an interrupted fetch resumes."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

_SQLITE_CHUNK = 500


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
