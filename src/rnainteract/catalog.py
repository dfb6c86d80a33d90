"""The results catalog: ``results/catalog.duckdb``, one DuckDB view per output table over the
Parquet, TSV and JSON files where they lie (nothing is copied), so that ``duckdb
results/catalog.duckdb`` can join predictions with the pair annotations.

* **Paths.** The views name their files relative to the workflow directory (the folder holding
  ``results/``, where Snakemake runs). DuckDB resolves them against the working directory of
  whoever queries the catalog: open it from the workflow directory, or run ``SET
  file_search_path = '<workflow directory>'`` first. The workflow folder can be moved or copied
  as a whole; the catalog alone cannot.
* **Keys.** The key columns of a view (``dataset``, ``split``, ``model``, ...) are read from its
  files' paths (the placeholders of :attr:`Table.pattern`). ``dataset_pairs.pair_index`` is the
  row of a pair in its dataset table (0-based), which ``splits`` and ``predictions`` refer to.
* **Absent tables.** A table with no file in a run (the RNAInter steps when ``targets.rnainter``
  is off) gets no view. The table ``catalog`` lists every view (present or not) with its
  description, file pattern and number of files.
* **Lazy.** A view reads its files when queried; the catalog itself holds only the views' SQL
  and the ``catalog`` table (a few hundred kB). Embedding vectors are never read: their views
  hold the embedders' metadata and the per-sequence lengths only.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from rnainteract.io.files import atomic_path

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.0.0"
"""DuckDB storage format of the catalog file (``storage_compatibility_version``): the oldest one
that holds views and a table, so that older DuckDB clients can open the file."""


@dataclass(frozen=True)
class View:
    """One view of the catalog: its name, what a row is, and its SELECT statement, in which
    ``{files}`` stands for the DuckDB list of the table's paths and ``{keys}`` for the key
    columns read from ``filename`` (each followed by a comma; empty for one-file tables)."""

    name: str
    description: str
    sql: str


@dataclass(frozen=True)
class Table:
    """A kind of output file and the views over it. ``pattern`` is the path of one file, with
    ``{key}`` placeholders for the parts that vary (dataset, split, model, ...)."""

    pattern: str
    views: tuple[View, ...]

    @property
    def keys(self) -> list[str]:
        """The placeholders of :attr:`pattern`, in order."""
        return re.findall(r"\{(\w+)\}", self.pattern)

    @property
    def regex(self) -> str:
        """A regular expression (RE2 and Python) matching a path of this table (relative or
        absolute) with one group per key; a key holds no ``/`` nor ``.``."""
        parts = re.split(r"\{\w+\}", self.pattern)
        body = "([^/.]+)".join(re.escape(part) for part in parts)
        return f"(?:^|/){body}$"


def _parquet(*options: str) -> str:
    extra = "".join(f", {o}" for o in options)
    return f"read_parquet({{files}}, union_by_name = true, filename = true{extra})"


def _tsv(**types: str) -> str:
    """read_csv of tab-separated files with a header; ``types`` pins columns (ids that look
    numeric stay text, numbers of a header-only file stay numbers)."""
    pinned = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
    typed = f", types = {{{pinned}}}" if types else ""
    return (
        "read_csv({files}, delim = '\\t', header = true, union_by_name = true,"
        f" filename = true{typed})"
    )


def _plain(name: str, description: str, reader: str) -> View:
    """A view of every column of a reader, after the key columns."""
    return View(name, description, f"SELECT {{keys}}* EXCLUDE (filename) FROM {reader}")


def _summary(name: str, description: str) -> tuple[str, Table]:
    return name, Table(f"results/summary/{name}.tsv", (_plain(name, description, _tsv()),))


_EMBEDDINGS = """
SELECT {keys}meta.num_rows AS n_sequences, j ->> 'kind' AS kind,
    CAST(j ->> 'dim' AS INTEGER) AS dim, CAST(j ->> 'pretrained' AS BOOLEAN) AS pretrained,
    j ->> 'weights_sha256' AS weights_sha256,
    j ->> 'length_policy' AS length_policy, CAST(j ->> 'n_truncated' AS BIGINT) AS n_truncated,
    CAST(j ->> 'n_windowed' AS BIGINT) AS n_windowed, meta.file_size_bytes, j AS metadata
FROM (SELECT file_name AS filename, num_rows, file_size_bytes FROM parquet_file_metadata({files}))
    AS meta
LEFT JOIN (
    SELECT file_name, CAST(decode(value) AS JSON) AS j FROM parquet_kv_metadata({files})
    WHERE decode(key) = 'rnainteract'
) AS kv ON kv.file_name = meta.filename
"""

_RNAINTER_STEPS = """
SELECT {keys}CAST(row_number() OVER (
        ORDER BY list_position(list_transform({files}, lambda f: ends_with(filename, f)), true),
            CAST(e.key AS INTEGER)
    ) AS INTEGER) AS step_order,
    e.value ->> 'step' AS step, CAST(e.value ->> 'rows_in' AS BIGINT) AS rows_in,
    CAST(e.value ->> 'rows_out' AS BIGINT) AS rows_out,
    CAST(e.value ->> 'dropped' AS BIGINT) AS dropped,
    CAST(e.value ->> 'seconds' AS DOUBLE) AS seconds,
    json_transform(e.value -> 'reasons', '"MAP(VARCHAR, BIGINT)"') AS reasons, e.value AS record
FROM read_json_objects({files}, format = 'unstructured', filename = true) AS f,
    json_each(f.json) AS e
"""

_RNAINTER_REASONS = """
SELECT stage, step_order, step, unnest(map_keys(reasons)) AS reason,
    unnest(map_values(reasons)) AS dropped
FROM rnainter_steps
"""

TABLES: dict[str, Table] = {
    "pairs": Table(
        "results/pairs/{dataset}.parquet",
        (
            _plain(
                "pairs",
                "pair table of each source as parsed and cleaned (rna_id, protein_id, label, "
                "source; RNAInter's also its categories and score), before annotation",
                _parquet(),
            ),
        ),
    ),
    "dataset_pairs": Table(
        "results/datasets/{dataset}/pairs.parquet",
        (
            View(
                "dataset_pairs",
                "one row per pair of a dataset table: pair_index (the row that splits and "
                "predictions name), label, the RNA's family and the protein's clan (and their "
                "source), clusters, negative-sampling tier",
                "SELECT {keys}file_row_number AS pair_index, * EXCLUDE (filename, file_row_number)"
                f" FROM {_parquet('file_row_number = true')}",
            ),
        ),
    ),
    "rna_families": Table(
        "results/annotation/{dataset}/rna_families.tsv",
        (
            _plain(
                "rna_families",
                "family of every RNA of a base dataset (Rfam accession, else its cd-hit-est "
                "cluster; family_source says which)",
                _tsv(rna_id="VARCHAR", family="VARCHAR", family_source="VARCHAR"),
            ),
        ),
    ),
    "rfam_hits": Table(
        "results/annotation/{dataset}/rfam_hits.tsv",
        (
            _plain(
                "rfam_hits",
                "best Rfam hit of each annotated RNA of a base dataset (family accession and "
                "name, E-value, bit score)",
                _tsv(
                    rna_id="VARCHAR",
                    family="VARCHAR",
                    family_name="VARCHAR",
                    evalue="DOUBLE",
                    score="DOUBLE",
                ),
            ),
        ),
    ),
    "protein_clans": Table(
        "results/annotation/{dataset}/protein_clans.tsv",
        (
            _plain(
                "protein_clans",
                "clan of every protein of a base dataset (Pfam clan, else Pfam family, else its "
                "MMseqs2 cluster; clan_source says which)",
                _tsv(protein_id="VARCHAR", clan="VARCHAR", clan_source="VARCHAR"),
            ),
        ),
    ),
    "pfam_hits": Table(
        "results/annotation/{dataset}/pfam_hits.tsv",
        (
            _plain(
                "pfam_hits",
                "best Pfam hit of each annotated protein of a base dataset (family, name, clan, "
                "E-value, bit score)",
                _tsv(
                    protein_id="VARCHAR",
                    pfam_family="VARCHAR",
                    pfam_name="VARCHAR",
                    clan="VARCHAR",
                    evalue="DOUBLE",
                    score="DOUBLE",
                ),
            ),
        ),
    ),
    "splits": Table(
        "results/splits/{dataset}/{split}.parquet",
        (
            _plain(
                "splits",
                "one row per (pair, fold) of a split: pair_index, fold, partition (train/test)",
                _parquet(),
            ),
        ),
    ),
    "split_identity": Table(
        "results/splits/{dataset}/{split}.identity.parquet",
        (
            _plain(
                "split_identity",
                "per fold, each test molecule's highest identity to a training molecule and "
                "that molecule (the leakage report's source)",
                _parquet(),
            ),
        ),
    ),
    "predictions": Table(
        "results/predictions/{dataset}/{split}/{model}.parquet",
        (
            _plain(
                "predictions",
                "one row per (test pair, fold, seed): pair_index, label, score, pred; for the "
                "RNA-protein datasets pair_index is dataset_pairs.pair_index (the miRNA and RBP "
                "branches index their own pair tables)",
                _parquet(),
            ),
        ),
    ),
    **dict(
        [
            _summary("datasets", "one row per dataset: pairs read, removed (and why) and kept"),
            _summary("metrics", "one row per dataset x split x model: mean (and sd) metrics"),
            _summary("homology_gap", "each metric's drop from the random split to the others"),
            _summary("confusion", "confusion counts per dataset x split x model x seed"),
            _summary("multilabel_metrics", "RBP multi-label metrics per task x model"),
            _summary("ppi_metrics", "protein-protein interaction metrics per dataset x model"),
            _summary("external_metrics", "final models on external test sets, per overlap class"),
            _summary("shortcuts", "best model vs best shortcut baseline per dataset x split"),
        ]
    ),
    "external_predictions": Table(
        "results/external/{external}/{model}.parquet",
        (
            _plain(
                "external_predictions",
                "scores of a final model on an external test set, with each pair's ids, nearest "
                "training molecules and overlap class",
                _parquet(),
            ),
        ),
    ),
    "embeddings": Table(
        "results/embeddings/{embedder}/{molecule}.parquet",
        (
            View(
                "embeddings",
                "one row per embedding table: embedder, molecule, sequences, dim, pretrained "
                "(false: random-init weights), weights hash, length policy; metadata: all of it",
                _EMBEDDINGS,
            ),
            View(
                "embedding_sequences",
                "one row per embedded sequence: sha256 of the sequence, length, windows (the "
                "vectors are left in the files)",
                f"SELECT {{keys}}sha256, length, n_windows FROM {_parquet()}",
            ),
        ),
    ),
    "rnainter_raw": Table(
        "results/rnainter/raw.parquet",
        (
            View(
                "rnainter_raw",
                "the ingested RNAInter table (its 13 columns) with the 0-based row number that "
                "rnainter_rows refer to",
                'SELECT {keys}file_row_number AS "row", * EXCLUDE (filename, file_row_number) '
                f"FROM {_parquet('file_row_number = true')}",
            ),
        ),
    ),
    "rnainter_rows": Table(
        "results/rnainter/steps/{stage}.parquet",
        (
            _plain(
                "rnainter_rows",
                "RNAInter rows left after each stage of the filtering (mapped, sequenced, "
                "deduped, capped); categories and symbols: join rnainter_raw by row",
                _parquet(),
            ),
        ),
    ),
    "rnainter_steps": Table(
        "results/rnainter/steps/{stage}.counts.json",
        (
            View(
                "rnainter_steps",
                "one row per RNAInter filtering step in order: rows in, out, dropped, seconds, "
                "reasons (map reason -> rows); record: the step's whole JSON",
                _RNAINTER_STEPS,
            ),
            View(
                "rnainter_step_reasons",
                "one row per RNAInter filtering step and reason a row was dropped",
                _RNAINTER_REASONS,
            ),
        ),
    ),
}
"""Every table the catalog knows, by the name its files are given under (rule ``catalog``'s
named inputs, :func:`rnainteract.config.catalog_inputs`)."""

CATALOG_VIEWS = [view.name for table in TABLES.values() for view in table.views]
"""Every view name of the catalog, in the order of :data:`TABLES`."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _is_glob(path: str) -> bool:
    return any(c in path for c in "*?[")


def _relative(path: str | os.PathLike, root: Path, table: str) -> str:
    """``path`` as the view names it: relative to ``root``, with ``/``."""
    text = os.fspath(path)
    if os.path.isabs(text):
        try:
            text = os.path.relpath(text, root)
        except ValueError:  # another drive
            text = os.pardir
    text = os.path.normpath(text)
    if text == os.pardir or text.startswith(os.pardir + os.sep):
        raise ValueError(
            f"catalog table {table}: {path} is outside the workflow directory {root}; the "
            "catalog names its files relative to it"
        )
    return Path(text).as_posix()


def _checked_files(name: str, files: Sequence, root: Path) -> list[str]:
    """The files of a table, relative to ``root``, after checking that each exists (a glob
    matches at least one file) and that each path fits the table's pattern."""
    table = TABLES[name]
    if isinstance(files, str | os.PathLike):  # one path, not its characters
        files = [files]
    out = []
    for path in files:
        rel = _relative(path, root, name)
        if _is_glob(rel):
            if not glob.glob(str(root / rel)):
                raise FileNotFoundError(f"catalog table {name}: {rel} matches no file in {root}")
        else:
            if not (root / rel).is_file():
                raise FileNotFoundError(f"catalog table {name}: {rel} does not exist in {root}")
            if not re.search(table.regex, rel):
                raise ValueError(f"catalog table {name}: {rel} does not fit {table.pattern}")
        out.append(rel)
    return list(dict.fromkeys(out))


def view_sql(name: str, view: View, files: Sequence[str]) -> str:
    """The SELECT statement of ``view`` (of table ``name``) over ``files``.

    Returns:
        SQL text, the files written as a DuckDB list of string literals.

    Raises:
        KeyError: ``name`` is not a table of :data:`TABLES`.
    """
    table = TABLES[name]
    keys = "".join(
        f"regexp_extract(filename, {_quote(table.regex)}, {i}) AS {key}, "
        for i, key in enumerate(table.keys, start=1)
    )
    listed = "[" + ", ".join(_quote(f) for f in files) + "]"
    return view.sql.replace("{files}", listed).replace("{keys}", keys).strip()


def write_catalog(
    out: str | os.PathLike,
    tables: Mapping[str, Sequence[str | os.PathLike]],
    *,
    root: str | os.PathLike = ".",
) -> list[str]:
    """Write the DuckDB catalog ``out``: a view per table of :data:`TABLES` that has files in
    ``tables`` and the table ``catalog`` listing every view, built in a temporary file beside
    ``out`` and renamed onto it.

    Args:
        out: the catalog file (``results/catalog.duckdb``).
        tables: table name (a key of :data:`TABLES`) → its files (paths or globs, relative to
            ``root`` or absolute below it). A name with no file, or left out, gets no view.
        root: the workflow directory the views' paths are relative to.

    Returns:
        The names of the views written, in the order of :data:`TABLES`.

    Raises:
        ValueError: an unknown table name, a path outside ``root`` or not fitting its table's
            pattern, or a view DuckDB cannot read (naming the view); ``out`` is left untouched.
        FileNotFoundError: a file that does not exist (or a glob matching none), naming it.
    """
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown catalog tables {unknown}; known: {sorted(TABLES)}")
    base = Path(root).resolve()
    files = {name: _checked_files(name, tables.get(name, ()), base) for name in TABLES}
    with atomic_path(out) as tmp:
        tmp.unlink()  # DuckDB refuses an existing empty file
        wal = tmp.with_name(tmp.name + ".wal")
        try:
            con = duckdb.connect(
                str(tmp), config={"storage_compatibility_version": STORAGE_VERSION}
            )
            try:
                written = _build(con, files, base)
                con.execute("CHECKPOINT")
            finally:
                con.close()
        finally:
            wal.unlink(missing_ok=True)
    log.info("%s: %d views (%s)", out, len(written), ", ".join(written))
    return written


def _build(con: duckdb.DuckDBPyConnection, files: Mapping[str, list[str]], root: Path) -> list:
    """Create the views and the ``catalog`` table; return the view names."""
    con.execute(f"SET file_search_path = {_quote(str(root))}")  # this session's reads only
    con.execute(
        "CREATE TABLE catalog (name VARCHAR, present BOOLEAN, n_files INTEGER,"
        " pattern VARCHAR, description VARCHAR)"
    )
    written = []
    for name, table in TABLES.items():
        for view in table.views:
            present = bool(files[name])
            if present:
                sql = view_sql(name, view, files[name])
                try:
                    con.execute(f"CREATE VIEW {view.name} AS {sql}")
                    con.execute(f"SELECT * FROM {view.name} LIMIT 0")  # binds: reads the schemas
                except duckdb.Error as err:
                    raise ValueError(f"catalog view {view.name} ({table.pattern}): {err}") from err
                con.execute(f"COMMENT ON VIEW {view.name} IS {_quote(view.description)}")
                written.append(view.name)
                log.info("view %s: %d files", view.name, len(files[name]))
            con.execute(
                "INSERT INTO catalog VALUES (?, ?, ?, ?, ?)",
                [view.name, present, len(files[name]), table.pattern, view.description],
            )
    return written
