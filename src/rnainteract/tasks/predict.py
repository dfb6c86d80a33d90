"""Score new RNA–protein pairs with a final model (``rnainteract predict`` and rule
``predict_query``).

Inputs are what a user has: an RNA FASTA and a protein FASTA (plain or gzipped), and optionally a
pair list (``rna_id<TAB>protein_id``, header optional); without one, every RNA is paired with every
protein, up to ``max_pairs``. Sequences are brought to the canonical alphabet of the datasets
(upper case, T→U; unknown letters become N / X, :func:`rnainteract.io.sequences.
normalize_sequence`).

The output table (TSV, sorted by rank) has one row per pair: ``rna_id``, ``protein_id``,
``score``, ``rank`` (1 = most likely interacting), ``decision`` (the model's threshold), the
nearest training RNA and protein with their identities and the overlap class they imply
(:mod:`rnainteract.tasks.external`; identity only, since a query has no Rfam/Pfam annotation),
and the model's cross-validated AUROC on the split that matches that class: the applicability
domain of every score. Comment lines (``#``) above the header name the model, its training data
and any warning.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rnainteract.annotate.identity import nearest_targets
from rnainteract.io.fasta import read_fasta
from rnainteract.io.files import atomic_path, open_text, text_errors
from rnainteract.io.sequences import AlphabetReport, normalize_id, normalize_sequence
from rnainteract.tasks.external import overlap_class
from rnainteract.tasks.final import CLASS_SPLITS, load_final, training_sequences

log = logging.getLogger(__name__)

#: Identity from which a query molecule counts as seen when the model's workflow ran with
#: ``splits.identity_threshold: null`` (families and clusters only, which a query lacks).
DEFAULT_IDENTITY = 0.8
#: Largest all-vs-all product scored unless ``max_pairs`` says otherwise.
DEFAULT_MAX_PAIRS = 1_000_000
PREDICT_COLUMNS = [
    "rna_id", "protein_id", "score", "rank", "decision", "nearest_train_rna", "rna_identity",
    "nearest_train_protein", "protein_identity", "overlap_class", "cold_split", "expected_auroc",
]  # fmt: skip


class PredictError(ValueError):
    """A query cannot be scored (names the file or the limit and the reason)."""


def read_query_sequences(path: str | os.PathLike, molecule: str) -> tuple[dict[str, str], dict]:
    """``{id: canonical sequence}`` of a query FASTA (plain or gzipped) and the alphabet counts.

    Raises:
        SequenceError, TextFileError: an unreadable FASTA (named), an empty sequence.
    """
    report = AlphabetReport(molecule)
    out = {}
    for rid, raw in read_fasta(path).items():
        out[rid] = normalize_sequence(
            raw, molecule, policy="replace", record=rid, source=str(path), report=report, hint=""
        )
    return out, report.as_dict()


def read_pair_list(
    path: str | os.PathLike, rna: Mapping[str, str], proteins: Mapping[str, str]
) -> pd.DataFrame:
    """Pairs of a ``rna_id<TAB>protein_id`` list (plain or gzipped; a first line
    ``rna_id<TAB>protein_id`` is a header). Ids are normalized as the FASTA ids are.

    Raises:
        PredictError: a line without two fields, an id missing from the FASTA files, no pairs.
        TextFileError: a binary / non-UTF-8 file or a truncated gzip (named).
    """
    rows = []
    with text_errors(path), open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if not line.strip() or (line_no == 1 and fields[:2] == ["rna_id", "protein_id"]):
                continue
            if len(fields) < 2:
                raise PredictError(f"{path}: line {line_no}: expected rna_id<TAB>protein_id")
            r, p = normalize_id(fields[0]), normalize_id(fields[1])
            if r not in rna:
                raise PredictError(f"{path}: line {line_no}: RNA {r!r} is not in the RNA FASTA")
            if p not in proteins:
                raise PredictError(
                    f"{path}: line {line_no}: protein {p!r} is not in the protein FASTA"
                )
            rows.append((r, p))
    if not rows:
        raise PredictError(f"{path}: no pairs")
    return pd.DataFrame(rows, columns=["rna_id", "protein_id"])


def query_pairs(
    rna: Mapping[str, str],
    proteins: Mapping[str, str],
    pairs: str | os.PathLike | None,
    *,
    max_pairs: int,
) -> pd.DataFrame:
    """The pairs to score: the list, or all RNAs × all proteins.

    Raises:
        PredictError: more pairs than ``max_pairs``.
    """
    if pairs is not None:
        table = read_pair_list(pairs, rna, proteins)
    else:
        n = len(rna) * len(proteins)
        if n > max_pairs:
            raise PredictError(
                f"{len(rna)} RNAs x {len(proteins)} proteins = {n:,} pairs, more than max_pairs "
                f"{max_pairs:,}; give a pair list (--pairs) or raise the limit (--max-pairs, "
                "config predict.max_pairs)"
            )
        table = pd.DataFrame(
            {
                "rna_id": np.repeat(np.array(list(rna), dtype=object), len(proteins)),
                "protein_id": np.tile(np.array(list(proteins), dtype=object), len(rna)),
            }
        )
    if len(table) > max_pairs:
        raise PredictError(f"{len(table):,} pairs listed, more than max_pairs {max_pairs:,}")
    return table


def predict(
    model_folder: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    out: str | os.PathLike,
    *,
    pairs: str | os.PathLike | None = None,
    max_pairs: int = DEFAULT_MAX_PAIRS,
    chunk_pairs: int = 100_000,
    identity_threshold: float | None = None,
    threads: int = 1,
    weights: Mapping[str, str | os.PathLike] | None = None,
    embedding_cache: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Score a query with a final model and write the table of the module docstring (TSV,
    atomically: no table is written when anything fails; a view model's ``embedding_cache``
    keeps the shards embedded before a failure, as a cache does).

    Args:
        model_folder: ``results/final/<dataset>/<model>``.
        identity_threshold: identity from which a query molecule counts as seen (``None``:
            the ``splits.identity_threshold`` the model's workflow ran with, recorded in its
            ``training.json``; :data:`DEFAULT_IDENTITY` where that was null).
        chunk_pairs, threads: pairs scored at a time, and threads scoring each chunk
            (:meth:`rnainteract.tasks.final.FinalModel.score_features`; the scores do not
            depend on either).
        weights, embedding_cache: a view model's embedder weights per molecule (``rna``,
            ``protein``; none needed for a random-init embedder) and embedding cache folder
            (:func:`rnainteract.tasks.final_views.query_pair_inputs`).

    Returns:
        The table written (without the comment lines).

    Raises:
        PredictError, SequenceError, TextFileError: as the readers above.
        FileNotFoundError: not a final model's folder.
    """
    if shutil.which("mmseqs") is None:
        raise PredictError(
            "mmseqs (MMseqs2) is not on PATH: it finds each query's nearest training molecule "
            "(install.sh installs it; conda: envs/models.yaml)"
        )
    model = load_final(model_folder)
    rna, rna_report = read_query_sequences(rna_fasta, "rna")
    proteins, protein_report = read_query_sequences(protein_fasta, "protein")
    table = query_pairs(rna, proteins, pairs, max_pairs=max_pairs)
    if model.record.get("pretrained") is False:
        _warn()
    score, decision = model.score_pairs(
        rna, proteins, table, chunk_pairs=chunk_pairs, threads=threads, weights=weights,
        embedding_cache=embedding_cache,
    )  # fmt: skip
    train_rna, train_proteins = (read_fasta(p) for p in training_sequences(model_folder))
    near_rna = nearest_targets(
        {i: rna[i] for i in dict.fromkeys(table.rna_id)}, train_rna, molecule="rna"
    ).set_index("query")
    near_protein = nearest_targets(
        {i: proteins[i] for i in dict.fromkeys(table.protein_id)}, train_proteins,
        molecule="protein",
    ).set_index("query")  # fmt: skip
    table["score"] = score
    table["decision"] = decision
    if identity_threshold is None:
        identity_threshold = model.record.get("identity_threshold") or DEFAULT_IDENTITY
    rna_identity = table.rna_id.map(near_rna["identity"]).astype(float)
    protein_identity = table.protein_id.map(near_protein["identity"]).astype(float)
    classes = overlap_class(
        rna_identity >= identity_threshold, protein_identity >= identity_threshold
    )
    table["nearest_train_rna"] = table.rna_id.map(near_rna["nearest"])
    table["rna_identity"] = rna_identity.round(3)
    table["nearest_train_protein"] = table.protein_id.map(near_protein["nearest"])
    table["protein_identity"] = protein_identity.round(3)
    table["overlap_class"] = classes
    expected = (model.card or {}).get("expected_auroc", {})
    table["cold_split"] = table.overlap_class.map(CLASS_SPLITS)
    table["expected_auroc"] = table.overlap_class.map(
        {cls: item.get("auroc") for cls, item in expected.items()}
    ).astype(float)
    order = np.lexsort((table.protein_id.to_numpy(), table.rna_id.to_numpy(), -score))
    table = table.iloc[order].reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    table = table[PREDICT_COLUMNS]
    header = _header(model, rna_report, protein_report, len(table))
    write_table(table, header, out)
    return table


def write_table(table: pd.DataFrame, comments: list[str], out: str | os.PathLike) -> None:
    """Write ``#`` comment lines, a header and the rows (TSV, atomically; floats in their
    shortest exact form, so that a score read back equals the one computed; null → empty)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    with atomic_path(out) as tmp:
        with open(tmp, "wb") as handle:
            lines = [f"# {line}" for line in comments] + ["\t".join(table.columns)]
            handle.write(("\n".join(lines) + "\n").encode())
            pacsv.write_csv(arrow, handle, options)


def _header(model, rna_report: dict, protein_report: dict, n_pairs: int) -> list[str]:
    record = model.record
    lines = [
        f"rnainteract predict: model {record['model']} ({record['kind']}) trained on "
        f"{record['dataset']} ({record['n_positive']} positive / {record['n_negative']} "
        f"negative pairs; pair table sha256 {record['pairs_sha256'][:16]}...)",
        f"score: {record['score']}; decision 1 when score > {record['threshold']}; {n_pairs} pairs",
        "expected_auroc: the model's cross-validated AUROC on cold_split, the split that matches "
        "the pair's overlap with the training set (identity to the nearest training molecule)",
    ]
    for report in (rna_report, protein_report):
        if report["n_sequences_with_unknown_letters"]:
            lines.append(
                f"{report['n_sequences_with_unknown_letters']} {report['molecule']} sequence(s) "
                f"with unknown letters {report['unknown_letters']}, read as N (RNA) / X (protein)"
            )
    if model.card is None:
        lines.append("WARNING: no card.json: expected_auroc is empty")
    for molecule, spec in (record.get("embedders") or {}).items():
        if spec is not None:
            lines.append(
                f"{molecule} embedder: {spec['name']} ({spec['kind']}, pretrained: "
                f"{str(spec['pretrained']).lower()}, weights sha256 "
                + (f"{spec['weights_sha256'][:16]}...)" if spec["weights_sha256"] else "none)")
            )
    if record.get("pretrained") is False:
        lines.append(RANDOM_INIT_WARNING)
    return lines


RANDOM_INIT_WARNING = (
    "WARNING: this model's embeddings come from random-init weights (pretrained: false); its "
    "scores are not those of the published model"
)


def _warn() -> None:
    """The random-init warning on stderr (the table's header repeats it)."""
    print(RANDOM_INIT_WARNING, file=sys.stderr)
