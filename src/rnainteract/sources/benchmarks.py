"""Parsers for the classic RPI benchmarks and the canonical pair table built from them.

Every parser returns a :class:`ParsedDataset`: raw pairs (``rna_id``, ``protein_id``, ``label``)
with ids passed through :func:`~rnainteract.io.sequences.normalize_id`, and the raw RNA and protein
sequences by id. :func:`build_dataset` then removes duplicate pairs, resolves label conflicts,
handles pairs without a sequence, normalizes alphabets, and writes the output contract
(../shared/ARCHITECTURE.md):

* ``results/pairs/{dataset}.parquet``: ``rna_id``, ``protein_id``, ``label`` (int8 0/1), ``source``
* ``results/sequences/{dataset}/rna.fasta`` and ``proteins.fasta`` (only sequences used by a pair)

File formats (each folder's PROVENANCE.md in ../shared/data):

* ``protein_rna_label_tsv``: headerless TSV ``protein_id<TAB>rna_id<TAB>label`` — IPMiner
  RPI369_all.txt, RPITER ``*_pairs.txt``, RPI-EDLCN ``*_pairs.txt``.
* ``positive_negative_tsv``: two TSVs with a header ``Protein ID<TAB>RNA ID``, one of positives and
  one of negatives — IPMiner RPI1807_PositivePairs.csv / RPI1807_NegativePairs.csv (tab-separated
  despite the name).
* ``ipminer_triplets``: three-line records ``>PDB_proteinChain_rnaChain|interactive`` (or
  ``|non``), protein sequence line, RNA sequence line — IPMiner lncRNA-protein-488.txt (RPI488).
* ``pairs_tsv``: a user's TSV with a header naming ``rna_id``, ``protein_id``, ``label`` and
  optionally ``rna_category``, ``protein_category`` (RNAInter's Category1/Category2, e.g. miRNA /
  RBP; used by the negative sampler, App. B.5), in any column order, extra columns ignored, plus
  two FASTA files.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rnainteract.io.fasta import read_fasta, write_fasta
from rnainteract.io.files import (
    TextFileError,
    open_text,
    text_errors,
    write_json,
    write_parquet,
    write_tsv,
)
from rnainteract.io.sequences import (
    AlphabetReport,
    SequenceError,
    length_stats,
    normalize_id,
    normalize_sequence,
)

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["rna_id", "protein_id", "label", "source"]
CATEGORY_COLUMNS = ["rna_category", "protein_category"]  # optional columns of the pair table
LABEL_WORDS = {"1": 1, "0": 0, "interactive": 1, "non": 0, "positive": 1, "negative": 0}
MISSING_POLICIES = ("error", "drop")
CONFLICT_POLICIES = ("error", "drop")


class PairFileError(ValueError):
    """A pair table is malformed (names the file, the line and the reason)."""


@dataclass
class ParsedDataset:
    """What a parser read: pairs with normalized ids and raw sequences by normalized id."""

    pairs: pd.DataFrame  # rna_id (str), protein_id (str), label (int)
    rna: dict[str, str]
    proteins: dict[str, str]


def _label(raw: str, path: Path, line_no: int) -> int:
    key = raw.strip().lower()
    if key not in LABEL_WORDS:
        raise PairFileError(
            f"{path}: line {line_no}: label {raw!r} is not one of {sorted(LABEL_WORDS)}"
        )
    return LABEL_WORDS[key]


def _data_lines(path: Path, *, header: bool) -> list[tuple[int, list[str]]]:
    lines = []
    try:
        with text_errors(path), open_text(path) as handle:  # plain or gzipped
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                lines.append((line_no, line.rstrip("\r\n").split("\t")))
    except TextFileError as err:  # binary, not UTF-8, truncated gzip
        raise PairFileError(str(err)) from None
    if header:
        lines = lines[1:]
    if not lines:
        raise PairFileError(f"{path}: no pairs (empty file)")
    return lines


def read_protein_rna_label_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Read a headerless ``protein_id<TAB>rna_id<TAB>label`` table.

    Returns:
        DataFrame with columns ``rna_id``, ``protein_id`` (normalized ids) and ``label`` (0/1).

    Raises:
        PairFileError: empty file, a row with fewer than 3 fields, or a label not in 0/1.
    """
    path = Path(path)
    rows = []
    for line_no, fields in _data_lines(path, header=False):
        if len(fields) < 3:
            raise PairFileError(
                f"{path}: line {line_no}: expected protein_id, rna_id, label separated by tabs, "
                f"got {len(fields)} field(s)"
            )
        rows.append(
            (normalize_id(fields[1]), normalize_id(fields[0]), _label(fields[2], path, line_no))
        )
    return pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"])


def read_positive_negative_pairs(
    positives: str | os.PathLike, negatives: str | os.PathLike
) -> pd.DataFrame:
    """Read IPMiner-style positive and negative pair files (header, then ``protein<TAB>rna``).

    Returns:
        DataFrame ``rna_id``, ``protein_id``, ``label`` — positives first (label 1), then negatives.
    """
    frames = []
    for path, label in ((Path(positives), 1), (Path(negatives), 0)):
        rows = []
        for line_no, fields in _data_lines(path, header=True):
            if len(fields) < 2:
                raise PairFileError(f"{path}: line {line_no}: expected protein_id<TAB>rna_id")
            rows.append((normalize_id(fields[1]), normalize_id(fields[0]), label))
        frames.append(pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"]))
    return pd.concat(frames, ignore_index=True)


def read_ipminer_triplets(path: str | os.PathLike) -> ParsedDataset:
    """Read IPMiner's RPI488 file of ``>PDB_protChain_rnaChain|label`` / protein / RNA records.

    The protein id is ``PDB_protChain`` and the RNA id ``PDB_rnaChain`` (the ids RPITER uses for the
    same set). A chain seen twice with different sequences is an error.

    Raises:
        PairFileError: record count not a multiple of 3, a header not of that form, a bad label.
        SequenceError: conflicting sequences for one id.
    """
    path = Path(path)
    lines = [(n, fields[0]) for n, fields in _data_lines(path, header=False)]
    if len(lines) % 3:
        raise PairFileError(
            f"{path}: {len(lines)} non-empty lines is not a multiple of 3 (header, protein, RNA)"
        )
    rows, rna, proteins = [], {}, {}
    for i in range(0, len(lines), 3):
        line_no, header = lines[i]
        if not header.startswith(">") or "|" not in header:
            raise PairFileError(
                f"{path}: line {line_no}: expected '>PDB_protChain_rnaChain|label', "
                f"got {header[:50]!r}"
            )
        name, raw_label = header[1:].rsplit("|", 1)
        parts = name.split("_")
        if len(parts) != 3:
            raise PairFileError(
                f"{path}: line {line_no}: record {name!r} is not PDB_protChain_rnaChain"
            )
        protein_id = normalize_id(f"{parts[0]}_{parts[1]}")
        rna_id = normalize_id(f"{parts[0]}_{parts[2]}")
        for table, rid, seq in (
            (proteins, protein_id, lines[i + 1][1]),
            (rna, rna_id, lines[i + 2][1]),
        ):
            if rid in table and table[rid] != seq.strip():
                raise SequenceError(
                    f"{path}: record {name!r}: chain {rid!r} appears with two different sequences"
                )
            table[rid] = seq.strip()
        rows.append((rna_id, protein_id, _label(raw_label, path, line_no)))
    return ParsedDataset(
        pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"]), rna, proteins
    )


def read_user_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Read a user's TSV with a header containing ``rna_id``, ``protein_id`` and ``label``.

    Optional ``rna_category`` and ``protein_category`` columns are kept (str; an empty field is
    ``unknown``); one id with two categories is refused.

    Raises:
        PairFileError: a missing column, a short line, a bad label, no pairs, or an id listed
            with two categories (names the file, line and id).
    """
    path = Path(path)
    lines = _data_lines(path, header=False)
    header = [h.strip() for h in lines[0][1]]
    missing = [c for c in ("rna_id", "protein_id", "label") if c not in header]
    if missing:
        raise PairFileError(f"{path}: header {header} lacks column(s) {missing}")
    wanted = ["rna_id", "protein_id", "label"] + [c for c in CATEGORY_COLUMNS if c in header]
    cols = {c: header.index(c) for c in wanted}
    rows = []
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for line_no, fields in lines[1:]:
        if len(fields) < len(header):
            raise PairFileError(
                f"{path}: line {line_no}: {len(fields)} fields, header has {len(header)}"
            )
        row = [
            normalize_id(fields[cols["rna_id"]]),
            normalize_id(fields[cols["protein_id"]]),
            _label(fields[cols["label"]], path, line_no),
        ]
        for col, id_value in zip(CATEGORY_COLUMNS, row[:2], strict=True):
            if col not in cols:
                continue
            category = fields[cols[col]].strip() or "unknown"
            first = seen.setdefault((col, id_value), (category, line_no))
            if first[0] != category:
                raise PairFileError(
                    f"{path}: line {line_no}: {id_value} has {col} {category!r}, "
                    f"but {first[0]!r} on line {first[1]}"
                )
            row.append(category)
        rows.append(tuple(row))
    if not rows:
        raise PairFileError(f"{path}: no pairs (header only)")
    return pd.DataFrame(rows, columns=wanted)


def parse_protein_rna_label_tsv(inputs: Mapping[str, str]) -> ParsedDataset:
    """Parser ``protein_rna_label_tsv``: inputs ``pairs``, ``rna_fasta``, ``protein_fasta``."""
    return ParsedDataset(
        read_protein_rna_label_pairs(inputs["pairs"]),
        read_fasta(inputs["rna_fasta"]),
        read_fasta(inputs["protein_fasta"]),
    )


def parse_positive_negative_tsv(inputs: Mapping[str, str]) -> ParsedDataset:
    """Parser ``positive_negative_tsv``.

    Inputs: ``positives``, ``negatives``, ``rna_fasta``, ``protein_fasta``.
    """
    return ParsedDataset(
        read_positive_negative_pairs(inputs["positives"], inputs["negatives"]),
        read_fasta(inputs["rna_fasta"]),
        read_fasta(inputs["protein_fasta"]),
    )


def parse_ipminer_triplets(inputs: Mapping[str, str]) -> ParsedDataset:
    """Parser ``ipminer_triplets``: input ``records``."""
    return read_ipminer_triplets(inputs["records"])


def parse_pairs_tsv(inputs: Mapping[str, str]) -> ParsedDataset:
    """Parser ``pairs_tsv`` (users' own data): ``pairs``, ``rna_fasta``, ``protein_fasta``."""
    return ParsedDataset(
        read_user_pairs(inputs["pairs"]),
        read_fasta(inputs["rna_fasta"]),
        read_fasta(inputs["protein_fasta"]),
    )


PARSERS: dict[str, tuple[Callable[[Mapping[str, str]], ParsedDataset], tuple[str, ...]]] = {
    "protein_rna_label_tsv": (parse_protein_rna_label_tsv, ("pairs", "rna_fasta", "protein_fasta")),
    "positive_negative_tsv": (
        parse_positive_negative_tsv,
        ("positives", "negatives", "rna_fasta", "protein_fasta"),
    ),
    "ipminer_triplets": (parse_ipminer_triplets, ("records",)),
    "pairs_tsv": (parse_pairs_tsv, ("pairs", "rna_fasta", "protein_fasta")),
}


def parse(parser: str, inputs: Mapping[str, str]) -> ParsedDataset:
    """Run the parser named ``parser`` on ``inputs`` (role → path), checking the roles first."""
    if parser not in PARSERS:
        raise ValueError(f"unknown parser {parser!r}; known: {sorted(PARSERS)}")
    func, roles = PARSERS[parser]
    missing = [r for r in roles if r not in inputs]
    if missing:
        raise ValueError(f"parser {parser!r} needs input(s) {missing}; got {sorted(inputs)}")
    return func(inputs)


def clean_pairs(
    parsed: ParsedDataset,
    *,
    dataset: str,
    unknown_letters: str = "replace",
    missing_sequence: str = "error",
    label_conflicts: str = "drop",
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], dict]:
    """Deduplicate pairs, resolve conflicts and missing sequences, and normalize alphabets.

    Steps, each counted in the returned stats: identical duplicate rows are collapsed; a pair listed
    with both labels is dropped (``label_conflicts="drop"``) or refused (``"error"``); a pair whose
    RNA or protein has no sequence is dropped or refused (``missing_sequence``); sequences are
    normalized (:func:`~rnainteract.io.sequences.normalize_sequence`, ``unknown_letters`` policy)
    and pairs of dropped sequences removed. Only sequences used by a kept pair are returned.

    Returns:
        ``(pairs, rna, proteins, stats)``: pairs with ``rna_id``, ``protein_id``, ``label`` (int8),
        in first-seen order; the sequences by id in first-use order; a JSON-ready stats dict.

    Raises:
        ValueError: a conflict or missing sequence under the ``error`` policy; no pair left.
    """
    if missing_sequence not in MISSING_POLICIES:
        raise ValueError(
            f"missing_sequence must be one of {MISSING_POLICIES}, got {missing_sequence!r}"
        )
    if label_conflicts not in CONFLICT_POLICIES:
        raise ValueError(
            f"label_conflicts must be one of {CONFLICT_POLICIES}, got {label_conflicts!r}"
        )
    pairs = parsed.pairs
    stats: dict = {"dataset": dataset, "n_rows_read": len(pairs)}

    deduped = pairs.drop_duplicates(["rna_id", "protein_id", "label"])
    stats["n_duplicate_rows_removed"] = len(pairs) - len(deduped)
    n_labels = deduped.groupby(["rna_id", "protein_id"], sort=False)["label"].transform("nunique")
    conflicts = deduped[n_labels > 1]
    conflict_pairs = sorted(set(zip(conflicts.rna_id, conflicts.protein_id, strict=True)))
    if conflict_pairs and label_conflicts == "error":
        raise ValueError(
            f"{dataset}: {len(conflict_pairs)} pair(s) listed both as positive and "
            f"negative, e.g. {conflict_pairs[:3]} (set label_conflicts: drop)"
        )
    pairs = deduped[n_labels == 1]
    stats["n_label_conflict_pairs_dropped"] = len(conflict_pairs)
    stats["label_conflict_pairs"] = [list(p) for p in conflict_pairs]

    has_rna = pairs.rna_id.isin(parsed.rna.keys())
    has_protein = pairs.protein_id.isin(parsed.proteins.keys())
    missing = pairs[~(has_rna & has_protein)]
    if len(missing) and missing_sequence == "error":
        ids = sorted(set(missing.rna_id[~has_rna]) | set(missing.protein_id[~has_protein]))
        raise ValueError(
            f"{dataset}: {len(missing)} pair(s) lack a sequence for {len(ids)} id(s), "
            f"e.g. {ids[:5]} (set missing_sequence: drop to count and drop them)"
        )
    stats["n_pairs_missing_rna_sequence"] = int((~has_rna).sum())
    stats["n_pairs_missing_protein_sequence"] = int((~has_protein).sum())
    stats["n_pairs_missing_sequence_dropped"] = len(missing)
    stats["n_positive_pairs_missing_sequence_dropped"] = int((missing.label == 1).sum())
    pairs = pairs[has_rna & has_protein]

    reports = {"rna": AlphabetReport("rna"), "protein": AlphabetReport("protein")}
    normalized: dict[str, dict[str, str]] = {"rna": {}, "protein": {}}
    for molecule, column, raw, source in (
        ("rna", "rna_id", parsed.rna, "rna_fasta"),
        ("protein", "protein_id", parsed.proteins, "protein_fasta"),
    ):
        for rid in pd.unique(pairs[column]):
            seq = normalize_sequence(
                raw[rid],
                molecule,
                policy=unknown_letters,
                record=rid,
                source=f"{dataset}/{source}",
                report=reports[molecule],
            )
            if seq is not None:
                normalized[molecule][rid] = seq
        stats[f"n_{molecule}_records_unused"] = len(raw) - len(pd.unique(pairs[column]))
    keep = pairs.rna_id.isin(normalized["rna"].keys()) & pairs.protein_id.isin(
        normalized["protein"].keys()
    )
    stats["n_pairs_dropped_unknown_letters"] = int((~keep).sum())
    pairs = pairs[keep].reset_index(drop=True)
    if pairs.empty:
        raise ValueError(f"{dataset}: no pair left after cleaning: {stats}")

    rna = {rid: normalized["rna"][rid] for rid in pd.unique(pairs.rna_id)}
    proteins = {pid: normalized["protein"][pid] for pid in pd.unique(pairs.protein_id)}
    out = pairs[["rna_id", "protein_id"]].copy()
    out["label"] = pairs.label.astype("int8")
    for col in CATEGORY_COLUMNS:
        if col in pairs:
            out[col] = pairs[col].to_numpy()
    stats.update(
        n_pairs=len(out),
        n_positive=int((out.label == 1).sum()),
        n_negative=int((out.label == 0).sum()),
        n_rna=len(rna),
        n_proteins=len(proteins),
        alphabet={m: r.as_dict() for m, r in reports.items()},
        rna_length=length_stats(rna.values()),
        protein_length=length_stats(proteins.values()),
    )
    if stats["n_positive"] == 0 or stats["n_negative"] == 0:
        log.warning(
            "%s: only one class present (%d positive, %d negative)",
            dataset,
            stats["n_positive"],
            stats["n_negative"],
        )
    return out, rna, proteins, stats


def build_dataset(
    parser: str,
    inputs: Mapping[str, str],
    *,
    dataset: str,
    source: str,
    out_pairs: str | os.PathLike,
    out_rna: str | os.PathLike,
    out_proteins: str | os.PathLike,
    out_stats: str | os.PathLike,
    unknown_letters: str = "replace",
    missing_sequence: str = "error",
    label_conflicts: str = "drop",
) -> dict:
    """Parse a benchmark and write the canonical pair table, the two FASTA files and its stats.

    ``source`` fills the pair table's ``source`` column (the config name of the pair source).
    Returns the stats dict (also written as JSON to ``out_stats``). Errors: see :func:`parse` and
    :func:`clean_pairs`.
    """
    parsed = parse(parser, inputs)
    pairs, rna, proteins, stats = clean_pairs(
        parsed,
        dataset=dataset,
        unknown_letters=unknown_letters,
        missing_sequence=missing_sequence,
        label_conflicts=label_conflicts,
    )
    pairs["source"] = source
    stats["parser"] = parser
    stats["inputs"] = {role: str(path) for role, path in inputs.items()}
    for key in (
        "n_rows_read",
        "n_duplicate_rows_removed",
        "n_label_conflict_pairs_dropped",
        "n_pairs_missing_sequence_dropped",
        "n_pairs_dropped_unknown_letters",
        "n_pairs",
        "n_positive",
        "n_negative",
        "n_rna",
        "n_proteins",
    ):
        log.info("%s: %s = %s", dataset, key, stats[key])
    log.info(
        "%s: RNA lengths %s; protein lengths %s",
        dataset,
        stats["rna_length"],
        stats["protein_length"],
    )
    log.info("%s: alphabet %s", dataset, stats["alphabet"])
    write_parquet(pairs[PAIR_COLUMNS + [c for c in CATEGORY_COLUMNS if c in pairs]], out_pairs)
    write_fasta(rna, out_rna)
    write_fasta(proteins, out_proteins)
    write_json(stats, out_stats)
    return stats


def read_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Read a canonical pair table, checking its columns and label values."""
    table = pd.read_parquet(path)
    missing = [c for c in PAIR_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: pair table lacks column(s) {missing}")
    bad = ~table.label.isin([0, 1])
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise ValueError(
            f"{path}: labels must be 0/1; row {row} ({table.rna_id.iloc[row]!r}, "
            f"{table.protein_id.iloc[row]!r}) has {table.label.iloc[row]!r}"
        )
    return table


DATASET_TABLE_COLUMNS = [
    "dataset", "n_rows_read", "n_duplicate_rows_removed", "n_label_conflict_pairs_dropped",
    "n_pairs_missing_sequence_dropped", "n_pairs_dropped_unknown_letters",
    "n_rna_with_unknown_letters", "n_proteins_with_unknown_letters", "n_pairs", "n_positive",
    "n_negative", "n_rna", "n_proteins", "n_rna_rfam", "n_proteins_pfam_clan",
    "n_rna_families", "n_protein_clans",
    "rna_length_median", "protein_length_median",
    "negative_method", "n_unannotated_pairs_dropped", "n_dataset_pairs", "n_dataset_positive",
    "n_dataset_negative", "n_negative_unfilled",
]  # fmt: skip


def dataset_table(
    stats_files: list[str | os.PathLike],
    family_files: list[str | os.PathLike],
    clan_files: list[str | os.PathLike],
    out: str | os.PathLike,
    dataset_files: list[str | os.PathLike] | None = None,
) -> pd.DataFrame:
    """One row per dataset: what cleaning read, removed and kept, and its families and clans
    (how many RNAs have an Rfam family and proteins a Pfam clan; RNAInterAct Table 5).

    The lists are parallel (same dataset order): ``{dataset}.stats.json`` of
    :func:`build_dataset`, ``rna_families.tsv`` and ``protein_clans.tsv`` (of the dataset a
    derived dataset comes from) and, optionally, the dataset tables' ``stats.json``
    (:func:`rnainteract.dataset.assemble.build_interaction_dataset`): its name, negative method,
    what the annotation drop policy removed and the final pair counts.
    """
    rows = []
    if dataset_files is None:
        dataset_files = [None] * len(stats_files)
    for stats_file, family_file, clan_file, dataset_file in zip(
        stats_files, family_files, clan_files, dataset_files, strict=True
    ):
        with open(stats_file) as handle:
            stats = json.load(handle)
        row = {key: stats.get(key) for key in DATASET_TABLE_COLUMNS}
        if dataset_file is not None:
            with open(dataset_file) as handle:
                final = json.load(handle)
            row.update(
                dataset=final["dataset"],
                negative_method=final["negative_method"],
                n_unannotated_pairs_dropped=final["n_positive_unannotated_dropped"]
                + final["n_negative_unannotated_dropped"],
                n_dataset_pairs=final["n_pairs"],
                n_dataset_positive=final["n_positive"],
                n_dataset_negative=final["n_negative"],
                n_negative_unfilled=final.get("n_negative_unfilled", 0),
            )
        row["n_rna_with_unknown_letters"] = stats["alphabet"]["rna"][
            "n_sequences_with_unknown_letters"
        ]
        row["n_proteins_with_unknown_letters"] = stats["alphabet"]["protein"][
            "n_sequences_with_unknown_letters"
        ]
        families = pd.read_csv(family_file, sep="\t", dtype=str)
        clans = pd.read_csv(clan_file, sep="\t", dtype=str)
        row["n_rna_rfam"] = int((families.family_source == "rfam").sum())
        row["n_proteins_pfam_clan"] = int((clans.clan_source == "pfam").sum())
        row["n_rna_families"] = families.family.nunique()
        row["n_protein_clans"] = clans.clan.nunique()
        row["rna_length_median"] = stats["rna_length"]["median"]
        row["protein_length_median"] = stats["protein_length"]["median"]
        rows.append(row)
    table = pd.DataFrame(rows, columns=DATASET_TABLE_COLUMNS)
    write_tsv(table, out)
    return table
