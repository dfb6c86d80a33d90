"""Embedding cache: every unique sequence embedded once per embedder, in restartable shards.

Layout (``cache_dir`` is ``resources/embedding_cache`` in the workflow)::

    {cache_dir}/{embedder}-{key}/part-00000.parquet ...

``key`` is a digest of the embedder metadata (kind, layer, weights SHA-256, pretrained), the
length policy and the dtype, so that other weights or settings never mix with cached rows. Each
shard is written atomically (temp file + rename): a killed job leaves whole shards only, and the
rerun embeds just the sequences no shard holds, whichever dataset asks for them.

The rule output (``results/embeddings/{embedder}/{molecule}.parquet``) holds the rows of the
requested sequences, sorted by ``sha256`` (of the sequence string), with columns ``sha256``,
``length`` (residues), ``n_windows``, one list column per pooling (:data:`POOLINGS`) and, with
``per_token``, ``tokens`` (``length`` rows of ``dim`` values). The embedder metadata and the
length-policy counts are in the Parquet schema metadata under ``rnainteract`` (JSON).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from rnainteract.features.embeddings.embedders import Embedder
from rnainteract.features.embeddings.pooling import (
    LENGTH_POLICIES,
    POOLINGS,
    merge_windows,
    pool,
    windows,
)
from rnainteract.io.fasta import read_fasta
from rnainteract.io.files import atomic_path

log = logging.getLogger(__name__)

DTYPES = {"float32": pa.float32(), "float16": pa.float16()}


def sequence_sha256(sequence: str) -> str:
    """Cache key of a sequence: SHA-256 of its (normalized) letters, hex."""
    return hashlib.sha256(sequence.encode()).hexdigest()


def cache_key(
    embedder: Embedder, length_policy: str, overlap: int, dtype: str, per_token: bool = False
) -> str:
    """Digest of everything that changes the cached rows. Shards with per-token matrices live
    apart from pooled-only shards (a table cannot mix them); ``per_token=False`` keeps the key
    of caches written before per-token storage was keyed."""
    meta = {
        **embedder.metadata(),
        "length_policy": length_policy,
        "overlap": overlap,
        "dtype": dtype,
    }
    if per_token:
        meta["per_token"] = True
    meta.pop("embedder")
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:16]


def _batches(lengths: np.ndarray, token_budget: int) -> list[np.ndarray]:
    """Indices sorted by length, cut so that (longest in batch + 2) × size ≤ token_budget."""
    order = np.argsort(lengths, kind="stable")
    out, current, longest = [], [], 0
    for i in order:
        need = max(longest, int(lengths[i]) + 2)
        if current and need * (len(current) + 1) > token_budget:
            out.append(np.array(current))
            current, need = [], int(lengths[i]) + 2
        current.append(i)
        longest = need
    if current:
        out.append(np.array(current))
    return out


class ShardWriter:
    """Collects rows and writes a shard (atomically) once ``shard_size`` rows are held at a batch
    boundary, so that the cache always holds whole batches: a resumed run forms exactly the
    batches the uninterrupted run would have formed next (same padding, same numbers)."""

    def __init__(self, directory: Path, shard_size: int, dtype: str, per_token: bool):
        self.directory, self.shard_size = directory, shard_size
        self.dtype, self.per_token = DTYPES[dtype], per_token
        self.rows: list[dict] = []
        self.n_written = len(list(directory.glob("part-*.parquet")))

    def add(self, row: dict) -> None:
        self.rows.append(row)

    def end_batch(self) -> None:
        if len(self.rows) >= self.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = {
            "sha256": pa.array([r["sha256"] for r in self.rows], pa.string()),
            "length": pa.array([r["length"] for r in self.rows], pa.int32()),
            "n_windows": pa.array([r["n_windows"] for r in self.rows], pa.int16()),
        }
        for name in POOLINGS:
            values = [r["pooled"].get(name) for r in self.rows]
            columns[name] = pa.array(
                [None if v is None else v.tolist() for v in values], pa.list_(self.dtype)
            )
        if self.per_token:
            columns["tokens"] = pa.array(
                [r["tokens"].tolist() for r in self.rows], pa.list_(pa.list_(self.dtype))
            )
        path = self.directory / f"part-{self.n_written:05d}-{int(time.time() * 1e3)}.parquet"
        with atomic_path(path) as tmp:
            pq.write_table(pa.table(columns), tmp, compression="zstd")
        log.info("wrote %s (%d sequences)", path.name, len(self.rows))
        self.n_written += 1
        self.rows = []


def cached_keys(directory: Path) -> set[str]:
    """SHA-256 keys held by the complete shards of a cache directory."""
    keys: set[str] = set()
    for shard in sorted(directory.glob("part-*.parquet")):
        keys.update(pq.read_table(shard, columns=["sha256"]).column(0).to_pylist())
    return keys


def embed_sequences(
    sequences: dict[str, str],
    embedder: Embedder,
    *,
    cache_dir: str | os.PathLike,
    length_policy: str = "truncate",
    overlap: int = 256,
    token_budget: int | None = None,
    dtype: str = "float32",
    per_token: bool = False,
    shard_size: int = 256,
    progress: bool = True,
) -> dict:
    """Embed the sequences that the cache lacks (keyed by sequence SHA-256).

    Args:
        sequences: sha256 → sequence (distinct sequences).
        length_policy: ``truncate``, ``window`` or ``drop`` for sequences longer than the
            embedder's window (:mod:`rnainteract.features.embeddings.pooling`); ``overlap`` for
            windows.
        token_budget: padded tokens per batch (sequences are batched shortest first); None:
            1,024 on a CPU (measured here: larger batches are slower on 2 cores, see
            tests/benchmarks/bench_embeddings.py), 16,384 on a GPU.
        dtype: ``float32`` or ``float16`` storage.

    Returns:
        Counts: ``n_requested``, ``n_cached_before``, ``n_embedded``, ``n_dropped_too_long``,
        ``n_truncated``, ``n_windowed``, ``dropped`` (keys), ``cache`` (the directory).

    Raises:
        ValueError: unknown policy or dtype.
    """
    if length_policy not in LENGTH_POLICIES:
        raise ValueError(f"length_policy must be one of {LENGTH_POLICIES}, got {length_policy!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    key = cache_key(embedder, length_policy, overlap, dtype, per_token)
    directory = Path(cache_dir) / f"{embedder.name}-{key}"
    directory.mkdir(parents=True, exist_ok=True)
    have = cached_keys(directory)
    todo = sorted(k for k in sequences if k not in have)
    window = embedder.window
    stats = {
        "n_requested": len(sequences),
        "n_cached_before": len(sequences) - len(todo),
        "n_embedded": 0,
        "n_dropped_too_long": 0,
        "n_truncated": 0,
        "n_windowed": 0,
        "dropped": [],
        "cache": str(directory),
    }
    plain, windowed = [], []
    for key in todo:
        seq = sequences[key]
        if window is None or len(seq) <= window:
            plain.append(key)
        elif length_policy == "drop":
            stats["n_dropped_too_long"] += 1
            stats["dropped"].append(key)
            log.info("dropped %s: %d residues > window %d", key[:12], len(seq), window)
        elif length_policy == "truncate":
            stats["n_truncated"] += 1
            log.info("truncated %s: %d residues -> %d", key[:12], len(seq), window)
            plain.append(key)
        else:
            stats["n_windowed"] += 1
            windowed.append(key)
    if token_budget is None:
        token_budget = 1024 if embedder.device == "cpu" else 16384
    writer = ShardWriter(directory, shard_size, dtype, per_token)
    bar = _progress(len(plain) + len(windowed), embedder.name, progress)
    lengths = np.array([min(len(sequences[k]), window or 10**9) for k in plain])
    for batch in _batches(lengths, token_budget) if plain else []:
        keys = [plain[i] for i in batch]
        cut = [sequences[k][:window] if window else sequences[k] for k in keys]
        for key, (residues, cls, eos) in zip(keys, embedder.embed(cut), strict=True):
            writer.add(_row(key, len(sequences[key]), 1, residues, cls, eos, per_token))
        writer.end_batch()
        bar.update(len(keys))
    for key in windowed:
        seq = sequences[key]
        ranges = windows(len(seq), window, overlap)
        parts = embedder.embed([seq[s:e] for s, e in ranges])
        residues = merge_windows([p[0] for p in parts], ranges, len(seq))
        writer.add(_row(key, len(seq), len(ranges), residues, parts[0][1], parts[-1][2], per_token))
        writer.end_batch()
        bar.update(1)
    writer.flush()
    bar.close()
    stats["n_embedded"] = len(plain) + len(windowed)
    return stats


def _row(key, length, n_windows, residues, cls, eos, per_token) -> dict:
    row = {
        "sha256": key,
        "length": length,
        "n_windows": n_windows,
        "pooled": pool(residues, cls, eos),
    }
    if per_token:
        row["tokens"] = np.asarray(residues, dtype=np.float32)
    return row


def _progress(total: int, name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"embed {name}", unit="seq", disable=not enabled, mininterval=5)


def write_embeddings(
    fastas: list[str | os.PathLike],
    embedder: Embedder,
    out: str | os.PathLike,
    *,
    cache_dir: str | os.PathLike,
    **options,
) -> dict:
    """Rule ``embed``: embed the distinct sequences of the FASTA files (through the cache) and
    write the output table (module docstring), with the metadata and counts in its schema
    metadata. Returns the counts. Options: those of :func:`embed_sequences`."""
    sequences: dict[str, str] = {}
    for fasta in fastas:
        for seq in read_fasta(fasta).values():
            sequences[sequence_sha256(seq)] = seq
    stats = embed_sequences(sequences, embedder, cache_dir=cache_dir, **options)
    directory = Path(stats["cache"])
    wanted = set(sequences) - set(stats["dropped"])
    tables = [pq.read_table(p) for p in sorted(directory.glob("part-*.parquet"))]
    table = pa.concat_tables(tables) if tables else None
    if table is None or table.num_rows == 0:
        raise ValueError(f"{embedder.name}: nothing embedded for {fastas}")
    keys = np.array(table.column("sha256").to_pylist(), dtype=object)
    keep = np.flatnonzero(np.isin(keys, list(wanted)))
    keep = keep[np.argsort(keys[keep], kind="stable")]
    _, first = np.unique(keys[keep], return_index=True)  # a key in two shards: keep one row
    table = table.take(pa.array(keep[first]))
    meta = {
        **embedder.metadata(),
        **{k: v for k, v in stats.items() if k != "dropped"},
        "length_policy": options.get("length_policy", "truncate"),
    }
    meta["cache"] = directory.name
    table = table.replace_schema_metadata({"rnainteract": json.dumps(meta, sort_keys=True)})
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    log.info("%s: %s", embedder.name, meta)
    return stats


def read_embeddings(
    path: str | os.PathLike, pooling: str = "mean"
) -> tuple[dict, list[str], np.ndarray]:
    """Metadata, sequence keys and one pooling of an embedding table as an ``(N, D)`` float32
    matrix (row i belongs to key i)."""
    table = pq.read_table(path, columns=["sha256", pooling])
    meta = json.loads(table.schema.metadata[b"rnainteract"])
    keys = table.column("sha256").to_pylist()
    matrix = np.array(table.column(pooling).to_pylist(), dtype=np.float32)
    return meta, keys, matrix
