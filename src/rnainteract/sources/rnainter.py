"""RNAInter v4's RNA–protein download at full scale (RNAInterAct App. B): ingest, sequence fetch,
pair contract and report tables.

RNAInter's bulk RNA–protein file (``Download_data_RP.tar.gz``, 37,067,587 rows; App. B.1) is a
tar.gz holding one tab-separated table with the 13 columns of :data:`RNAINTER_COLUMNS`; empty
evidence is the literal ``N/A``. :func:`ingest_rnainter` streams it to Parquet (memory flat in the
file size). The filtering steps of App. B.2–B.4 are DuckDB SQL, one file per step
(:mod:`rnainteract.sources.rnainter_sql`); between them :func:`write_id_lists` and
:func:`fetch_database` fetch the sequences of the mapped ids per database, and
:func:`finish_rnainter` writes the output contract shared with the benchmarks
(``results/pairs/rnainter.parquet`` and the two FASTA files) with the report tables.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import queue
import tarfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rnainteract.io.fasta import write_fasta
from rnainteract.io.files import atomic_path, write_json, write_parquet, write_tsv
from rnainteract.io.sequences import length_stats
from rnainteract.sources.rnainter_sql import (
    MAPPED_COLUMNS,
    SQL_DIR,
    connect,
    table_view,
    unique_ids,
)

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
#: Ingested columns stored with dictionary pages (categories, species, evidence): few distinct
#: values. Ids, symbols and raw ids have about as many as rows; dictionary pages cost more to
#: write than they save for them (at 37M rows: 10 s of ingest CPU).
DICTIONARY_COLUMNS = [
    "Category1", "Species1", "Category2", "Species2", "strong", "weak", "predict",
]  # fmt: skip
RNA_LETTERS = "ACGU"
PROTEIN_LETTERS = "ACDEFGHIKLMNPQRSTVWYXBZUO"


class RNAInterFormatError(ValueError):
    """The RNAInter file is malformed (names the file and the reason, with the row when known)."""


# --------------------------------------------------------------------------------------------
# Ingest


@contextlib.contextmanager
def _open_table(path: Path) -> Iterator:
    """Yield a binary stream of the table inside ``path`` (tar.gz / tgz / tar / gz / plain text).
    gzip is inflated by ISA-L in a background thread (python-isal's ``igzip_threaded``: ~3x
    zlib's speed, overlapping with the parsing); a tar is read as a stream (no seeking)."""
    from isal import igzip_threaded

    name = path.name.lower()
    with contextlib.ExitStack() as stack:
        if name.endswith((".gz", ".tgz")):
            handle = stack.enter_context(igzip_threaded.open(path, "rb", threads=1))
        else:
            handle = stack.enter_context(open(path, "rb"))
        if name.endswith((".tar.gz", ".tgz", ".tar")):
            archive = stack.enter_context(tarfile.open(fileobj=handle, mode="r|"))
            member = next((m for m in archive if m.isfile()), None)
            if member is None:
                raise RNAInterFormatError(f"{path}: the archive holds no regular file")
            log.info("%s: reading member %s (%d bytes)", path, member.name, member.size)
            handle = archive.extractfile(member)
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
            DuckDB reads row groups in parallel, one per thread.

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
                tmp, schema, compression=compression, use_dictionary=DICTIONARY_COLUMNS
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


# --------------------------------------------------------------------------------------------
# Sequence fetch (between the map_ids and sequences steps)


def write_id_lists(src: str | os.PathLike, outputs: Mapping[tuple[str, str], str]) -> dict:
    """Write the accessions to fetch per (database, molecule), one per line (empty files for
    pairs with none), from the map_ids step's output; returns counts per ``database.molecule``.

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
        id_files: molecule → id list (:func:`write_id_lists`; blank lines skipped).
        out_tables: molecule → Parquet output (:func:`sequence_table`).
        options: :func:`rnainteract.sources.seqclients.fetch_sequences` options for this database.
    Returns:
        one report per molecule: the :func:`sequence_table` counts plus the fetch report
        (requests, retries, from_cache, elapsed_s).
    """
    from rnainteract.sources.seqclients import fetch_sequences

    reports = []
    for molecule, id_file in id_files.items():
        ids = Path(id_file).read_text().split()
        fetch: dict = {"requests": 0, "retries": 0, "from_cache": 0, "elapsed_s": 0.0}
        sequences, accessions, missing = {}, {}, []
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
        table, counts = sequence_table(molecule, database, sequences, accessions, missing)
        write_parquet(table, out_tables[molecule])
        log.info("%s %s: %s", database, molecule, counts)
        reports.append({**counts, **fetch})
    write_json(reports, out_report)
    return reports


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
    ``source``, ``score`` and, from the ingested table ``raw`` (by row, in the row's
    ``reoriented`` orientation), ``rna_category``, ``protein_category`` (used by the RNAInterAct
    negative sampler), ``interaction_id`` (RNAInterID), ``rna_symbol`` and ``protein_symbol``;
    ids are ``<database>:<accession>``.

    Returns:
        stats: ``n_pairs``, ``n_rna``, ``n_proteins``, length statistics and the category shares
        (Table 6).

    Raises:
        ValueError: ``src`` lacks a column of :data:`MAPPED_COLUMNS` (a stage file of an older
        version); a row of ``src`` is not in ``raw``; a pair's RNA or protein has no sequence
        in the tables.
    """
    missing = [c for c in MAPPED_COLUMNS if c not in pq.read_schema(src).names]
    if missing:  # a stage file of an older rnainteract
        raise ValueError(f"{src}: no column(s) {missing}; delete results/rnainter/steps/, rerun")
    with contextlib.closing(connect()) as con:
        table_view(con, src, name="pairs")
        table_view(con, raw, name="raw")
        pairs = con.execute((SQL_DIR / "pairs.sql").read_text()).df()
        expected = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
    if len(pairs) != expected:
        raise ValueError(f"{src}: {expected - len(pairs)} rows beyond the rows of {raw}")
    sequences = {}
    for molecule, paths in (("rna", rna_tables), ("protein", protein_tables)):
        wanted, found = set(pairs[f"{molecule}_id"]), {}
        for path in paths:  # an id in several tables: the first table's (as the sequences step)
            table = pq.read_table(path, columns=["id", "sequence", "status"]).to_pandas()
            table = table[(table.status == "ok") & table.id.isin(wanted)]
            for key, sequence in zip(table.id, table.sequence, strict=True):
                found.setdefault(key, sequence)
        missing = sorted(wanted - set(found))
        if missing:
            raise ValueError(f"{src}: {len(missing)} ids without a sequence, e.g. {missing[:5]}")
        sequences[molecule] = dict(sorted(found.items()))
    pairs.insert(2, "label", pd.Series(1, index=pairs.index, dtype="int8"))
    pairs.insert(3, "source", source)
    write_parquet(pairs, out_pairs)
    write_fasta(sequences["rna"], out_rna)
    write_fasta(sequences["protein"], out_proteins)
    shares = {m: pairs[f"{m}_category"].value_counts(normalize=True) for m in ("rna", "protein")}
    return {
        "n_pairs": int(len(pairs)),
        "n_rna": len(sequences["rna"]),
        "n_proteins": len(sequences["protein"]),
        "rna_length": length_stats(sequences["rna"].values()),
        "protein_length": length_stats(sequences["protein"].values()),
        **{f"{m}_categories": {str(k): round(float(v), 4) for k, v in shares[m].items()}
           for m in shares},
    }  # fmt: skip


#: Columns of the extraction table (RNAInterAct Table 4) ← keys of the fetch reports.
EXTRACTION_COLUMNS = {
    "molecule": "molecule",
    "database": "database",
    "unique_ids": "unique_ids",
    "ok": "obtained",
    "extraction_rate": "extraction_rate",
    "not found": "not_found",
    "invalid letters": "invalid_letters",
    "from_cache": "from_cache",
    "requests": "requests",
    "retries": "retries",
}


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

    ``out_filtering``: ``step``, ``rows_in``, ``rows_out``, ``dropped``, ``reasons`` (text) per
    step, from the ingested row count to the final pairs; ``out_extraction``: RNAInterAct
    Table 4 per molecule and database (:data:`EXTRACTION_COLUMNS`: unique ids, ids obtained,
    extraction rate, plus the fetch's HTTP requests, retries and ids answered from the cache);
    ``out_categories``: Table 6, the share of each RNA and protein category among the final
    pairs. ``out_stats`` carries the keys of the benchmarks' ``{dataset}.stats.json`` that the
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
    n_rows = int(json.loads(Path(ingest_stats).read_text())["rows"])
    ingest = {"step": "ingest", "rows_in": n_rows, "rows_out": n_rows, "dropped": 0, "reasons": {}}
    filtering = pd.DataFrame(
        [{**c, "reasons": "; ".join(f"{k}: {v:,}" for k, v in c["reasons"].items())}
         for c in (ingest, *counts)],
        columns=["step", "rows_in", "rows_out", "dropped", "reasons"],
    )  # fmt: skip
    write_tsv(filtering, out_filtering)
    reports = [r for path in fetch_reports for r in json.loads(Path(path).read_text())]
    extraction = pd.DataFrame(
        [r for r in reports if r["unique_ids"]], columns=[*EXTRACTION_COLUMNS]
    )
    write_tsv(extraction.rename(columns=EXTRACTION_COLUMNS), out_extraction)
    categories = pd.DataFrame(
        [{"molecule": m, "category": k, "share": v}
         for m in ("rna", "protein") for k, v in stats[f"{m}_categories"].items()],
        columns=["molecule", "category", "share"],
    )  # fmt: skip
    write_tsv(categories, out_categories)
    no_unknown = {"n_sequences_with_unknown_letters": 0}
    stats.update(
        dataset="rnainter",
        parser="rnainter",
        n_rows_read=n_rows,
        n_positive=stats["n_pairs"],
        n_negative=0,
        alphabet={"rna": dict(no_unknown), "protein": dict(no_unknown)},
        steps=counts,
    )
    write_json(stats, out_stats)
    return stats
