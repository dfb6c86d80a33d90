"""RNAInter v4 RNA–protein download at full scale: streamed to Parquet, then filtered step by step.

RNAInter's bulk RNA–protein file (``Download_data_RP.tar.gz``, 37,067,587 rows; RNAInterAct
paper, App. B.1) is a tar.gz holding one tab-separated table with the 13 columns of
:data:`RNAINTER_COLUMNS`; empty evidence is the literal ``N/A``. :func:`ingest_rnainter` streams
it (tar member → pyarrow's incremental CSV reader → Parquet row groups), so memory stays flat in
the file size; nothing ever holds the whole table in pandas.

The RNAInterAct recipe (App. B.2–B.4) then runs as steps in DuckDB SQL
(:mod:`rnainteract.sources.rnainter_sql`; one file per step in ``sql/``), each a SELECT that says
per row why it is dropped (NULL: kept), so that the report shows where the data went; its
``run_steps`` runs consecutive steps as one chain of views over a Parquet file (counts kept apart
per step), with DuckDB's threads and memory limit (it spills to disk beyond it):

1. ``rna_protein`` — rows with one RNA and one protein interactor (protein categories ``RBP``,
   ``TF``, ``Protein``), oriented RNA first, columns renamed to ``rna_*`` / ``protein_*``;
2. ``categories`` — drop mRNA and unspecified RNA categories (App. B.4);
3. ``species`` — keep the configured species (both interactors);
4. ``map_ids`` — ``Raw_ID`` prefix (``NCBI:``, ``UniProt:``, ``Ensembl:``, ``miRBase:``,
   ``NONCODE:``) → the sequence database and the id to ask it for (App. B.2);
5. ``sequences`` — attach the fetched sequences' lengths (:mod:`rnainteract.sources.seqclients`);
   drop rows without one or with an invalid one (App. B.2, "exclude any entry that lacks sequence");
6. ``length`` — sequence length ≤ 1024 for both molecules (App. B.2);
7. ``dedupe`` — one row per (RNA, protein) pair, highest score kept (App. B.4);
8. ``cap`` — at most 150 interactions per interactor, seeded subsampling (App. B.4).

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
from rnainteract.sources.rnainter_sql import SQL_DIR, connect, table_view, unique_ids

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
    with contextlib.closing(connect()) as con:
        table_view(con, src, name="pairs")
        table_view(con, raw, name="raw")
        pairs = con.execute((SQL_DIR / "pairs.sql").read_text()).df()
        expected = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
    if len(pairs) != expected:
        raise ValueError(f"{src}: {expected - len(pairs)} rows beyond the rows of {raw}")

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
