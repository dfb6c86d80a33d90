"""The source lock: which bytes a run read, and a rerun that refuses any other bytes.

Several sources have no SHA-256 in the config because they change upstream (RNAInter's archive,
the current Rfam/Pfam releases, model weights at Hugging Face ``main``), so two rebuilds months
apart could differ silently. Every run therefore writes ``results/sources.lock.json`` (rule
``source_lock``): one record per source the run used (:func:`rnainteract.config.used_sources`)
with its name, URL, mirror path, where it was resolved from (``mirror``, with the mirror
directory as configured; ``cache``, the download cache; or ``missing`` for weight files that are
absent, i.e. a random-init embedder), its size in bytes,
its SHA-256 and, for a file the workflow downloaded, the time the download finished (the cached
file's modification time, UTC; ``null`` for a mirror copy).

A run given ``--config lock=<file>`` checks every source it uses against that lock before any
job runs (:func:`check_lock`, called by ``workflow/rules/common.smk``): a file whose bytes differ
is an error naming the source, the file and both hashes; a source the lock does not cover, or a
weight file present on one side only, is an error too. A source not yet on disk is downloaded and
checked against the lock's SHA-256 by rule ``download_source`` (:func:`locked_sha256`; the config
is not changed, so no rule's parameters change with a lock). Sequences fetched from web services
(RNAInter's NCBI/UniProt/Ensembl ids) are not files and are not covered.

This module (and :mod:`rnainteract.io.files`, which it uses) needs the standard library only: the
workflow imports it while planning the DAG, also in a bare Snakemake environment (contract
``light-planning``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from rnainteract.io.files import sha256_file, write_json

LOCK_VERSION = 1


class LockError(ValueError):
    """A source's bytes differ from the lock a run was given, or the lock does not cover it."""


def resolve(
    entry: Mapping, mirror_dirs: Iterable[str], cache_dir: str
) -> tuple[str, Path, str | None]:
    """Where a source's file is: ``("mirror", path, mirror)``, ``("cache", path, None)`` or
    ``("missing", <cache path>, None)``, looked up in the same order as the workflow does
    (:func:`rnainteract.config.source_path`)."""
    for root in mirror_dirs:
        candidate = Path(root) / entry["path"]
        if candidate.is_file():
            return "mirror", candidate, str(root)
    cached = Path(cache_dir) / entry["path"]
    return ("cache" if cached.is_file() else "missing"), cached, None


def source_record(
    name: str,
    entry: Mapping,
    *,
    mirror_dirs: Iterable[str],
    cache_dir: str,
    kind: str = "data",
) -> dict:
    """The lock record of one source.

    Args:
        name: the source's key in ``sources``.
        entry: its config entry (``url``, ``path``, optional ``sha256``).
        mirror_dirs, cache_dir: where the workflow looks for it.
        kind: ``data`` or ``weights`` (a model weight file).

    Returns:
        ``{name, kind, url, path, resolved_from, mirror, size, sha256, downloaded_at}``;
        ``mirror`` is the mirror directory (as configured) or ``None``; ``size`` and
        ``sha256`` are ``None`` for a missing file.

    Raises:
        LockError: a data source (not weights) is missing: the run that writes the lock has
            just read it, so a missing file means it was deleted under the run.
    """
    where, path, mirror = resolve(entry, mirror_dirs, cache_dir)
    if where == "missing" and kind != "weights":
        raise LockError(f"source {name!r}: {path} does not exist (no mirror holds it either)")
    record = {
        "name": name,
        "kind": kind,
        "url": entry["url"],
        "path": entry["path"],
        "resolved_from": where,
        "mirror": mirror,
        "size": None,
        "sha256": None,
        "downloaded_at": None,
    }
    if where != "missing":
        stat = path.stat()
        record.update(size=stat.st_size, sha256=sha256_file(path))
        if where == "cache":
            record["downloaded_at"] = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(
                timespec="seconds"
            )
    return record


def write_lock(records: Iterable[Mapping], path: str | os.PathLike) -> dict:
    """Write the lock (``{"lock_version", "sources": {name: record}}``, sorted) atomically."""
    lock = {"lock_version": LOCK_VERSION, "sources": {r["name"]: dict(r) for r in records}}
    write_json(lock, path)
    return lock


def read_lock(path: str | os.PathLike) -> dict[str, dict]:
    """The records of a lock file, by source name.

    Raises:
        LockError: the file is missing, is not JSON, or is not a lock (naming the file).
    """
    try:
        lock = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise LockError(f"lock file {path} does not exist") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise LockError(f"lock file {path} is not JSON: {err}") from None
    if not isinstance(lock, dict) or not isinstance(lock.get("sources"), dict):
        raise LockError(f"lock file {path} has no 'sources' object; is it a sources.lock.json?")
    if lock.get("lock_version") != LOCK_VERSION:
        raise LockError(
            f"lock file {path}: lock_version {lock.get('lock_version')!r}, expected {LOCK_VERSION}"
        )
    return lock["sources"]


def check_lock(
    lock_path: str | os.PathLike,
    sources: Mapping[str, Mapping],
    used: Mapping[str, str],
    *,
    mirror_dirs: Iterable[str],
    cache_dir: str,
    random_init: bool = True,
) -> list[str]:
    """Check the sources a run uses against a lock, before any job runs (the workflow calls it
    in its main process; cluster jobs, which re-read the workflow, do not hash again).

    Args:
        lock_path: the lock (``--config lock=<file>``).
        sources: the config's ``sources`` section.
        used: the sources the run uses, name → kind (``data``/``weights``).
        mirror_dirs, cache_dir: where the workflow looks for them.
        random_init: ``embedding.allow_random_init``: a missing weight file makes its embedder
            random-init (else the run downloads it).

    Returns:
        The used sources not on disk yet: rule ``download_source`` fetches them and checks each
        against the lock's SHA-256 (:func:`locked_sha256`).

    Raises:
        LockError: naming every source that breaks the lock: a file whose SHA-256 differs (the
            file, the lock's hash and the file's), a source the lock does not cover, a config
            ``sha256`` that contradicts the lock, or a weight file present on one side only.
    """
    lock = read_lock(lock_path)
    mirror_dirs = list(mirror_dirs)
    problems, to_download = [], []
    for name, kind in used.items():
        record = lock.get(name)
        if record is None:
            problems.append(f"source {name!r} is used but not in the lock")
            continue
        entry = sources[name]
        where, path, _ = resolve(entry, mirror_dirs, cache_dir)
        locked = record.get("sha256")
        declared = entry.get("sha256")
        if declared and locked and declared.lower() != locked.lower():
            problems.append(f"source {name!r}: config sha256 {declared} but the lock has {locked}")
        if where == "missing":
            if locked is None and kind == "weights" and random_init:
                continue  # weights absent in both runs: the same random-init embedder
            if locked is None:
                problems.append(f"source {name!r}: the lock records no sha256 for it")
            elif kind == "weights" and random_init:
                problems.append(
                    f"source {name!r}: the lock has weight file {entry['path']} (sha256 "
                    f"{locked}) but no mirror or cache holds it; this run would use "
                    "random-init weights"
                )
            else:
                to_download.append(name)
            continue
        actual = sha256_file(path)
        if locked is None:
            problems.append(
                f"source {name!r}: {path} exists (sha256 {actual}) but the lock recorded it "
                "missing (random-init weights)"
            )
        elif actual != locked.lower():
            problems.append(
                f"source {name!r}: {path} differs from the lock (lock sha256 {locked}, "
                f"file sha256 {actual})"
            )
    if problems:
        raise LockError(f"sources differ from lock file {lock_path}:\n  " + "\n  ".join(problems))
    return to_download


def locked_sha256(lock_path: str | os.PathLike | None, name: str) -> str | None:
    """The SHA-256 a lock records for source ``name`` (``None`` without a lock or a record):
    rule ``download_source`` checks a download against it when the config has none."""
    if not lock_path:
        return None
    record = read_lock(lock_path).get(name)
    return None if record is None else record.get("sha256")


def write_source_lock(
    sources: Mapping[str, Mapping],
    used: Mapping[str, str],
    *,
    mirror_dirs: Iterable[str],
    cache_dir: str,
    out: str | os.PathLike,
) -> dict:
    """Rule ``source_lock``: hash every used source (name → kind) and write the lock.

    Raises:
        LockError: a used data source is on no disk (see :func:`source_record`).
    """
    mirror_dirs = list(mirror_dirs)
    records = [
        source_record(name, sources[name], mirror_dirs=mirror_dirs, cache_dir=cache_dir, kind=kind)
        for name, kind in sorted(used.items())
    ]
    return write_lock(records, out)
