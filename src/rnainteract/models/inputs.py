"""What the embedding-based models read: per-molecule views and the pair → row maps.

Feature models (RPISeq, IPMiner, XRPI) see one ``(n_pairs, n_features)`` matrix. The neural
models of the zoo read several *views* of each molecule instead — pooled embeddings, per-token
matrices, tabular descriptors — that are shared by all the pairs a molecule takes part in. A
:class:`PairInputs` holds each view once per distinct molecule and, per pair, the row of its RNA
and of its protein; a model gathers the rows of the pairs it is fitted or asked about.

View names (keys of :attr:`PairInputs.rna` / :attr:`PairInputs.protein`):

* ``mean``, ``cls``, ``eos``: pooled embeddings, ``(n_molecules, D)`` float32
  (:mod:`rnainteract.embeddings.pooling`);
* ``segments``: ESM2_AMP's ten mean-pooled segments stacked, ``(n_molecules, 10, D)`` float32;
  a molecule shorter than 10 residues has NaN rows (empty segments), which models must handle;
* ``tokens``: per-token matrices, a list of ``n_molecules`` arrays ``(L_i, D)`` float32;
* a feature-set name of :data:`rnainteract.features.FEATURE_SETS` (e.g. ``rna_kmer4``,
  ``rna_tabular``): ``(n_molecules, n_features)`` float32.

Estimators of these models follow scikit-learn's conventions with pair indices as ``X``: built by
``build_<kind>(params, *, seed, threads, inputs)``, then ``fit(X, y)`` and
``predict_proba(X) -> (n, 2)``, where ``X`` is an ``(n,)`` or ``(n, 1)`` int64 array of pair
indices into ``rna_row``/``protein_row``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

SEGMENT_VIEW = "segments"
TOKEN_VIEW = "tokens"
POOLED_VIEWS = ("mean", "cls", "eos")


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
    """

    rna_row: np.ndarray
    protein_row: np.ndarray
    rna: dict
    protein: dict
    rna_sequences: list[str] = dataclasses.field(default_factory=list)
    protein_sequences: list[str] = dataclasses.field(default_factory=list)
    pretrained: bool | None = None

    def __post_init__(self):
        self.rna_row = np.asarray(self.rna_row, dtype=np.int64)
        self.protein_row = np.asarray(self.protein_row, dtype=np.int64)
        if self.rna_row.shape != self.protein_row.shape or self.rna_row.ndim != 1:
            raise ValueError(
                f"rna_row and protein_row must be 1-d and equally long, got "
                f"{self.rna_row.shape} and {self.protein_row.shape}"
            )

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


def validation_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of a stratified, seeded train/validation cut of a fold's train part (early
    stopping and tuning look at the validation positions only, never at the fold's test part).

    Args:
        y: ``(n,)`` 0/1 labels; fraction: share held out (0 → no validation part).

    Returns:
        ``(train_positions, validation_positions)``, int64, each sorted.
    """
    y = np.asarray(y)
    n = len(y)
    if fraction <= 0 or n < 10:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        k = int(round(fraction * len(members)))
        if 0 < k < len(members):
            held.append(rng.choice(members, size=k, replace=False))
    validation = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    train = np.setdiff1d(np.arange(n), validation)
    return train.astype(np.int64), validation.astype(np.int64)
