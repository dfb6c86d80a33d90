"""RNAInter's filtering steps (RNAInterAct App. B.2-B.4) run as DuckDB SQL.

One SQL file per step lives in :mod:`rnainteract.sources.sql` (package data); each is a SELECT
over the relation ``step_input`` that gives every row the reason it is dropped (NULL: kept).
:func:`run_steps` runs consecutive steps as one chain of views over a Parquet file, counts each
step's rows in, rows out and rows dropped per reason, and writes the kept rows with
``COPY ... TO`` (atomic). The steps, in the workflow's order: ``rna_protein``, ``categories``,
``species``, ``map_ids``, ``sequences``, ``length``, ``dedupe``, ``cap``
(:mod:`rnainteract.sources.rnainter` has the ingest before and the pair contract after).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from rnainteract.io.files import atomic_path, write_json

log = logging.getLogger(__name__)

#: Protein categories of RNAInter's RP table (RNAInterAct App. B.4: "TF, RBP and general proteins").
PROTEIN_CATEGORIES = ("RBP", "TF", "Protein")
#: RNA categories dropped by default (App. B.4: no mRNA, no unspecified category).
EXCLUDED_RNA_CATEGORIES = ("mRNA", "unknown", "unspecified")
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
#: Columns of the map_ids step's output (the sequences step adds ``rna_length`` /
#: ``protein_length``): ``row`` is the row's 0-based position in the ingested table, where the
#: categories, species, RNAInter id, symbols and evidence stay (looked up by ``row`` for the final
#: pairs); ``reoriented`` (bool) marks a row that listed the protein as interactor 1; ids are
#: ``<database>:<accession>``. Only these few columns travel through the later passes: with the
#: categories and databases as well (and zstd's default level), the four passes took 34-35 s at
#: 37M rows, against 26-28 s.
MAPPED_COLUMNS = ["row", "reoriented", "score", "rna_id", "protein_id"]

# Each step: one SELECT over ``step_input`` returning the columns passed on, ``reason`` (NULL:
# kept) and optionally boolean ``count_<name>`` columns summed into its record (``reoriented``).
# The SQL is package data beside this runner: the library runs it, not only the workflow.
SQL_DIR = Path(__file__).with_name("sql")
#: Each step's parameters and defaults (the keyword arguments of a ``(name, params)`` step);
#: they become DuckDB variables of the same name (``seed`` as ``cap_seed``).
STEP_PARAMS: dict[str, dict] = {
    "rna_protein": {"protein_categories": list(PROTEIN_CATEGORIES)},
    "categories": {
        "exclude_rna_categories": list(EXCLUDED_RNA_CATEGORIES),
        "exclude_protein_categories": [],
    },
    "species": {"species": None},
    "map_ids": {"prefixes": None, "databases": None},
    "sequences": {"rna_tables": [], "protein_tables": []},
    "length": {
        "max_rna_length": 1024,
        "max_protein_length": 1024,
        "min_rna_length": 1,
        "min_protein_length": 1,
    },
    "dedupe": {},
    "cap": {"max_per_interactor": 150, "seed": 42},
}
STEP_ORDER = list(STEP_PARAMS)
#: How a pass writes its rows: zstd level 1 is as small as DuckDB's default level here (103 vs
#: 104 MiB for the 11.7M mapped rows of the 37M benchmark) and ~15 % faster to write.
COPY_OPTIONS = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"


def row_hash(rows: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """SplitMix64 of ``rows ^ seed`` (Steele, Lea & Flood 2014): a fixed pseudo-random uint64 per
    row number, the same on every machine and library version (DuckDB's ``hash()`` is not).
    Registered in DuckDB as ``row_hash(row, seed)`` for the cap step.

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


def _row_hash_udf(rows: pa.Array, seeds: pa.Array) -> pa.Array:
    seed = seeds[0].as_py() if len(seeds) else 0
    return pa.array(row_hash(rows.to_numpy(zero_copy_only=False), seed=seed))


def connect(
    *, threads: int = 1, memory_limit: str | None = None, temp_directory: str | None = None
):
    """A DuckDB connection set up for the steps: ``threads``, ``memory_limit`` (e.g. ``"2GB"``;
    beyond it DuckDB spills to ``temp_directory``), the macros of ``sql/macros.sql`` and the
    ``row_hash`` function. Row-wise passes write their rows in the order read (DuckDB keeps
    insertion order); after dedupe or the cap (window functions) the order carries no meaning."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET enable_progress_bar = false")  # it would print bars into the rule's output
    if memory_limit is not None:
        con.execute("SET memory_limit = ?", [str(memory_limit)])
    if temp_directory is not None:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp_directory)])
    con.execute((SQL_DIR / "macros.sql").read_text())
    con.create_function(
        "row_hash", _row_hash_udf, ["BIGINT", "UBIGINT"], "UBIGINT", type="arrow",
        side_effects=False,
    )  # fmt: skip
    return con


def _variables(con, name: str, params: Mapping) -> None:
    """Set a step's parameters as DuckDB variables (lists as VARCHAR[], the prefix table as a
    MAP, the sequence tables as the views ``rna_sequences`` / ``protein_sequences``)."""
    unknown = sorted(set(params) - set(STEP_PARAMS[name]))
    if unknown:
        raise ValueError(f"step {name}: unknown parameter(s) {unknown}; {list(STEP_PARAMS[name])}")
    p = {**STEP_PARAMS[name], **params}  # None: no limit / all species / default prefixes
    if name == "map_ids":
        given = DEFAULT_PREFIXES if p["prefixes"] is None else p["prefixes"]
        prefixes = {k.lower(): v for k, v in given.items()}
        databases = DEFAULT_DATABASES if p["databases"] is None else p["databases"]
        con.execute("SET VARIABLE prefixes = MAP(?::VARCHAR[], ?::VARCHAR[])",
                    [list(prefixes), list(prefixes.values())])  # fmt: skip
        for molecule in ("rna", "protein"):
            con.execute(f"SET VARIABLE {molecule}_databases = ?::VARCHAR[]",
                        [list(databases.get(molecule, ()))])  # fmt: skip
    elif name == "sequences":
        for molecule in ("rna", "protein"):
            # one SELECT per table: an empty table's all-null columns have Parquet's null type;
            # an id in several tables takes its first table's row (as the Arrow engine did)
            body = " UNION ALL ".join(
                [
                    "SELECT id::VARCHAR AS id, status::VARCHAR AS status, "
                    f"length::BIGINT AS length, {i} AS t, file_row_number AS r "
                    f"FROM read_parquet('{_quoted(path)}', file_row_number = true)"
                    for i, path in enumerate(p[f"{molecule}_tables"])
                ]
                or ["SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS status, NULL::BIGINT AS length, "
                    "0 AS t, 0 AS r WHERE false"]
            )  # fmt: skip
            body = f"SELECT DISTINCT ON (id) id, status, length FROM ({body}) ORDER BY id, t, r"
            con.execute(f"CREATE OR REPLACE TEMP VIEW {molecule}_sequences AS {body}")
    elif name == "cap":
        cap = p["max_per_interactor"]
        if cap is not None and int(cap) < 1:
            raise ValueError(f"max_per_interactor must be >= 1 or null, got {cap}")
        con.execute("SET VARIABLE max_per_interactor = ?::BIGINT", [cap])
        con.execute("SET VARIABLE cap_seed = ?::UBIGINT", [int(p["seed"]) & 0xFFFFFFFFFFFFFFFF])
    else:
        for key, value in p.items():
            listed = isinstance(value, list | tuple | set | frozenset)
            kind = "VARCHAR[]" if listed or key == "species" else "BIGINT"
            con.execute(f"SET VARIABLE {key} = ?::{kind}",
                        [list(value) if listed else value])  # fmt: skip


def _quoted(path: str | os.PathLike) -> str:
    return str(path).replace("'", "''")


def table_view(con, src: str | os.PathLike, *, name: str = "step_0") -> str:
    """A view ``name`` of the rows of ``src``; an ingested table gets its 0-based ``row``."""
    path = _quoted(src)
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
    if "row" in names:
        body = f"SELECT * FROM read_parquet('{path}')"
    else:
        body = (
            'SELECT * EXCLUDE (file_row_number), file_row_number AS "row" '
            f"FROM read_parquet('{path}', file_row_number = true)"
        )
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {body}")
    return name


def run_steps(
    steps: Sequence[tuple[str, Mapping | None]],
    src: str | os.PathLike,
    out: str | os.PathLike,
    *,
    out_counts: str | os.PathLike | None = None,
    threads: int = 1,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike | None = None,
) -> list[dict]:
    """Run consecutive filtering steps (``[(name, params), ...]``, :data:`STEP_ORDER`) over the
    Parquet table ``src`` and write the rows kept by all of them to ``out``.

    The steps run as one chain of DuckDB views over ``src`` (no intermediate table); each
    step's counts come from a GROUP BY over its reasons and the kept rows are written with
    ``COPY ... TO`` (Parquet, zstd) to a temporary name, then renamed.

    Args:
        steps: step names with their parameters (:data:`STEP_PARAMS`; missing ones take the
            defaults). ``sequences`` takes ``rna_tables`` / ``protein_tables``: the
            :func:`sequence_table` Parquet files.
        threads: DuckDB threads (the rule's ``threads:``).
        memory_limit: DuckDB's memory limit (``"2GB"``); beyond it, it spills to
            ``temp_directory``.
        out_counts: also write the counts there (JSON).

    Returns:
        one record per step: ``step``, ``rows_in``, ``rows_out``, ``dropped``, ``reasons``
        (rows per reason, most first), any ``count_*`` sums, and ``seconds`` (the whole pass).

    Raises:
        ValueError: unknown step or parameter; a step given twice; ``max_per_interactor`` < 1.
        duckdb.Error: ``src`` or a sequence table cannot be read (DuckDB names the file).
    """
    unknown = [name for name, _ in steps if name not in STEP_PARAMS]
    if unknown or not steps:
        raise ValueError(f"unknown RNAInter step(s) {unknown or steps}; steps: {STEP_ORDER}")
    names = [name for name, _ in steps]
    if len(set(names)) < len(names):  # a step's parameters are session variables, one per name
        raise ValueError(f"a step given twice in one pass: {names}; run them in two passes")
    start = time.perf_counter()
    with contextlib.closing(
        connect(threads=threads, memory_limit=memory_limit,
                temp_directory=None if temp_directory is None else str(temp_directory))
    ) as con:  # fmt: skip
        previous = table_view(con, src)
        views = []
        for i, (name, params) in enumerate(steps, start=1):
            _variables(con, name, dict(params or {}))
            sql = re.sub(r"\bstep_input\b", previous, (SQL_DIR / f"{name}.sql").read_text())
            con.execute(f"CREATE OR REPLACE TEMP VIEW step_{i}_all AS {sql}")
            names = [r[0] for r in con.execute(f"DESCRIBE step_{i}_all").fetchall()]
            extra = [c for c in names if c.startswith("count_")]
            passed = ", ".join(f'"{c}"' for c in names if c != "reason" and c not in extra)
            if i == len(steps):  # computed once: counted, then written
                con.execute(f"CREATE TEMP TABLE step_{i}_all_rows AS SELECT * FROM step_{i}_all")
                views.append((name, f"step_{i}_all_rows", extra))
                previous = f"SELECT {passed} FROM step_{i}_all_rows WHERE reason IS NULL"
            else:
                con.execute(f"CREATE OR REPLACE TEMP VIEW step_{i} AS "
                            f"SELECT {passed} FROM step_{i}_all WHERE reason IS NULL")  # fmt: skip
                views.append((name, f"step_{i}_all", extra))
                previous = f"step_{i}"
        counts = []
        for name, view, extra in views:
            sums = "".join(f", count_if({c})" for c in extra)
            query = f"SELECT reason, count(*){sums} FROM {view} GROUP BY reason"
            rows = con.execute(query).fetchall()
            rows_in = sum(r[1] for r in rows)
            reasons = sorted(((r[0], r[1]) for r in rows if r[0] is not None),
                             key=lambda item: (-item[1], item[0]))  # fmt: skip
            dropped = sum(n for _, n in reasons)
            log.info("step %s: %d rows in, %d out (%s)", name, rows_in, rows_in - dropped, reasons)
            counts.append({"step": name, "rows_in": rows_in, "rows_out": rows_in - dropped,
                           "dropped": dropped, "reasons": dict(reasons),
                           **{c.removeprefix("count_"): int(sum(r[2 + j] for r in rows))
                              for j, c in enumerate(extra)}})  # fmt: skip
        with atomic_path(out) as tmp:
            con.execute(f"COPY ({previous}) TO '{_quoted(tmp)}' ({COPY_OPTIONS})")
    seconds = round(time.perf_counter() - start, 2)
    for record in counts:
        record["seconds"] = seconds
    if out_counts is not None:
        write_json(counts, out_counts)
    return counts


def run_step(step: str, src, out, *, params: Mapping | None = None, **options) -> dict:
    """:func:`run_steps` for one step; returns its record."""
    return run_steps([(step, params)], src, out, **options)[0]


def unique_ids(src: str | os.PathLike) -> dict[tuple[str, str], list[str]]:
    """The distinct accessions to fetch per (molecule, database), sorted, from a mapped table
    (the map_ids step's output; ids are ``<database>:<accession>``)."""
    path = _quoted(src)
    query = " UNION ".join(
        f"SELECT DISTINCT '{m}', {m}_id FROM read_parquet('{path}') WHERE {m}_id IS NOT NULL"
        for m in ("rna", "protein")
    )
    out: dict[tuple[str, str], list[str]] = {}
    with contextlib.closing(connect(threads=os.cpu_count() or 1)) as con:  # DuckDB's default
        rows = con.execute(query).fetchall()
    for molecule, key in sorted(rows):
        database, accession = key.split(":", 1)
        out.setdefault((molecule, database), []).append(accession)
    return dict(sorted(out.items()))
