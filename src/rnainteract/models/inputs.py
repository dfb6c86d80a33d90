"""What the embedding-based models read: per-molecule views and the pair → row maps.

Feature models (RPISeq, IPMiner, XRPI) see one ``(n_pairs, n_features)`` matrix. The neural
models of the zoo read several *views* of each molecule instead — pooled embeddings, per-token
matrices, tabular descriptors — that are shared by all the pairs a molecule takes part in. A
:class:`PairInputs` holds each view once per distinct molecule and, per pair, the row of its RNA
and of its protein; a model gathers the rows of the pairs it is fitted or asked about.

View names (keys of :attr:`PairInputs.rna` / :attr:`PairInputs.protein`):

* ``mean``, ``cls``, ``eos``: pooled embeddings, ``(n_molecules, D)`` float32
  (:mod:`rnainteract.features.embeddings.pooling`);
* ``segments``: ESM2_AMP's ten mean-pooled segments stacked, ``(n_molecules, 10, D)`` float32;
  a molecule shorter than 10 residues has NaN rows (empty segments), which models must handle;
* ``tokens``: per-token matrices, a list of ``n_molecules`` arrays ``(L_i, D)`` float32;
* a feature-set name of :data:`rnainteract.features.kmers.FEATURE_SETS` (e.g. ``rna_kmer4``,
  ``rna_tabular``): ``(n_molecules, n_features)`` float32.

Estimators of these models follow scikit-learn's conventions with pair indices as ``X``: built by
``build_<kind>(params, *, seed, threads, inputs)``, then ``fit(X, y)`` and
``predict_proba(X) -> (n, 2)``, where ``X`` is an ``(n,)`` or ``(n, 1)`` int64 array of pair
indices into ``rna_row``/``protein_row``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rnainteract.io.fasta import read_fasta
from rnainteract.models.registry import is_embedding_view
from rnainteract.models.validation import as_validation_groups
from rnainteract.models.validation import validation_split as validation_split  # re-exported

log = logging.getLogger(__name__)

SEGMENT_VIEW = "segments"
TOKEN_VIEW = "tokens"
POOLED_VIEWS = ("mean", "cls", "eos")
VALIDATION_GROUP_COLUMNS = ("rna_group", "protein_group")
"""Group columns of a split's groups table (rule ``make_split``), in the order of the columns of
:attr:`PairInputs.validation_groups`; a split has those of its cold sides only."""


@dataclasses.dataclass
class PairInputs:
    """Views of the RNAs and proteins of a dataset and, per pair, which row is which.

    Attributes:
        rna_row, protein_row: ``(n_pairs,)`` int64, the row of pair ``i``'s RNA / protein in
            every RNA / protein view.
        rna, protein: view name → array (or list of arrays for ``tokens``), module docstring.
        rna_sequences, protein_sequences: the sequences, one per row (one-hot ablations).
        pretrained: whether every embedding view comes from pretrained weights (``None``: the
            model reads no embedding).
        validation_groups: ``(n_pairs, k)`` int64, per pair the groups of the split's cold
            sides (k = 1: RNA or protein, 2: RNA then protein; :func:`read_validation_groups`),
            or ``None`` (a random split, or none given): what :func:`validation_split` holds
            out whole for early stopping and tuning. An ``(n_pairs,)`` array is taken as one
            column, an ``(n_pairs, 0)`` one as ``None``.
    """

    rna_row: np.ndarray
    protein_row: np.ndarray
    rna: dict
    protein: dict
    rna_sequences: list[str] = dataclasses.field(default_factory=list)
    protein_sequences: list[str] = dataclasses.field(default_factory=list)
    pretrained: bool | None = None
    validation_groups: np.ndarray | None = None

    def __post_init__(self):
        self.rna_row = np.asarray(self.rna_row, dtype=np.int64)
        self.protein_row = np.asarray(self.protein_row, dtype=np.int64)
        if self.rna_row.shape != self.protein_row.shape or self.rna_row.ndim != 1:
            raise ValueError(
                f"rna_row and protein_row must be 1-d and equally long, got "
                f"{self.rna_row.shape} and {self.protein_row.shape}"
            )
        self.validation_groups = as_validation_groups(self.validation_groups, len(self.rna_row))

    @property
    def n_pairs(self) -> int:
        return len(self.rna_row)

    def rows(self, X) -> tuple[np.ndarray, np.ndarray]:
        """The RNA and protein rows of the pairs ``X`` (pair indices, ``(n,)`` or ``(n, 1)``).

        Raises:
            IndexError: a pair index outside ``0 … n_pairs - 1``.
        """
        pairs = pair_indices(X)
        if len(pairs) and (pairs.min() < 0 or pairs.max() >= self.n_pairs):
            raise IndexError(f"pair index out of range 0..{self.n_pairs - 1}")
        return self.rna_row[pairs], self.protein_row[pairs]

    def validation_groups_of(self, X) -> np.ndarray | None:
        """The validation groups of the pairs ``X`` (pair indices): ``(n, k)`` int64, or
        ``None`` without groups; what an estimator passes to :func:`validation_split`.

        Raises:
            IndexError: a pair index outside ``0 … n_pairs - 1``.
        """
        if self.validation_groups is None:
            return None
        pairs = pair_indices(X)
        if len(pairs) and (pairs.min() < 0 or pairs.max() >= self.n_pairs):
            raise IndexError(f"pair index out of range 0..{self.n_pairs - 1}")
        return self.validation_groups[pairs]

    def view(self, molecule: str, name: str):
        """One view (``molecule`` ``rna`` or ``protein``).

        Raises:
            KeyError: the view is not loaded, naming those that are.
        """
        views = self.rna if molecule == "rna" else self.protein
        if name not in views:
            raise KeyError(f"{molecule} view {name!r} not loaded; have {sorted(views)}")
        return views[name]


def pair_indices(X) -> np.ndarray:
    """``X`` (pair indices, ``(n,)`` or ``(n, 1)``) as a flat int64 array.

    Raises:
        ValueError: ``X`` has another shape.
    """
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    if X.ndim != 1:
        raise ValueError(f"pair indices must be (n,) or (n, 1), got shape {X.shape}")
    return X.astype(np.int64, copy=False)


def binary_labels(y, n: int) -> np.ndarray:
    """``y`` as an ``(n,)`` int64 array of 0/1 labels.

    Raises:
        ValueError: not ``n`` labels, or a label other than 0 and 1 (naming it and where).
    """
    y = np.asarray(y).reshape(-1)
    if len(y) != n:
        raise ValueError(f"{n} pairs but {len(y)} labels")
    bad = ~np.isin(y, (0, 1))
    if bad.any():
        raise ValueError(f"labels must be 0/1; got {y[bad][0]!r} at position {np.argmax(bad)}")
    return y.astype(np.int64)


# --------------------------------------------------------------------------------------------
# reading views from the feature and embedding tables of the workflow


def sequence_sha256(sequence: str) -> str:
    """The embedding cache's key of a sequence (as :func:`rnainteract.features.embeddings.cache.
    sequence_sha256`, not imported here so that training jobs need no embedding libraries)."""
    return hashlib.sha256(sequence.encode()).hexdigest()


def _token_matrices(column: pa.ChunkedArray) -> list[np.ndarray]:
    """A ``list<list<float>>`` column as one ``(L_i, D)`` float32 array per row."""
    col = column.combine_chunks()
    offsets = col.offsets.to_numpy()
    offsets = offsets - offsets[0]
    inner = col.flatten()  # one list per token
    flat = inner.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    dim = len(flat) // max(1, len(inner))
    matrix = flat.reshape(len(inner), dim)
    return [matrix[offsets[i] : offsets[i + 1]] for i in range(len(col))]


def read_embedding_views(
    path: str | os.PathLike, views: Sequence[str], sequences: Sequence[str]
) -> tuple[dict, dict]:
    """The embedding views of ``sequences`` (in that order) from an embedding table.

    Args:
        path: a table of rule ``embed`` (:mod:`rnainteract.features.embeddings.cache`).
        views: ``mean``/``cls``/``eos`` (→ ``(n, D)`` float32), ``segments`` (→ ``(n, 10, D)``)
            or ``tokens`` (→ list of ``(L_i, D)``).

    Returns:
        ``(views, metadata)``; metadata is the table's ``rnainteract`` schema metadata.

    Raises:
        KeyError: a sequence the table lacks (e.g. dropped by the length policy), or a column
            the table lacks (``tokens`` needs per-token storage), naming the file.
    """
    schema = pq.read_schema(path)
    meta = json.loads(schema.metadata[b"rnainteract"])
    columns = []
    for view in views:
        wanted = [f"segment{i}" for i in range(10)] if view == SEGMENT_VIEW else [view]
        missing = [c for c in wanted if c not in schema.names]
        if missing:
            raise KeyError(f"{path}: no column(s) {missing} for view {view!r}")
        columns += wanted
    table = pq.read_table(path, columns=["sha256", *columns])
    index = {key: i for i, key in enumerate(table.column("sha256").to_pylist())}
    keys = [sequence_sha256(s) for s in sequences]
    absent = [k for k in keys if k not in index]
    if absent:
        raise KeyError(
            f"{path}: {len(absent)} of {len(keys)} sequences have no embedding "
            f"(first sha256 {absent[0][:16]}; dropped by the length policy or not embedded)"
        )
    rows = np.array([index[k] for k in keys], dtype=np.int64)
    out = {}
    for view in views:
        if view == TOKEN_VIEW:
            matrices = _token_matrices(table.column(TOKEN_VIEW))
            out[view] = [matrices[i] for i in rows]
        elif view == SEGMENT_VIEW:
            parts = [
                _pooled_matrix(table.column(f"segment{i}"), rows, fill_missing=True)
                for i in range(10)
            ]
            out[view] = np.stack(parts, axis=1)
        else:
            out[view] = _pooled_matrix(table.column(view), rows)
    return out, meta


def _pooled_matrix(column: pa.ChunkedArray, rows: np.ndarray, fill_missing: bool = False):
    values = column.to_pylist()
    dim = next((len(v) for v in values if v is not None), 0)
    matrix = np.full((len(values), dim), np.nan, dtype=np.float32)
    for i, v in enumerate(values):
        if v is not None:
            matrix[i] = v
        elif not fill_missing:
            raise KeyError(f"column {column!r} has a missing value in row {i}")
    return matrix[rows]


def read_views(
    views: dict[str, str | os.PathLike], ids: Sequence[str], sequences: Sequence[str]
) -> tuple[dict, list[bool]]:
    """Views of the molecules ``ids`` (with these ``sequences``), in that order.

    Args:
        views: view → file: an embedding table for embedding views
            (:func:`rnainteract.models.registry.is_embedding_view`, rows found by sequence), a
            feature table otherwise (rows found by ``id``).

    Returns:
        ``(views, pretrained)``: the loaded views, and one ``pretrained`` flag per embedding
        table read.

    Raises:
        KeyError: a molecule without feature row or embedding (naming the file).
    """
    loaded: dict = {}
    pretrained: list[bool] = []
    by_file: dict[str, list[str]] = {}
    for view, path in views.items():
        if is_embedding_view(view):
            by_file.setdefault(str(path), []).append(view)
        else:
            table = pd.read_parquet(path).set_index("id")
            absent = sorted(set(ids) - set(table.index))
            if absent:
                raise KeyError(f"{path}: no feature row for {len(absent)} id(s): {absent[:3]}")
            loaded[view] = table.loc[list(ids)].to_numpy(np.float32)
    for path, names in by_file.items():
        found, meta = read_embedding_views(path, names, sequences)
        loaded.update(found)
        pretrained.append(bool(meta.get("pretrained", False)))
        log.info("views %s from %s (%s)", names, path, meta.get("embedder"))
    return loaded, pretrained


def load_pair_inputs(
    pairs: pd.DataFrame,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    *,
    rna_views: dict[str, str | os.PathLike],
    protein_views: dict[str, str | os.PathLike],
    groups: str | os.PathLike | None = None,
) -> PairInputs:
    """Assemble a :class:`~rnainteract.models.inputs.PairInputs` for a pair table.

    Args:
        pairs: the dataset's pair table (``rna_id``, ``protein_id``).
        rna_fasta, protein_fasta: the dataset's sequences (row order of the views: first
            appearance in ``pairs``).
        rna_views, protein_views: view → file: an embedding table for embedding views
            (:func:`rnainteract.models.registry.is_embedding_view`), a feature table otherwise.
        groups: the split's groups table (rule ``make_split``, ``<split>.groups.parquet``),
            read into :attr:`PairInputs.validation_groups` (:func:`read_validation_groups`);
            ``None``: no groups (validation cuts as for a random split).

    Raises:
        KeyError: a pair's RNA or protein without sequence, embedding or feature row.
        ValueError: a groups table that does not fit ``pairs`` (:func:`read_validation_groups`).
    """
    validation_groups = None if groups is None else read_validation_groups(groups, len(pairs))
    fastas = {"rna": rna_fasta, "protein": protein_fasta}
    named = {"rna": rna_views, "protein": protein_views}
    pretrained: list[bool] = []

    def build(molecule: str, order: list[str]) -> tuple[dict, list[str]]:
        records = read_fasta(fastas[molecule])
        missing = [i for i in order if i not in records]
        if missing:
            raise KeyError(
                f"{fastas[molecule]}: no sequence for {len(missing)} id(s), e.g. {missing[:3]}"
            )
        sequences = [records[i] for i in order]
        loaded, flags = read_views(named[molecule], order, sequences)
        pretrained.extend(flags)
        return loaded, sequences

    inputs = assemble_pair_inputs(pairs, build, validation_groups=validation_groups)
    inputs.pretrained = all(pretrained) if pretrained else None
    return inputs


def assemble_pair_inputs(pairs: pd.DataFrame, build, **fields) -> PairInputs:
    """:class:`PairInputs` of ``pairs`` (``rna_id``, ``protein_id``): per molecule, its ids in
    order of first appearance are the rows of its views, ``build(molecule, ids)`` returns
    ``(views, sequences)`` for those rows, and every pair points at its two rows. ``fields``:
    the other :class:`PairInputs` attributes (``pretrained``, ``validation_groups``)."""
    parts = {}
    for molecule, ids in (("rna", pairs.rna_id), ("protein", pairs.protein_id)):
        order = list(dict.fromkeys(ids))
        views, sequences = build(molecule, order)
        row = {key: i for i, key in enumerate(order)}
        parts[molecule] = (np.array([row[i] for i in ids], dtype=np.int64), views, sequences)
    return PairInputs(
        rna_row=parts["rna"][0],
        protein_row=parts["protein"][0],
        rna=parts["rna"][1],
        protein=parts["protein"][1],
        rna_sequences=parts["rna"][2],
        protein_sequences=parts["protein"][2],
        **fields,
    )


def read_validation_groups(path: str | os.PathLike, n_pairs: int) -> np.ndarray | None:
    """The validation groups of a split from its groups table (rule ``make_split``).

    Args:
        path: Parquet with ``pair_index`` (int, ``0 … n_pairs - 1`` in order, every pair of the
            dataset table) and the groups of the split's cold sides: ``rna_group`` and/or
            ``protein_group`` (integer codes; none for a random split).
        n_pairs: rows of the dataset's pair table.

    Returns:
        ``(n_pairs, k)`` int64, columns in the order of :data:`VALIDATION_GROUP_COLUMNS`
        (``rna_group`` first), or ``None`` when the table has no group column.

    Raises:
        ValueError: no ``pair_index``, a column other than those, ``pair_index`` not
            ``0 … n_pairs - 1`` in order (the table was made from another version of the
            dataset), or a group column that is not integer or has missing values; the message
            names the file.
    """
    table = pd.read_parquet(path)
    if "pair_index" not in table.columns:
        raise ValueError(f"{path}: groups table lacks column 'pair_index'")
    unknown = sorted(set(table.columns) - {"pair_index", *VALIDATION_GROUP_COLUMNS})
    if unknown:
        raise ValueError(
            f"{path}: unknown column(s) {unknown}; expected pair_index and any of "
            f"{list(VALIDATION_GROUP_COLUMNS)}"
        )
    index = table.pair_index.to_numpy()
    if len(index) != n_pairs or not np.array_equal(index, np.arange(n_pairs)):
        raise ValueError(
            f"{path}: pair_index must be 0..{n_pairs - 1} in order (one row per pair of the "
            f"dataset table), got {len(index)} rows; the groups were made from another version "
            "of the dataset (rerun make_split)"
        )
    columns = [c for c in VALIDATION_GROUP_COLUMNS if c in table.columns]
    for column in columns:
        values = table[column]
        if values.isna().any():
            raise ValueError(
                f"{path}: column {column!r} has a missing value at pair_index "
                f"{int(index[values.isna().to_numpy()][0])}"
            )
        if not pd.api.types.is_integer_dtype(values):
            raise ValueError(f"{path}: column {column!r} must be integer, got {values.dtype}")
    if not columns:
        return None
    return table[columns].to_numpy(np.int64)


def load_ppi_inputs(
    pairs: pd.DataFrame, fasta: str | os.PathLike, views: dict[str, str | os.PathLike]
) -> PairInputs:
    """:class:`PairInputs` of a PPI table: partner A in the ``rna`` slot, B in ``protein``,
    both reading the same protein embedding table (``views``: view → table).

    Raises:
        KeyError: a protein without sequence or embedding.
    """
    records = read_fasta(fasta)
    order = list(dict.fromkeys([*pairs.protein_a, *pairs.protein_b]))
    missing = [i for i in order if i not in records]
    if missing:
        raise KeyError(f"{fasta}: no sequence for {len(missing)} protein(s), e.g. {missing[:3]}")
    sequences = [records[i] for i in order]
    loaded, pretrained = read_views(views, order, sequences)
    row = {key: i for i, key in enumerate(order)}
    return PairInputs(
        rna_row=np.array([row[i] for i in pairs.protein_a], dtype=np.int64),
        protein_row=np.array([row[i] for i in pairs.protein_b], dtype=np.int64),
        rna=loaded,
        protein=loaded,
        rna_sequences=sequences,
        protein_sequences=sequences,
        pretrained=all(pretrained) if pretrained else None,
    )
