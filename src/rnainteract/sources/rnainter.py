"""RNAInter v4 RNA–protein download at full scale: streamed to Parquet, then filtered step by step.

RNAInter's bulk RNA–protein file (``Download_data_RP.tar.gz``, 37,067,587 rows; RNAInterAct
paper, App. B.1) is a tar.gz holding one tab-separated table with the 13 columns of
:data:`RNAINTER_COLUMNS`; empty evidence is the literal ``N/A``. :func:`ingest_rnainter` streams
it (tar member → pyarrow's incremental CSV reader → Parquet row groups), so memory stays flat in
the file size; nothing ever holds the whole table in pandas.

The RNAInterAct recipe (App. B.2–B.4) then runs as steps, each streaming Parquet row groups
with pyarrow (low-cardinality string columns as dictionaries, so string work is done once per
distinct value) and returning its counts (rows in, rows out, rows dropped per reason) so that
the report can show where the data went; consecutive streaming steps can run fused in one pass
(:func:`run_steps`) with their counts kept apart:

1. :func:`step_rna_protein` — rows with one RNA and one protein interactor (protein categories
   ``RBP``, ``TF``, ``Protein``), oriented RNA first, columns renamed to ``rna_*`` / ``protein_*``;
2. :func:`step_categories` — drop mRNA and unspecified RNA categories (App. B.4);
3. :func:`step_species` — keep the configured species (both interactors);
4. :func:`step_map_ids` — ``Raw_ID`` prefix (``NCBI:``, ``UniProt:``, ``Ensembl:``, ``miRBase:``,
   ``NONCODE:``) → the sequence database and the id to ask it for (App. B.2);
5. :func:`step_sequences` — attach the fetched sequences (:mod:`rnainteract.sources.seqclients`);
   drop rows without one or with an invalid one (App. B.2, "exclude any entry that lacks sequence");
6. :func:`step_dedupe` — one row per (RNA, protein) pair, highest score kept;
7. :func:`step_length` — sequence length ≤ 1024 for both molecules (App. B.2);
8. :func:`step_cap` — at most 150 interactions per interactor, seeded subsampling (App. B.4).

:func:`write_rnainter_pairs` writes the output contract shared with the benchmarks
(``results/pairs/rnainter.parquet`` and the two FASTA files).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import queue
import re
import tarfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rnainteract.io.fasta import write_fasta
from rnainteract.io.files import atomic_path, write_json, write_parquet, write_tsv
from rnainteract.io.sequences import length_stats

log = logging.getLogger(__name__)

#: Header of RNAInter v4's download tables (Download_data_RP; ../shared/data/RNAInter_raw_sample).
RNAINTER_COLUMNS = [
    "RNAInterID",
    "Interactor1.Symbol",
    "Category1",
    "Species1",
    "Interactor2.Symbol",
    "Category2",
    "Species2",
    "Raw_ID1",
    "Raw_ID2",
    "score",
    "strong",
    "weak",
    "predict",
]
#: RNAInter's token for an empty field (seen in the strong/weak/predict columns).
MISSING_TOKEN = "N/A"
#: Fields read as null: RNAInter's ``N/A``, an empty field, and ``NaN`` (pandas' print of a
#: missing value, as in rows transcribed from notebook output; never a real RNAInter value).
NULL_TOKENS = (MISSING_TOKEN, "", "NaN")
#: Protein categories of RNAInter's RP table (RNAInterAct App. B.4: "TF, RBP and general proteins").
PROTEIN_CATEGORIES = ("RBP", "TF", "Protein")
#: Raw_ID prefix → sequence database (RNAInterAct App. B.2, Table 4).
DEFAULT_PREFIXES = {
    "NCBI": "ncbi",
    "UniProt": "uniprot",
    "Ensembl": "ensembl",
    "miRBase": "mirbase",
    "NONCODE": "noncode",
}
#: Databases asked for each molecule (App. B.2: proteins from NCBI and UniProt; RNAs from
#: miRBase, Ensembl, NONCODE and NCBI).
DEFAULT_DATABASES = {
    "rna": ("ncbi", "ensembl", "mirbase", "noncode"),
    "protein": ("ncbi", "uniprot"),
}
#: Columns after :func:`step_rna_protein`: only what the filters need. ``row`` is the row's
#: 0-based position in the ingested table; the RNAInter id, the symbols and the evidence
#: (strong/weak/predict) stay there and are looked up by ``row`` for the final pairs (carrying
#: the strings through every step more than doubled the time at 37M rows).
PAIR_ROW_COLUMNS = [
    "row",
    "rna_category",
    "rna_species",
    "protein_category",
    "protein_species",
    "rna_raw_id",
    "protein_raw_id",
    "score",
]
#: Columns after :func:`step_map_ids` (then ``rna_length`` / ``protein_length`` are added).
MAPPED_COLUMNS = [
    "row",
    "rna_category",
    "protein_category",
    "score",
    "rna_database",
    "rna_id",
    "protein_database",
    "protein_id",
]
RNA_LETTERS = "ACGU"
PROTEIN_LETTERS = "ACDEFGHIKLMNPQRSTVWYXBZUO"


class RNAInterFormatError(ValueError):
    """The RNAInter file is malformed (names the file and the reason, with the row when known)."""


# --------------------------------------------------------------------------------------------
# Ingest


@contextlib.contextmanager
def _decompressed(path: Path) -> Iterator:
    """``path`` (gzip) decompressed by ISA-L in a background thread (python-isal's
    ``igzip_threaded``: ~3x zlib's speed, and the inflating overlaps with parsing)."""
    from isal import igzip_threaded

    handle = igzip_threaded.open(path, "rb", threads=1)
    try:
        yield handle
    finally:
        handle.close()


@contextlib.contextmanager
def _open_table(path: Path) -> Iterator:
    """Yield a binary stream of the table inside ``path`` (tar.gz / tar / gz / plain text)."""
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        with contextlib.ExitStack() as stack:
            if name.endswith(".tar"):
                raw = stack.enter_context(open(path, "rb"))
            else:
                raw = stack.enter_context(_decompressed(path))
            # stream mode: no seeking, no index
            archive = stack.enter_context(tarfile.open(fileobj=raw, mode="r|"))
            for member in archive:
                if member.isfile():
                    handle = archive.extractfile(member)
                    log.info("%s: reading member %s (%d bytes)", path, member.name, member.size)
                    yield handle
                    return
            raise RNAInterFormatError(f"{path}: the archive holds no regular file")
    elif name.endswith(".gz"):
        with _decompressed(path) as handle:
            yield handle
    else:
        with open(path, "rb") as handle:
            yield handle


class _BackgroundWriter:
    """A Parquet writer fed from a bounded queue by a thread of its own, so that encoding and
    compressing a row group (which releases the GIL) overlaps with parsing the next CSV blocks.
    Measured at 37M rows on 2 cores: ingest 66 s -> 49 s. An error in the thread is raised again
    by :meth:`put` or :meth:`close`."""

    def __init__(self, path: str | os.PathLike, schema: pa.Schema, **options) -> None:
        self._writer = pq.ParquetWriter(path, schema, **options)
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._reported = False
        self._thread = threading.Thread(target=self._loop, name="parquet-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (table := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._writer.write_table(table, row_group_size=max(1, table.num_rows))
                except BaseException as err:  # handed to the caller's thread
                    self._error = err

    def put(self, table: pa.Table) -> None:
        if self._error is not None:
            self._reported = True
            raise self._error
        self._queue.put(table)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._writer.close()
        if self._error is not None and not self._reported:
            raise self._error


def ingest_rnainter(
    archive: str | os.PathLike,
    out_parquet: str | os.PathLike,
    *,
    block_size: int = 32 << 20,
    row_group_rows: int = 1 << 20,
    compression: str = "zstd",
) -> dict:
    """Stream RNAInter's RNA–protein table into Parquet.

    Args:
        archive: ``Download_data_RP.tar.gz`` (the first regular member is read), a ``.gz`` or a
            plain tab-separated file with RNAInter's header (:data:`RNAINTER_COLUMNS`).
        out_parquet: output; all columns strings except ``score`` (float64); the
            :data:`NULL_TOKENS` become null. Written atomically.
        block_size: bytes per CSV block.
        row_group_rows: rows per Parquet row group (at least; whole CSV blocks are grouped).
            Each later step reads one row group at a time and does its per-distinct-value work
            once per row group, so larger groups mean less of it in total.

    Returns:
        ``{"rows": int, "seconds": float, "source": str}``.

    Raises:
        RNAInterFormatError: wrong header, a row with another number of fields, a non-numeric
            score (pyarrow's message names the row), a truncated or corrupt gzip / tar stream.
    """
    archive = Path(archive)
    start = time.perf_counter()
    schema = pa.schema(
        [(c, pa.float64() if c == "score" else pa.string()) for c in RNAINTER_COLUMNS]
    )
    rows = 0
    try:
        with _open_table(archive) as handle, atomic_path(out_parquet) as tmp:
            header = handle.readline().decode("utf-8").rstrip("\r\n").split("\t")
            if header != RNAINTER_COLUMNS:
                raise RNAInterFormatError(
                    f"{archive}: header {header} is not RNAInter's {RNAINTER_COLUMNS} "
                    f"(missing {sorted(set(RNAINTER_COLUMNS) - set(header))}, "
                    f"unexpected {sorted(set(header) - set(RNAINTER_COLUMNS))})"
                )
            options = {
                "read_options": pacsv.ReadOptions(
                    column_names=RNAINTER_COLUMNS, block_size=block_size
                ),
                "parse_options": pacsv.ParseOptions(delimiter="\t", quote_char=False),
                "convert_options": pacsv.ConvertOptions(
                    column_types=schema,
                    null_values=list(NULL_TOKENS),
                    strings_can_be_null=True,
                ),
            }
            writer = _BackgroundWriter(
                tmp, schema, compression=compression, use_dictionary=_dictionary_columns(schema)
            )
            try:  # the reader parses its first block when opened: errors can come from either
                reader = pacsv.open_csv(handle, **options)
                pending: list[pa.RecordBatch] = []
                for batch in reader:
                    pending.append(batch)
                    rows += batch.num_rows
                    if sum(b.num_rows for b in pending) >= row_group_rows:
                        writer.put(pa.Table.from_batches(pending))
                        pending = []
                if pending or not rows:
                    writer.put(pa.Table.from_batches(pending, schema=schema))
            except pa.ArrowInvalid as err:
                raise RNAInterFormatError(
                    f"{archive}: malformed row after data row {rows:,}: {err}"
                ) from err
            finally:
                writer.close()
    except (EOFError, tarfile.ReadError, gzip.BadGzipFile) as err:
        raise RNAInterFormatError(
            f"{archive}: truncated or corrupt archive (after data row {rows:,}): {err}"
        ) from err
    seconds = time.perf_counter() - start
    log.info("%s: %d rows -> %s in %.1f s", archive, rows, out_parquet, seconds)
    return {"rows": rows, "seconds": round(seconds, 2), "source": str(archive)}


# --------------------------------------------------------------------------------------------
# Filtering steps
#
# Every step streams its input Parquet file one row group at a time, so memory stays flat in
# the row count. Low-cardinality string columns (categories, species, databases) are read as
# dictionaries, so string work is done once per distinct value; ids and raw ids, with nearly as
# many distinct values as rows, are read as plain strings and hashed once per row where needed
# (:data:`HIGH_CARDINALITY_COLUMNS`). A step's ``reason`` per row is null for kept rows; dropped
# rows are counted per reason.

BATCH_ROWS = 1 << 20


def _result(step: str, rows_in: int, rows_out: int, reasons: Mapping[str, int], **extra) -> dict:
    dropped = rows_in - rows_out
    counted = sum(reasons.values())
    if counted != dropped:
        raise AssertionError(f"step {step}: {dropped} rows dropped but {counted} counted")
    log.info("step %s: %d rows in, %d out (%s)", step, rows_in, rows_out, dict(reasons))
    ordered = dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return {
        "step": step,
        "rows_in": int(rows_in),
        "rows_out": int(rows_out),
        "dropped": int(dropped),
        "reasons": ordered,
        **extra,
    }


def _dense(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A plain (non-dictionary) array."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary.take(arr.indices)
    return arr


def _per_value(arr: pa.Array, fn) -> pa.Array:
    """``fn`` applied once per distinct value of a dictionary array (then expanded), else per row.

    ``fn`` maps a string array to an array of the same length; the result is a dictionary array
    over ``fn``'s output when ``fn`` returns strings.
    """
    if pa.types.is_dictionary(arr.type):
        dictionary, indices = _with_null_entry(arr)
        values = fn(dictionary)
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            return pa.DictionaryArray.from_arrays(indices, values.cast(pa.string()))
        return values.take(indices)
    return fn(arr)


def _with_null_entry(arr: pa.DictionaryArray) -> tuple[pa.Array, pa.Array]:
    """The dictionary with a null appended, and indices where null rows point at it (a null
    row has a null index, not a null dictionary value, so ``fn`` would never see it)."""
    dictionary = pa.concat_arrays([arr.dictionary, pa.nulls(1, arr.dictionary.type)])
    indices = pc.fill_null(arr.indices, pa.scalar(len(arr.dictionary), arr.indices.type))
    return dictionary, indices


def _null_strings(n: int) -> pa.Array:
    return pa.nulls(n, pa.string())


def _first_reason(*reasons: pa.Array) -> pa.Array:
    """Per row, the first non-null reason (dense strings)."""
    dense = [_dense(r) for r in reasons]
    return dense[0] if len(dense) == 1 else pc.coalesce(*dense)


@dataclass
class Stage:
    """One streaming filter step: ``transform(table) -> (table, reason)`` per batch.

    Attributes:
        name: step name (:data:`STEPS`).
        transform: returns the (possibly re-shaped) table and a string reason per row; rows with
            a null reason are kept.
        columns: the input columns to read (``None``: all), for a first stage.
        extra: returns extra counts for the step's record after the run (e.g. ``reoriented``).
    """

    name: str
    transform: Callable[[pa.Table], tuple[pa.Table, pa.Array]]
    columns: Sequence[str] | None = None
    extra: Callable[[], dict] = dict


def _run_stages(src: str | os.PathLike, out: str | os.PathLike, stages: Sequence[Stage]) -> list:
    """Stream ``src`` through ``stages`` in one pass (each stage sees the rows the previous one
    kept), write the rows kept by all to ``out`` (Parquet, zstd, atomic) and return each stage's
    counts (:func:`_result`)."""
    source = pq.ParquetFile(src, read_dictionary=_dictionary_columns(pq.read_schema(src)))
    counts = [{"rows_in": 0, "rows_out": 0, "reasons": {}} for _ in stages]
    pending: list[pa.Table] = []
    writer = None

    def flush() -> None:
        # kept rows are written in row groups of about BATCH_ROWS, as plain strings (the
        # writer builds one dictionary per row group; per-batch dictionaries were slower)
        nonlocal writer
        table = _concat_dictionary_tables(pending, dense=True)
        pending.clear()
        schema = _nullable(table.schema)
        if writer is None:
            writer = pq.ParquetWriter(
                tmp, schema, compression="zstd", use_dictionary=_dictionary_columns(schema)
            )
        writer.write_table(table.cast(schema), row_group_size=max(1, table.num_rows))

    def apply(table: pa.Table, record: bool = True) -> pa.Table:
        for stage, count in zip(stages, counts, strict=True):
            table, reason = stage.transform(table)
            reason = _dense(reason)
            keep = pc.is_null(reason)
            if record:
                count["rows_in"] += table.num_rows
                reasons = count["reasons"]
                for value, n in _value_counts(reason.filter(pc.invert(keep))).items():
                    reasons[value] = reasons.get(value, 0) + n
            table = table.filter(keep)
            if record:
                count["rows_out"] += table.num_rows
        return table

    with atomic_path(out) as tmp:
        try:
            for batch in _row_group_batches(source, stages[0].columns):
                pending.append(apply(pa.Table.from_batches([batch])))
                if sum(t.num_rows for t in pending) >= BATCH_ROWS:
                    flush()
            if pending:
                flush()
            if writer is None:  # empty input: an empty file with the transformed schema
                empty = source.schema_arrow.empty_table()
                empty = empty.select(stages[0].columns) if stages[0].columns else empty
                pending.append(apply(empty, record=False))
                flush()
        finally:
            if writer is not None:
                writer.close()
    return [
        _result(stage.name, c["rows_in"], c["rows_out"], c["reasons"], **stage.extra())
        for stage, c in zip(stages, counts, strict=True)
    ]


def _row_group_batches(source: pq.ParquetFile, columns: Sequence[str] | None) -> Iterator:
    """Record batches of ``source``, one per row group (a row group over 4 × :data:`BATCH_ROWS`
    rows comes in pieces). Batches never span row groups, so each dictionary column of a batch
    carries its row group's dictionary: the per-value work is done once per row group."""
    for group in range(source.num_row_groups):
        yield from source.iter_batches(
            batch_size=4 * BATCH_ROWS, row_groups=[group], columns=columns
        )


#: Columns with about as many distinct values per row group as rows (ids, symbols, raw ids):
#: stored with plain (not dictionary) Parquet pages and read as plain strings. Dictionary pages
#: for them cost more to write than they save (at 37M rows: ingest 10 s CPU, each later pass
#: ~4 s), and reading them as dictionaries makes the reader hash every value (the writer falls
#: back from dictionary pages past 1 MB of dictionary): 11 s at 37M rows, more than hashing just
#: the rows that survive the category and species filters.
HIGH_CARDINALITY_COLUMNS = (
    "RNAInterID", "Interactor1.Symbol", "Interactor2.Symbol", "Raw_ID1", "Raw_ID2",
    "rna_raw_id", "protein_raw_id", "rna_id", "protein_id",
)  # fmt: skip


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """The string columns of ``schema`` stored with dictionary pages and read as dictionaries
    (categories, species, databases, evidence, reasons): all but
    :data:`HIGH_CARDINALITY_COLUMNS`."""
    return [
        f.name
        for f in schema
        if (pa.types.is_string(f.type) or pa.types.is_dictionary(f.type))
        and f.name not in HIGH_CARDINALITY_COLUMNS
    ]


def _nullable(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])


def _value_counts(arr: pa.Array) -> dict[str, int]:
    if len(arr) == 0:
        return {}
    counts = pc.value_counts(arr)
    return {
        str(v): int(c)
        for v, c in zip(counts.field(0).to_pylist(), counts.field(1).to_pylist(), strict=True)
    }


def _category_is(arr: pa.Array, values: Sequence[str]) -> pa.Array:
    """Boolean per row: the value is in ``values`` (null → false)."""
    value_set = pa.array(list(values), pa.string())
    return pc.fill_null(_per_value(arr, lambda d: pc.is_in(d, value_set=value_set)), False)


def _rna_protein_stage(
    *,
    protein_categories: Sequence[str] = PROTEIN_CATEGORIES,
) -> Stage:
    """Keep RNA–protein rows, oriented RNA first, as :data:`PAIR_ROW_COLUMNS`.

    RNAInter's RP table lists the RNA as interactor 1 and the protein as interactor 2; a row
    whose interactor 1 is the protein (category in ``protein_categories``) and interactor 2 is not
    is swapped (counted as ``reoriented``). Rows with two proteins (``protein-protein``) or no
    protein (``no protein interactor``) are dropped.

    Returns:
        the step's counts: ``rows_in``, ``rows_out``, ``dropped``, ``reasons``, ``reoriented``.
    """
    reoriented = 0
    offset = 0
    as_listed = ["Category1", "Species1", "Category2", "Species2", "Raw_ID1", "Raw_ID2"]
    swapped = ["Category2", "Species2", "Category1", "Species1", "Raw_ID2", "Raw_ID1"]

    def transform(table: pa.Table) -> tuple[pa.Table, pa.Array]:
        nonlocal reoriented, offset
        table = table.append_column("row", pa.array(np.arange(offset, offset + table.num_rows)))
        offset += table.num_rows
        p1 = _category_is(table["Category1"].combine_chunks(), protein_categories)
        p2 = _category_is(table["Category2"].combine_chunks(), protein_categories)
        rp = pc.and_(p2, pc.invert(p1))
        pr = pc.and_(p1, pc.invert(p2))
        reoriented_here = pc.sum(pr).as_py() or 0
        reoriented += reoriented_here
        reason = pc.if_else(
            pc.or_(rp, pr),
            pa.scalar(None, pa.string()),
            pc.if_else(p1, "protein-protein", "no protein interactor"),
        )
        if not reoriented_here:
            arrays = [table["row"]] + [table[c] for c in as_listed] + [table["score"]]
            return pa.Table.from_arrays(arrays, names=PAIR_ROW_COLUMNS), reason
        # interactor columns of swapped rows are exchanged; rows are split and re-joined
        # (rp rows first) — order carries no meaning in the pair table.
        parts = []
        for mask, columns in ((pc.invert(pr), as_listed), (pr, swapped)):
            part = table.filter(mask)
            arrays = [part["row"]] + [part[c] for c in columns] + [part["score"]]
            parts.append((pa.Table.from_arrays(arrays, names=PAIR_ROW_COLUMNS), mask))
        out_table = _concat_dictionary_tables([p for p, _ in parts])
        out_reason = pa.concat_arrays([_dense(reason).filter(m) for _, m in parts])
        return out_table, out_reason

    columns = ["Category1", "Species1", "Category2", "Species2", "Raw_ID1", "Raw_ID2", "score"]
    return Stage("rna_protein", transform, columns, lambda: {"reoriented": int(reoriented)})


def _concat_dictionary_tables(tables: Sequence[pa.Table], *, dense: bool = False) -> pa.Table:
    """Concatenate tables whose columns may be dictionary arrays with different dictionaries
    (``dense``: every string column comes out as plain strings)."""
    nonempty = [t for t in tables if t.num_rows] or list(tables[:1])
    if len(nonempty) == 1 and not dense:
        return nonempty[0]
    columns = []
    for name in nonempty[0].column_names:
        chunks = [_dense(t[name]) for t in nonempty]
        columns.append(pa.concat_arrays([c.cast(chunks[0].type) for c in chunks]))
    return pa.Table.from_arrays(columns, names=nonempty[0].column_names)


EXCLUDED_RNA_CATEGORIES = ("mRNA", "unknown", "unspecified")
"""RNA categories dropped by default (RNAInterAct App. B.4: no mRNA, no unspecified category)."""


def _categories_stage(
    *,
    exclude_rna_categories: Sequence[str] = EXCLUDED_RNA_CATEGORIES,
    exclude_protein_categories: Sequence[str] = (),
) -> Stage:
    """Drop rows whose RNA category is excluded (default mRNA, unknown and unspecified; App.
    B.4: "we exclude all mRNA sequences and categories that are unspecified") or missing.

    A missing (null) category is always dropped (reason ``rna category missing``); each excluded
    category is its own reason (``rna category mRNA``).
    """
    rna_set = set(exclude_rna_categories)
    protein_set = set(exclude_protein_categories)

    def rna_reason(values: pa.Array) -> pa.Array:
        return pa.array(
            [
                "rna category missing"
                if v is None
                else (f"rna category {v}" if v in rna_set else None)
                for v in values.to_pylist()
            ],
            pa.string(),
        )

    def protein_reason(values: pa.Array) -> pa.Array:
        return pa.array(
            [f"protein category {v}" if v in protein_set else None for v in values.to_pylist()],
            pa.string(),
        )

    def transform(table: pa.Table) -> tuple[pa.Table, pa.Array]:
        reason = _first_reason(
            _per_value(table["rna_category"].combine_chunks(), rna_reason),
            _per_value(table["protein_category"].combine_chunks(), protein_reason),
        )
        return table, reason

    return Stage("categories", transform)


def _species_stage(
    *,
    species: Sequence[str] | None = None,
) -> Stage:
    """Keep rows whose RNA and protein species are both in ``species`` (``None``: keep all)."""
    allowed = None if species is None else set(species)

    def reason_of(molecule: str):
        def fn(values: pa.Array) -> pa.Array:
            return pa.array(
                [
                    None
                    if allowed is None or v in allowed
                    else f"{molecule} species {'missing' if v is None else v}"
                    for v in values.to_pylist()
                ],
                pa.string(),
            )

        return fn

    def transform(table: pa.Table) -> tuple[pa.Table, pa.Array]:
        reason = _first_reason(
            _per_value(table["rna_species"].combine_chunks(), reason_of("rna")),
            _per_value(table["protein_species"].combine_chunks(), reason_of("protein")),
        )
        return table, reason

    return Stage("species", transform)


def parse_raw_id(
    raw: str | None,
    molecule: str,
    *,
    prefixes: Mapping[str, str] = DEFAULT_PREFIXES,
    databases: Mapping[str, Sequence[str]] = DEFAULT_DATABASES,
) -> tuple[str | None, str | None, str | None]:
    """``"NCBI:69889"`` → ``("ncbi", "69889", None)``; on failure ``(None, None, reason)``.

    Prefixes match case-insensitively (:data:`DEFAULT_PREFIXES`). Reasons: ``<molecule> raw id
    without prefix``, ``<molecule> prefix <P>`` (unknown), ``<molecule> database <db> not used``,
    ``<molecule> accession with comma or space`` (the services take comma-joined id lists).
    """
    if raw is None or ":" not in raw:
        return None, None, f"{molecule} raw id without prefix"
    prefix, accession = raw.split(":", 1)
    accession = accession.strip()
    if not accession:
        return None, None, f"{molecule} raw id without prefix"
    lowered = {k.lower(): v for k, v in prefixes.items()}
    database = lowered.get(prefix.strip().lower())
    if database is None:
        return None, None, f"{molecule} prefix {prefix}"
    if database not in databases.get(molecule, ()):
        return None, None, f"{molecule} database {database} not used"
    if re.search(r"[\s,]", accession):
        return None, None, f"{molecule} accession with comma or space"
    return database, accession, None


def _map_ids_stage(
    *,
    prefixes: Mapping[str, str] | None = None,
    databases: Mapping[str, Sequence[str]] | None = None,
) -> Stage:
    """Map each ``Raw_ID`` (``PREFIX:accession``) to a sequence database and an accession.

    Output columns: ``row``, ``rna_category``, ``protein_category``, ``score``,
    ``rna_database``, ``protein_database`` and the keys ``rna_id`` / ``protein_id``
    (``<database>:<accession>``, the ids of the output contract). The raw ids and species are
    not carried further (they stay in the ingested table; fewer string columns make every later
    step faster). Rows whose RNA or protein raw id cannot be mapped (:func:`parse_raw_id`) are
    dropped with the reason naming the prefix.
    """
    prefixes = dict(DEFAULT_PREFIXES if prefixes is None else prefixes)
    databases = {k: tuple(v) for k, v in (databases or DEFAULT_DATABASES).items()}

    lowered = {k.lower(): v for k, v in prefixes.items()}
    known = pa.array(list(lowered), pa.string())
    known_databases = pa.array(list(lowered.values()), pa.string())
    null = pa.scalar(None, pa.string())

    def parsed(molecule: str, values: pa.Array) -> dict[str, pa.Array]:
        """Vectorized :func:`parse_raw_id` over distinct raw ids (same results, tested)."""
        # split at the first colon (a regex was 3x slower per value); a value without one
        # (or a null) is split as ":" so that both parts exist, and flagged
        has_colon = pc.fill_null(pc.greater_equal(pc.find_substring(values, ":"), 0), False)
        parts = pc.split_pattern(pc.if_else(has_colon, values, ":"), ":", max_splits=1)
        prefix = pc.list_element(parts, 0)
        accession = pc.utf8_trim_whitespace(pc.list_element(parts, 1))
        no_prefix = pc.or_(pc.invert(has_colon), pc.equal(accession, ""))
        position = pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(prefix)), value_set=known)
        database = known_databases.take(position)
        used = pc.is_in(
            database, value_set=pa.array(list(databases.get(molecule, ())), pa.string())
        )
        reason = pc.if_else(
            no_prefix,
            f"{molecule} raw id without prefix",
            pc.if_else(
                pc.is_null(database),
                pc.binary_join_element_wise(f"{molecule} prefix", prefix, " "),
                pc.if_else(
                    pc.fill_null(used, False),
                    pc.if_else(
                        pc.match_substring_regex(accession, r"[\s,]"),
                        f"{molecule} accession with comma or space",
                        null,
                    ),
                    pc.binary_join_element_wise(f"{molecule} database", database, "not used", " "),
                ),
            ),
        )
        ok = pc.is_null(reason)
        database = pc.if_else(ok, database, null)
        accession = pc.if_else(ok, accession, null)
        key = pc.binary_join_element_wise(database, accession, ":")
        return {"database": database, "accession": accession, "id": key, "reason": reason}

    def expand(arr: pa.Array, molecule: str) -> dict[str, pa.Array]:
        if not pa.types.is_dictionary(arr.type):
            arr = pc.dictionary_encode(arr)
        dictionary, indices = _with_null_entry(arr)
        values = parsed(molecule, dictionary)
        # Parquet cannot store a null inside a dictionary; unmapped values only occur on rows
        # that are dropped, so "" stands in for them.
        return {
            k: pa.DictionaryArray.from_arrays(indices, v if k == "reason" else pc.fill_null(v, ""))
            for k, v in values.items()
        }

    def transform(table: pa.Table) -> tuple[pa.Table, pa.Array]:
        rna = expand(table["rna_raw_id"].combine_chunks(), "rna")
        protein = expand(table["protein_raw_id"].combine_chunks(), "protein")
        table = table.select(["row", "rna_category", "protein_category", "score"])
        for name, column in (("rna_database", rna["database"]), ("rna_id", rna["id"])):
            table = table.append_column(name, column)
        for name, column in (
            ("protein_database", protein["database"]),
            ("protein_id", protein["id"]),
        ):
            table = table.append_column(name, column)
        return table, _first_reason(rna["reason"], protein["reason"])

    return Stage("map_ids", transform)


def unique_ids(src: str | os.PathLike) -> dict[tuple[str, str], list[str]]:
    """The distinct accessions to fetch per (molecule, database), sorted, from a mapped table
    (:func:`step_map_ids` output; ids are ``<database>:<accession>``)."""
    keys: dict[str, set[str]] = {"rna": set(), "protein": set()}
    source = pq.ParquetFile(src)  # ids are plain strings (HIGH_CARDINALITY_COLUMNS)
    for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=["rna_id", "protein_id"]):
        for molecule in keys:
            values = pc.unique(_dense(batch[f"{molecule}_id"]))
            keys[molecule].update(v for v in values.to_pylist() if v)
    out: dict[tuple[str, str], list[str]] = {}
    for molecule, ids in keys.items():
        for key in sorted(ids):
            database, accession = key.split(":", 1)
            out.setdefault((molecule, database), []).append(accession)
    return dict(sorted(out.items()))


def sequence_table(
    molecule: str,
    database: str,
    sequences: Mapping[str, str],
    accessions: Mapping[str, str],
    not_found: Iterable[str],
) -> tuple[pd.DataFrame, dict]:
    """Canonical sequence table of one database: one row per requested accession.

    Columns: ``id`` (``<database>:<accession>``), ``accession`` (the id asked for), ``record``
    (the record actually used, e.g. a RefSeq accession for an NCBI Gene ID), ``sequence``
    (upper case, T→U for RNA; null if not found or invalid), ``length`` (Int64), ``status``
    (``ok``, ``not found``, ``invalid letters``: a letter outside :data:`RNA_LETTERS` /
    :data:`PROTEIN_LETTERS`, e.g. an ``N`` in an Ensembl genomic sequence).

    Returns:
        ``(table, counts)`` with counts per status and the extraction rate (Table 4).
    """
    letters = set(RNA_LETTERS if molecule == "rna" else PROTEIN_LETTERS)
    rows = []
    for accession, raw in sequences.items():
        seq = "".join(raw.split()).upper()
        if molecule == "rna":
            seq = seq.replace("T", "U")
        status = "ok" if seq and set(seq) <= letters else "invalid letters"
        rows.append((accession, accessions.get(accession, accession), seq, status))
    for accession in not_found:
        rows.append((accession, None, None, "not found"))
    table = pd.DataFrame(rows, columns=["accession", "record", "sequence", "status"])
    table.insert(0, "id", database + ":" + table["accession"].astype(str))
    table.loc[table.status != "ok", "sequence"] = None
    table["length"] = table["sequence"].str.len().astype("Int64")
    table = table.sort_values("id", kind="stable").reset_index(drop=True)
    counts = {
        "molecule": molecule,
        "database": database,
        "unique_ids": int(len(table)),
        **{s: int((table.status == s).sum()) for s in ("ok", "not found", "invalid letters")},
    }
    counts["extraction_rate"] = round(counts["ok"] / len(table), 4) if len(table) else None
    return table, counts


def _lookup(paths: Sequence[str | os.PathLike]) -> pa.Table:
    """``id``, ``status``, ``length`` of the given sequence tables (one table)."""
    schema = pa.schema([("id", pa.string()), ("status", pa.string()), ("length", pa.int64())])
    tables = [pq.read_table(p, columns=["id", "status", "length"]) for p in paths]
    tables = [t.cast(schema) for t in tables]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _sequences_stage(
    *,
    rna_tables: Sequence[str | os.PathLike],
    protein_tables: Sequence[str | os.PathLike],
) -> Stage:
    """Attach ``rna_length`` / ``protein_length``; drop rows whose RNA or protein has no valid
    sequence (reason: molecule, database and status, e.g. ``rna ncbi not found``; ids missing
    from every table are ``not fetched``).

    Also attaches ``rna_key`` / ``protein_key`` (int32): the id's position in the concatenated
    sequence tables, an integer code of ``rna_id`` / ``protein_id`` that dedupe and cap group on
    (hashing the id strings instead cost ~2.5 s per column per step at 10M rows).

    The sequence tables are :func:`sequence_table` outputs (one per database); the sequences
    themselves stay there (pair rows carry lengths only).
    """
    lookups = {}
    for molecule, paths in (("rna", rna_tables), ("protein", protein_tables)):
        table = _lookup(paths).combine_chunks()
        status = pc.dictionary_encode(table["status"].combine_chunks())
        lookups[molecule] = {
            "ids": table["id"].combine_chunks(),
            "lengths": table["length"].combine_chunks(),
            # one status code per lookup row, the code len(statuses) for "not fetched"
            "statuses": [*status.dictionary.to_pylist(), "not fetched"],
            "status_codes": np.append(status.indices.to_numpy(zero_copy_only=False), -1),
        }

    def attach(arr: pa.Array, molecule: str, database: pa.Array):
        lookup = lookups[molecule]
        statuses = lookup["statuses"]

        def fn(values: pa.Array) -> pa.Array:
            return pc.index_in(values, value_set=lookup["ids"])

        position = _dense(_per_value(arr, fn))
        found = position.fill_null(-1).to_numpy(zero_copy_only=False)
        status = lookup["status_codes"][found]  # index -1: the "not fetched" entry
        status[found < 0] = len(statuses) - 1
        length = lookup["lengths"].take(position)
        # reason per row as a dictionary over (database, status) pairs: no per-row strings
        databases = pc.dictionary_encode(pc.fill_null(_dense(database), ""))
        db_codes = databases.indices.to_numpy(zero_copy_only=False)
        names = [
            f"{molecule} {d} {st}" for d in databases.dictionary.to_pylist() for st in statuses
        ]
        code = db_codes.astype(np.int64) * len(statuses) + status
        ok = status == (statuses.index("ok") if "ok" in statuses else -2)
        reason = pa.DictionaryArray.from_arrays(
            pa.array(code.astype(np.int32), mask=ok), pa.array(names, pa.string())
        )
        return position.cast(pa.int32()), length, reason

    def transform(table: pa.Table) -> tuple[pa.Table, pa.Array]:
        reasons = []
        for molecule in ("rna", "protein"):
            key, length, reason = attach(
                table[f"{molecule}_id"].combine_chunks(), molecule, table[f"{molecule}_database"]
            )
            table = table.append_column(f"{molecule}_length", length)
            table = table.append_column(f"{molecule}_key", key)
            reasons.append(reason)
        return table, _first_reason(*reasons)

    return Stage("sequences", transform)


def row_hash(rows: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """SplitMix64 of ``rows ^ seed`` (Steele, Lea & Flood 2014): a fixed pseudo-random uint64 per
    row number, the same on every machine and library version (DuckDB's ``hash()`` is not).

    Args:
        rows: int64 array of row numbers.
    Returns:
        uint64 array of the same length.
    """
    with np.errstate(over="ignore"):
        z = rows.astype(np.uint64) ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _codes(values: pa.ChunkedArray) -> np.ndarray:
    """Integer code per distinct string (int64; nulls get -1)."""
    encoded = pc.dictionary_encode(values.combine_chunks())
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _id_columns(src: str | os.PathLike) -> list[str]:
    """The columns that identify a row's RNA and protein in ``src``: the integer keys of the
    sequences step when present, else the id strings."""
    names = pq.read_schema(src).names
    keys = ["rna_key", "protein_key"]
    return keys if all(k in names for k in keys) else ["rna_id", "protein_id"]


def _id_codes(table: pa.Table, molecule: str) -> np.ndarray:
    """int64 code per row of the RNA (``molecule="rna"``) or protein: ``<molecule>_key`` when the
    table has it, else dictionary codes of ``<molecule>_id``."""
    key = f"{molecule}_key"
    if key in table.column_names:
        if table[key].null_count:
            raise ValueError(f"column {key} has null keys (rows without a sequence)")
        return table[key].to_numpy().astype(np.int64)
    return _codes(table[f"{molecule}_id"])


def _rank_within(groups: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """0-based rank of every row within its group, ordered by ``keys`` (most significant first;
    all ascending). The order is Arrow's multi-key ``sort_indices`` (2x numpy's ``lexsort`` on
    10M rows); ties left by every key keep the input order (the sort is stable)."""
    names = [f"k{i}" for i in range(len(keys) + 1)]
    table = pa.table(dict(zip(names, (groups, *keys), strict=True)))
    order = pc.sort_indices(table, sort_keys=[(n, "ascending") for n in names]).to_numpy()
    sorted_groups = groups[order]
    first = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - group_start
    return rank


def _write_mask(src: str | os.PathLike, out: str | os.PathLike, keep: np.ndarray) -> int:
    """Stream ``src``'s rows where ``keep`` is true into ``out`` (atomic); return rows written."""
    source = pq.ParquetFile(src)
    offset = written = 0
    with atomic_path(out) as tmp:
        schema = source.schema_arrow
        with pq.ParquetWriter(
            tmp, schema, compression="zstd", use_dictionary=_dictionary_columns(schema)
        ) as writer:
            for batch in source.iter_batches(batch_size=1 << 20):
                mask = pa.array(keep[offset : offset + batch.num_rows])
                offset += batch.num_rows
                kept = batch.filter(mask)
                written += kept.num_rows
                writer.write_batch(kept)
    if offset != len(keep):
        raise AssertionError(f"{src}: {offset} rows streamed, mask has {len(keep)}")
    return written


def step_dedupe(src: str | os.PathLike, out: str | os.PathLike) -> dict:
    """One row per (``rna_id``, ``protein_id``): the highest score; ties go to the row listed
    first in RNAInter.

    RNAInter lists the same pair several times (one row per evidence source / per raw id);
    App. B.4 removes these duplicates. The choice is made with numpy on the id columns; the rows
    are then streamed.
    """
    table = pq.read_table(src, columns=["row", *_id_columns(src), "score"])
    n = table.num_rows
    keep = np.zeros(n, dtype=bool)
    if n:
        rna, protein = _id_codes(table, "rna"), _id_codes(table, "protein")
        pair = rna * (int(protein.max()) + 2) + protein
        score = table["score"].to_numpy(zero_copy_only=False)
        score = np.where(np.isnan(score), -np.inf, score)
        keep = _rank_within(pair, -score, table["row"].to_numpy()) == 0
    del table
    rows_out = _write_mask(src, out, keep)
    reasons = {"duplicate pair": n - rows_out} if n - rows_out else {}
    return _result("dedupe", n, rows_out, reasons)


def _length_stage(
    *,
    max_rna_length: int | None = 1024,
    max_protein_length: int | None = 1024,
    min_rna_length: int = 1,
    min_protein_length: int = 1,
) -> Stage:
    """Keep rows whose RNA and protein lengths lie in the limits (App. B.2: at most 1024, the
    input size of RNA-FM and ESM-2). ``None`` removes an upper limit."""

    def transform(table: pa.Table) -> tuple[pa.Table, pa.Array]:
        reason = _null_strings(table.num_rows)
        checks = [
            ("rna", "longer", max_rna_length, pc.greater),
            ("rna", "shorter", min_rna_length, pc.less),
            ("protein", "longer", max_protein_length, pc.greater),
            ("protein", "shorter", min_protein_length, pc.less),
        ]
        for molecule, word, limit, compare in checks:
            if limit is None:
                continue
            hit = pc.fill_null(compare(table[f"{molecule}_length"], int(limit)), False)
            text = pa.scalar(f"{molecule} {word} than {int(limit)}")
            reason = pc.if_else(pc.and_(hit, pc.is_null(reason)), text, reason)
        return table, reason

    return Stage("length", transform)


def step_cap(
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    max_per_interactor: int | None = 150,
    seed: int = 42,
) -> dict:
    """At most ``max_per_interactor`` interactions per RNA and per protein (App. B.4: 150).

    Seeded subsampling: rows are ordered by :func:`row_hash` of their row number with ``seed``
    (the same on every machine); each RNA keeps its first ``max_per_interactor`` rows, then each
    protein keeps its first ``max_per_interactor`` of those. The second pass only removes rows,
    so both limits hold afterwards. ``None`` keeps every row.

    Raises:
        ValueError: ``max_per_interactor`` < 1.
    """
    if max_per_interactor is not None and int(max_per_interactor) < 1:
        raise ValueError(f"max_per_interactor must be >= 1 or null, got {max_per_interactor}")
    table = pq.read_table(src, columns=["row", *_id_columns(src)])
    n = table.num_rows
    keep = np.ones(n, dtype=bool)
    reasons: dict[str, int] = {}
    if n and max_per_interactor is not None:
        cap = int(max_per_interactor)
        key = row_hash(table["row"].to_numpy(), seed=seed)
        keep = _rank_within(_id_codes(table, "rna"), key) < cap
        after_rna = int(keep.sum())
        protein = _id_codes(table, "protein")
        rank = _rank_within(np.where(keep, protein, -2), key)
        keep &= rank < cap
        reasons = {
            f"more than {cap} interactions of the RNA": n - after_rna,
            f"more than {cap} interactions of the protein": after_rna - int(keep.sum()),
        }
    del table
    rows_out = _write_mask(src, out, keep)
    return _result("cap", n, rows_out, {k: v for k, v in reasons.items() if v})


STAGES = {
    "rna_protein": _rna_protein_stage,
    "categories": _categories_stage,
    "species": _species_stage,
    "map_ids": _map_ids_stage,
    "sequences": _sequences_stage,
    "length": _length_stage,
}


def _single(name: str):
    def step(src: str | os.PathLike, out: str | os.PathLike, **params) -> dict:
        return _run_stages(src, out, [STAGES[name](**params)])[0]

    builder = STAGES[name]
    step.__name__ = f"step_{name}"
    step.__doc__ = (builder.__doc__ or "") + (
        "\n\n    Reads ``src`` and writes the kept rows to ``out`` (Parquet, atomic); returns the\n"
        "    step's counts: ``rows_in``, ``rows_out``, ``dropped``, ``reasons`` (per reason).\n"
    )
    return step


step_rna_protein = _single("rna_protein")
step_categories = _single("categories")
step_species = _single("species")
step_map_ids = _single("map_ids")
step_sequences = _single("sequences")
step_length = _single("length")

STEPS = {
    "rna_protein": step_rna_protein,
    "categories": step_categories,
    "species": step_species,
    "map_ids": step_map_ids,
    "sequences": step_sequences,
    "dedupe": step_dedupe,
    "length": step_length,
    "cap": step_cap,
}
STEP_ORDER = list(STEPS)


def run_steps(
    steps: Sequence[tuple[str, Mapping | None]],
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    out_counts: str | os.PathLike | None = None,
) -> list[dict]:
    """Run consecutive filtering steps (``[(name, params), ...]``) and write their counts.

    Streaming steps (:data:`STAGES`) given together run in ONE pass over ``src`` with each
    step's counts kept separately: at RNAInter's 37M rows, writing every intermediate table cost
    ~40 s per step; dedupe and cap (whole-table steps) run on their own. Each step's counts
    carry ``seconds`` (the time of the pass it ran in, for fused steps).

    Raises:
        ValueError: unknown step name; a whole-table step fused with others.
    """
    unknown = [name for name, _ in steps if name not in STEPS]
    if unknown or not steps:
        raise ValueError(f"unknown RNAInter step(s) {unknown or steps}; steps: {STEP_ORDER}")
    start = time.perf_counter()
    if len(steps) == 1:
        name, params = steps[0]
        counts = [STEPS[name](src, out, **dict(params or {}))]
    else:
        whole = [name for name, _ in steps if name not in STAGES]
        if whole:
            raise ValueError(f"steps {whole} read the whole table and cannot be fused with others")
        stages = [STAGES[name](**dict(params or {})) for name, params in steps]
        counts = _run_stages(src, out, stages)
    seconds = round(time.perf_counter() - start, 2)
    for record in counts:
        record["seconds"] = seconds
    if out_counts is not None:
        write_json(counts, out_counts)
    return counts


def run_step(
    step: str,
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    params: Mapping | None = None,
    out_counts: str | os.PathLike | None = None,
) -> dict:
    """Run one filtering step (:data:`STEPS`) with keyword ``params``; write its counts as JSON.

    Raises:
        ValueError: unknown step name.
    """
    counts = run_steps([(step, params)], src, out)[0]
    if out_counts is not None:
        write_json(counts, out_counts)
    return counts


# --------------------------------------------------------------------------------------------
# Output contract and report tables


def write_rnainter_pairs(
    src: str | os.PathLike,
    rna_tables: Sequence[str | os.PathLike],
    protein_tables: Sequence[str | os.PathLike],
    *,
    raw: str | os.PathLike,
    out_pairs: str | os.PathLike,
    out_rna: str | os.PathLike,
    out_proteins: str | os.PathLike,
    source: str = "rnainter",
) -> dict:
    """Write the canonical pair table (positives, label 1) and the FASTA of the sequences used.

    ``results/pairs/rnainter.parquet`` gets ``rna_id``, ``protein_id``, ``label`` (int8 1),
    ``source``, ``rna_category``, ``protein_category`` (used by the RNAInterAct negative sampler),
    ``score`` and, from the ingested table ``raw`` (by row), ``interaction_id`` (RNAInterID),
    ``rna_symbol`` and ``protein_symbol``; ids are ``<database>:<accession>``.

    Returns:
        stats: ``n_pairs``, ``n_rna``, ``n_proteins``, length statistics and the category shares
        (Table 6).

    Raises:
        ValueError: a pair's RNA or protein has no sequence in the tables.
    """
    columns = ["rna_id", "protein_id", "rna_category", "protein_category"]
    pairs = pq.read_table(src, columns=[*columns, "row", "score"]).to_pandas()
    for column in columns:
        pairs[column] = pairs[column].astype(object)
    pairs = pairs.sort_values(["rna_id", "protein_id"], kind="stable").reset_index(drop=True)
    names = _raw_fields(raw, pairs["row"].to_numpy(), list(pairs["rna_category"]))
    pairs.insert(4, "interaction_id", names["RNAInterID"])
    pairs["rna_symbol"] = names["rna_symbol"]
    pairs["protein_symbol"] = names["protein_symbol"]
    pairs = pairs.drop(columns="row")

    def used(paths, ids) -> dict[str, str]:
        wanted = set(ids)
        found: dict[str, str] = {}
        for path in paths:
            table = pq.read_table(path, columns=["id", "sequence", "status"]).to_pandas()
            table = table[(table.status == "ok") & table.id.isin(wanted)]
            found.update(zip(table.id, table.sequence, strict=True))
        return dict(sorted(found.items()))

    rna = used(rna_tables, pairs.rna_id)
    proteins = used(protein_tables, pairs.protein_id)
    missing = sorted(set(pairs.rna_id) - set(rna)) + sorted(set(pairs.protein_id) - set(proteins))
    if missing:
        raise ValueError(f"{src}: {len(missing)} ids without a sequence, e.g. {missing[:5]}")
    pairs.insert(2, "label", pd.Series(1, index=pairs.index, dtype="int8"))
    pairs.insert(3, "source", source)
    write_parquet(pairs, out_pairs)
    write_fasta(rna, out_rna)
    write_fasta(proteins, out_proteins)
    return {
        "n_pairs": int(len(pairs)),
        "n_rna": len(rna),
        "n_proteins": len(proteins),
        "rna_length": length_stats(rna.values()),
        "protein_length": length_stats(proteins.values()),
        "rna_categories": _shares(pairs.rna_category),
        "protein_categories": _shares(pairs.protein_category),
    }


def _raw_fields(
    raw: str | os.PathLike, rows: np.ndarray, rna_categories: Sequence[str]
) -> dict[str, list]:
    """RNAInter id and the RNA / protein symbols of the given rows of the ingested table; a row
    whose ``Category1`` is not its RNA category listed the protein first."""
    columns = ["RNAInterID", "Interactor1.Symbol", "Interactor2.Symbol", "Category1"]
    picked: dict[int, tuple] = {}
    wanted = np.unique(rows)
    source = pq.ParquetFile(raw)
    offset = 0
    for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=columns):
        lo, hi = np.searchsorted(wanted, [offset, offset + batch.num_rows])
        if hi > lo:
            local = pa.array(wanted[lo:hi] - offset)
            part = batch.take(local).to_pydict()
            for i, row in enumerate(wanted[lo:hi]):
                picked[int(row)] = tuple(part[c][i] for c in columns)
        offset += batch.num_rows
    missing = [int(r) for r in wanted if int(r) not in picked]
    if missing:
        raise ValueError(f"{raw}: rows {missing[:5]} are beyond its {offset} rows")
    out: dict[str, list] = {"RNAInterID": [], "rna_symbol": [], "protein_symbol": []}
    for row, rna_category in zip(rows, rna_categories, strict=True):
        rid, symbol1, symbol2, category1 = picked[int(row)]
        swapped = category1 != rna_category
        out["RNAInterID"].append(rid)
        out["rna_symbol"].append(symbol2 if swapped else symbol1)
        out["protein_symbol"].append(symbol1 if swapped else symbol2)
    return out


def _shares(values: pd.Series) -> dict[str, float]:
    counts = values.value_counts()
    return (
        {str(k): round(float(v) / len(values), 4) for k, v in counts.items()} if len(values) else {}
    )


def filtering_table(step_counts: Sequence[Mapping]) -> pd.DataFrame:
    """One row per step: ``step``, ``rows_in``, ``rows_out``, ``dropped``, ``reasons`` (text)."""
    rows = []
    for c in step_counts:
        reasons = "; ".join(f"{k}: {v:,}" for k, v in c["reasons"].items())
        rows.append(
            {
                "step": c["step"],
                "rows_in": c["rows_in"],
                "rows_out": c["rows_out"],
                "dropped": c["dropped"],
                "reasons": reasons,
            }
        )
    return pd.DataFrame(rows, columns=["step", "rows_in", "rows_out", "dropped", "reasons"])


def extraction_table(reports: Sequence[Mapping]) -> pd.DataFrame:
    """RNAInterAct Table 4: per molecule and database, unique ids, ids obtained, extraction rate,
    plus the HTTP requests, retries and ids answered from the cache of the fetch."""
    columns = [
        "molecule",
        "database",
        "unique_ids",
        "obtained",
        "extraction_rate",
        "not_found",
        "invalid_letters",
        "from_cache",
        "requests",
        "retries",
    ]
    rows = []
    for r in reports:
        rows.append(
            {
                "molecule": r["molecule"],
                "database": r["database"],
                "unique_ids": r["unique_ids"],
                "obtained": r["ok"],
                "extraction_rate": r["extraction_rate"],
                "not_found": r["not found"],
                "invalid_letters": r["invalid letters"],
                "from_cache": r.get("from_cache", 0),
                "requests": r.get("requests", 0),
                "retries": r.get("retries", 0),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def category_table(stats: Mapping) -> pd.DataFrame:
    """RNAInterAct Table 6: the share of each RNA and protein category among the final pairs."""
    rows = [
        {"molecule": molecule, "category": k, "share": v}
        for molecule, key in (("rna", "rna_categories"), ("protein", "protein_categories"))
        for k, v in stats[key].items()
    ]
    return pd.DataFrame(rows, columns=["molecule", "category", "share"])


# --------------------------------------------------------------------------------------------
# Workflow stages (one call per rule)


def write_id_lists(src: str | os.PathLike, outputs: Mapping[tuple[str, str], str]) -> dict:
    """Write the accessions to fetch per (database, molecule), one per line (empty files for
    pairs with none), from :func:`step_map_ids` output; returns counts per ``database.molecule``.

    Raises:
        ValueError: the table needs a (database, molecule) that ``outputs`` lacks.
    """
    ids = unique_ids(src)
    extra = sorted(f"{db}.{mol}" for mol, db in ids if (db, mol) not in outputs)
    if extra:
        raise ValueError(f"{src}: ids of {extra} but no output for them")
    counts = {}
    for (database, molecule), path in outputs.items():
        accessions = ids.get((molecule, database), [])
        with atomic_path(path) as tmp:
            Path(tmp).write_text("".join(f"{a}\n" for a in accessions))
        counts[f"{database}.{molecule}"] = len(accessions)
    return counts


def read_id_list(path: str | os.PathLike) -> list[str]:
    """Accessions of an id list (one per line; blank lines skipped)."""
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def fetch_database(
    database: str,
    id_files: Mapping[str, str | os.PathLike],
    out_tables: Mapping[str, str | os.PathLike],
    *,
    out_report: str | os.PathLike,
    cache_dir: str | os.PathLike,
    options: Mapping | None = None,
    local_fasta: str | os.PathLike | None = None,
) -> list[dict]:
    """Fetch one database's sequences for each molecule and write their sequence tables.

    Molecules run one after the other in this process, so a service's rate limit holds across
    them. Caches: ``<cache_dir>/<database>.<molecule>.sqlite`` (kept across runs: an interrupted
    fetch resumes; ids known to be missing are not asked again).

    Args:
        id_files: molecule → id list (:func:`write_id_lists`).
        out_tables: molecule → Parquet output (:func:`sequence_table`).
        options: :func:`rnainteract.sources.seqclients.fetch_sequences` options for this database.
    Returns:
        one report per molecule: the :func:`sequence_table` counts plus the fetch report
        (requests, retries, from_cache, elapsed_s).
    """
    from rnainteract.sources.seqclients import fetch_sequences

    reports = []
    for molecule, id_file in id_files.items():
        ids = read_id_list(id_file)
        fetch: dict = {"requests": 0, "retries": 0, "from_cache": 0, "elapsed_s": 0.0}
        if ids:
            result = fetch_sequences(
                database,
                molecule,
                ids,
                cache_path=Path(cache_dir) / f"{database}.{molecule}.sqlite",
                options=options,
                local_fasta=local_fasta,
            )
            sequences, accessions, missing = result.sequences, result.accessions, result.not_found
            fetch = {k: v for k, v in result.report.as_dict().items() if k in fetch}
        else:
            sequences, accessions, missing = {}, {}, []
        table, counts = sequence_table(molecule, database, sequences, accessions, missing)
        write_parquet(table, out_tables[molecule])
        log.info("%s %s: %s", database, molecule, counts)
        reports.append({**counts, **fetch})
    write_json(reports, out_report)
    return reports


def finish_rnainter(
    src: str | os.PathLike,
    *,
    raw: str | os.PathLike,
    rna_tables: Sequence[str | os.PathLike],
    protein_tables: Sequence[str | os.PathLike],
    ingest_stats: str | os.PathLike,
    step_counts: Sequence[str | os.PathLike],
    fetch_reports: Sequence[str | os.PathLike],
    out_pairs: str | os.PathLike,
    out_rna: str | os.PathLike,
    out_proteins: str | os.PathLike,
    out_stats: str | os.PathLike,
    out_filtering: str | os.PathLike,
    out_extraction: str | os.PathLike,
    out_categories: str | os.PathLike,
) -> dict:
    """Write the pair contract (:func:`write_rnainter_pairs`) and the report tables.

    ``out_filtering``: rows in/out and drop reasons per step, from the ingested row count to the
    final pairs; ``out_extraction``: RNAInterAct Table 4 per database; ``out_categories``:
    Table 6. ``out_stats`` carries the keys of the benchmarks' ``{dataset}.stats.json`` that the
    dataset summary reads (pair counts, length statistics, alphabet counts).
    """
    stats = write_rnainter_pairs(
        src,
        rna_tables,
        protein_tables,
        raw=raw,
        out_pairs=out_pairs,
        out_rna=out_rna,
        out_proteins=out_proteins,
    )
    counts: list[dict] = []
    for path in step_counts:
        loaded = json.loads(Path(path).read_text())
        counts.extend(loaded if isinstance(loaded, list) else [loaded])
    ingested = json.loads(Path(ingest_stats).read_text())
    ingest_row = {"step": "ingest", "rows_in": ingested["rows"], "rows_out": ingested["rows"]}
    table = filtering_table([{**ingest_row, "dropped": 0, "reasons": {}}, *counts])
    write_tsv(table, out_filtering)
    reports: list[dict] = []
    for path in fetch_reports:
        reports.extend(json.loads(Path(path).read_text()))
    write_tsv(extraction_table([r for r in reports if r["unique_ids"]]), out_extraction)
    write_tsv(category_table(stats), out_categories)
    no_unknown = {"n_sequences_with_unknown_letters": 0}
    stats.update(
        dataset="rnainter",
        parser="rnainter",
        n_rows_read=int(ingested["rows"]),
        n_positive=stats["n_pairs"],
        n_negative=0,
        alphabet={"rna": dict(no_unknown), "protein": dict(no_unknown)},
        steps=counts,
    )
    write_json(stats, out_stats)
    return stats
