"""Frozen reference: the Arrow stage engine of RNAInter's filtering steps, as it was in the
package until issue 21 moved the steps to DuckDB SQL (``src/rnainteract/sources/sql/``).

Not part of the package (one engine there). Kept for two uses only: the side-by-side benchmark
(``bench_rnainter.py --engines arrow duckdb``) and the engine-equality test
(``tests/test_rnainter.py``), which check that the SQL steps keep exactly the rows this engine
kept. Same public names as before: ``run_steps``, ``STEPS``, ``STAGES``, ``row_hash``,
``parse_raw_id``, ``PAIR_ROW_COLUMNS``, ``MAPPED_COLUMNS``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rnainteract.io.files import atomic_path, write_json
from rnainteract.sources.rnainter_sql import (  # shared with the SQL steps, not copied
    DEFAULT_DATABASES,
    DEFAULT_PREFIXES,
    EXCLUDED_RNA_CATEGORIES,
    PROTEIN_CATEGORIES,
    log,
    row_hash,
)

PAIR_ROW_COLUMNS = [
    "row", "rna_category", "rna_species", "protein_category", "protein_species",
    "rna_raw_id", "protein_raw_id", "score",
]  # fmt: skip

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
