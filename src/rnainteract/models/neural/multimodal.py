"""Multimodal classifier: BioBERT RNA vector + ESM-2 protein vector + RNA tabular features.

Seed: multimodal_biobert_esm2_tabular README, "Methodology" 1–4 and "Preprocessing":

1. RNA: the CLS token of BioBERT's (``dmis-lab/biobert-v1.1``) final hidden state — the PairInputs
   RNA view ``cls`` (768-d for BioBERT; the width is taken from the data);
2. protein: ESM-2 (``facebook/esm2_t6_8M_UR50D``) mean-pooled over the amino-acid tokens — the
   protein view ``mean`` (320-d for t6_8M);
3. RNA tabular features (:mod:`rnainteract.features.tabular`, view ``rna_tabular``), scaled,
   through "a simple feed-forward network";
4. the three concatenated → "a final classification head (sigmoid for binary classification)":
   one logit, the sigmoid in the loss (``BCEWithLogitsLoss``) and at prediction time.

Not given in the README, chosen here:

* tabular network: two ReLU layers of 64 and 32 units (``tabular_hidden``);
* head: one hidden ReLU layer of 256 units (``hidden``), dropout 0.2 before and after it, then
  a linear layer to one logit; with 768 + 320 + 32 = 1,120 fused inputs and the 16 tabular
  columns this gives 290,401 trainable parameters;
* scaling: the tabular features are standardized (``StandardScaler``) on the RNAs of the
  training pairs (the fold's train part less the early-stopping validation part), each RNA
  once; the embeddings are fed as they are, as in the README (``scale_embeddings=True``
  standardizes them the same way);
* training (:mod:`rnainteract.models.trainer`): AdamW, lr 1e-3, weight decay 0.01, cosine
  annealing, at most 50 epochs of batch 64, early stopping after 8 epochs without a lower loss
  on a stratified 10 % validation part, of whole RNA and/or protein groups in a cold split
  (:func:`rnainteract.models.inputs.validation_split`).

The views are held once per molecule; the trainer is fed the pairs' row indices and
:class:`_PairLookup` gathers the rows of each batch, so memory grows with the molecules, not the
pairs.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import StandardScaler
from torch import nn

from rnainteract.models.inputs import PairInputs, pair_indices, validation_split
from rnainteract.models.trainer import fit, predict, seed_everything, trainer_config

# the PairInputs views read (rnainteract.models.inputs)
RNA_VIEW = ("rna", "cls")
PROTEIN_VIEW = ("protein", "mean")
TABULAR_VIEW = ("rna", "rna_tabular")
VIEWS = (RNA_VIEW, PROTEIN_VIEW, TABULAR_VIEW)

# not given in the README (module docstring)
HIDDEN = (256,)
TABULAR_HIDDEN = (64, 32)
DROPOUT = 0.2
MAX_EPOCHS = 50
PATIENCE = 8


def _relu_stack(n_in: int, widths: tuple[int, ...], dropout: float) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for width in widths:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers), n_in


class MultimodalNet(nn.Module):
    """The network: tabular MLP, concatenation with both embeddings, classification head.

    Args:
        rna_dim, protein_dim, tabular_dim: input widths (768, 320, 16 with BioBERT, ESM-2
            t6_8M and :data:`rnainteract.features.tabular.RNA_TABULAR_COLUMNS`).
        hidden: widths of the head's hidden ReLU layers (``()``: a linear head).
        tabular_hidden: widths of the tabular network's ReLU layers (``()``: the scaled features
            are concatenated as they are).
        dropout: on the fused vector and after each hidden layer of the head.

    ``forward(rna, protein, tabular)``: ``(B, rna_dim)``, ``(B, protein_dim)``,
    ``(B, tabular_dim)`` float32 → ``(B,)`` float32 logits.
    """

    def __init__(
        self,
        rna_dim: int,
        protein_dim: int,
        tabular_dim: int,
        *,
        hidden: tuple[int, ...] = HIDDEN,
        tabular_hidden: tuple[int, ...] = TABULAR_HIDDEN,
        dropout: float = DROPOUT,
    ):
        super().__init__()
        self.tabular, tabular_out = _relu_stack(tabular_dim, tuple(tabular_hidden), 0.0)
        fused = rna_dim + protein_dim + tabular_out
        body, width = _relu_stack(fused, tuple(hidden), dropout)
        self.head = nn.Sequential(nn.Dropout(dropout), *body, nn.Linear(width, 1))

    def forward(self, rna, protein, tabular):
        fused = torch.cat([rna, protein, self.tabular(tabular)], dim=1)
        return self.head(fused).squeeze(1)


class _PairLookup(nn.Module):
    """Feeds :class:`MultimodalNet` the rows of a batch of pairs.

    ``forward(rna_rows, protein_rows)``: ``(B,)`` int64 rows into the tables given at
    construction (held as non-persistent buffers: not in the state dict, not copied by the
    trainer's best-epoch snapshot) → ``(B,)`` logits.
    """

    def __init__(self, net: MultimodalNet, rna, protein, tabular):
        super().__init__()
        self.net = net
        self.register_buffer("rna", torch.from_numpy(rna), persistent=False)
        self.register_buffer("protein", torch.from_numpy(protein), persistent=False)
        self.register_buffer("tabular", torch.from_numpy(tabular), persistent=False)

    def forward(self, rna_rows, protein_rows):
        return self.net(self.rna[rna_rows], self.protein[protein_rows], self.tabular[rna_rows])


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MultimodalClassifier(ClassifierMixin, BaseEstimator):
    """The multimodal model (module docstring) as a scikit-learn classifier over pair indices.

    Args:
        inputs: the views and pair → row maps; reads RNA ``cls`` and ``rna_tabular`` and
            protein ``mean``, each ``(n_molecules, width)`` (cast to float32).
        hidden, tabular_hidden, dropout: of :class:`MultimodalNet`.
        lr, weight_decay, max_epochs, batch_size, patience, warmup_steps: of
            :class:`rnainteract.models.trainer.TrainerConfig` (cosine annealing on).
        validation_fraction: share of the training pairs held out (stratified, seeded; whole
            groups of ``inputs.validation_groups`` if set) for early stopping (0: none; then
            the last epoch's weights are kept).
        scale_embeddings: standardize the two embedding views too (off: the README scales the
            tabular features only).
        seed: initial weights, validation cut and batch order. threads: torch CPU threads.

    ``fit(X, y)``: ``X`` ``(n,)`` or ``(n, 1)`` int pair indices, ``y`` ``(n,)`` 0/1.
    ``predict_proba(X)``: ``(n, 2)`` float64. Fitted attributes: ``module_`` (the trained
    :class:`MultimodalNet`, eval mode; it takes scaled tabular rows: ``tabular_scaler_``),
    ``history_`` (the trainer's per-epoch dicts), ``classes_`` (``[0, 1]``),
    ``validation_pairs_`` (int64 pair indices of the early-stopping validation part).

    Raises (``fit``, ``predict_proba``):
        KeyError: a view is not loaded. IndexError: a pair index out of range.
        ValueError: a view that is not 2-d, has too few rows, or has NaN or infinite values in
            a row the pairs use (naming the view and the row); ``y`` not 0/1 or not as long as
            ``X``; an RNA/protein width different from the one fitted.
    """

    def __init__(
        self,
        inputs: PairInputs,
        *,
        hidden: tuple[int, ...] = HIDDEN,
        tabular_hidden: tuple[int, ...] = TABULAR_HIDDEN,
        dropout: float = DROPOUT,
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        max_epochs: int = MAX_EPOCHS,
        batch_size: int = 64,
        patience: int | None = PATIENCE,
        warmup_steps: int = 0,
        validation_fraction: float = 0.1,
        scale_embeddings: bool = False,
        seed: int = 0,
        threads: int = 1,
    ):
        self.inputs = inputs
        self.hidden = hidden
        self.tabular_hidden = tabular_hidden
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.patience = patience
        self.warmup_steps = warmup_steps
        self.validation_fraction = validation_fraction
        self.scale_embeddings = scale_embeddings
        self.seed = seed
        self.threads = threads

    # -- inputs -------------------------------------------------------------------------------
    def _rows(self, view: tuple[str, str], rows: np.ndarray) -> np.ndarray:
        """The float32 rows of a view, checked finite."""
        molecule, name = view
        table = self.inputs.view(molecule, name)
        if not hasattr(table, "ndim") or table.ndim != 2:
            raise ValueError(
                f"{molecule} view {name!r} must be a 2-d (n_molecules, width) array, got "
                f"{getattr(table, 'shape', type(table).__name__)}"
            )
        if len(rows) and rows.max() >= len(table):
            raise ValueError(
                f"{molecule} view {name!r} has {len(table)} rows; the pairs use row {rows.max()}"
            )
        out = np.asarray(table[rows], dtype=np.float32)
        bad = ~np.isfinite(out).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{molecule} view {name!r}: {int(bad.sum())} row(s) with NaN or infinite values, "
                f"first row {int(rows[np.flatnonzero(bad)[0]])}"
            )
        return out

    def _tables(self, X) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Unscaled tables of the molecules the pairs ``X`` use and the pairs' rows in them."""
        rna_rows, protein_rows = self.inputs.rows(X)
        rna_ids, rna_at = np.unique(rna_rows, return_inverse=True)
        protein_ids, protein_at = np.unique(protein_rows, return_inverse=True)
        tables = [
            self._rows(RNA_VIEW, rna_ids),
            self._rows(PROTEIN_VIEW, protein_ids),
            self._rows(TABULAR_VIEW, rna_ids),
        ]
        return tables, rna_at.astype(np.int64), protein_at.astype(np.int64)

    def _scaled(self, tables: list[np.ndarray]) -> list[np.ndarray]:
        return [
            table if scaler is None else scaler.transform(table).astype(np.float32)
            for table, scaler in zip(tables, self.scalers_, strict=True)
        ]

    # -- estimator ----------------------------------------------------------------------------
    def fit(self, X, y) -> MultimodalClassifier:
        pairs = pair_indices(X)
        y = np.asarray(y)
        if y.shape != pairs.shape:
            raise ValueError(f"X has {len(pairs)} pairs but y has shape {y.shape}")
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"labels must be 0/1, got values {np.unique(y)[:5].tolist()}")
        y = y.astype(np.float32)
        self.classes_ = np.array([0, 1])
        tables, rna_at, protein_at = self._tables(pairs)
        train, valid = validation_split(
            y, self.validation_fraction, self.seed, groups=self.inputs.validation_groups_of(pairs)
        )
        self.validation_pairs_ = pairs[valid]
        train_rna = np.unique(rna_at[train])
        train_protein = np.unique(protein_at[train])
        self.tabular_scaler_ = StandardScaler().fit(tables[2][train_rna])
        self.scalers_ = [None, None, self.tabular_scaler_]
        if self.scale_embeddings:
            self.scalers_[0] = StandardScaler().fit(tables[0][train_rna])
            self.scalers_[1] = StandardScaler().fit(tables[1][train_protein])
        self.widths_ = tuple(t.shape[1] for t in tables)
        seed_everything(self.seed)  # the initial weights
        self.module_ = self._network()
        lookup = _PairLookup(self.module_, *self._scaled(tables))
        config = trainer_config(self)
        self.history_ = fit(
            lookup,
            [rna_at[train], protein_at[train]],
            y[train],
            config,
            validation=([rna_at[valid], protein_at[valid]], y[valid]) if len(valid) else None,
        )
        self.module_.eval()
        return self

    def decision_function(self, X) -> np.ndarray:
        """``(n,)`` float64 logits of the pairs ``X``."""
        if not hasattr(self, "module_"):
            raise AttributeError("MultimodalClassifier is not fitted; call fit first")
        tables, rna_at, protein_at = self._tables(X)
        widths = tuple(t.shape[1] for t in tables)
        if widths != self.widths_:
            raise ValueError(f"view widths {widths} differ from the fitted {self.widths_}")
        lookup = _PairLookup(self.module_, *self._scaled(tables))
        torch.set_num_threads(max(1, self.threads))
        return predict(lookup, [rna_at, protein_at]).astype(np.float64)

    def _network(self) -> MultimodalNet:
        return MultimodalNet(
            *self.widths_,
            hidden=tuple(self.hidden),
            tabular_hidden=tuple(self.tabular_hidden),
            dropout=self.dropout,
        )

    def fitted_state(self) -> dict:
        """What a saved final model keeps (:mod:`rnainteract.models.persist`): ``torch`` (the
        network's state dict), ``sklearn`` (the scalers) and ``meta`` (the view widths)."""
        return {
            "torch": {"module": self.module_.state_dict()},
            "sklearn": {"scalers": list(self.scalers_)},
            "meta": {"widths": list(self.widths_)},
        }

    def load_fitted_state(self, state: dict) -> MultimodalClassifier:
        """Rebuild the fitted network and scalers from :meth:`fitted_state` (eval mode)."""
        self.widths_ = tuple(int(w) for w in state["meta"]["widths"])
        self.module_ = self._network()
        self.module_.load_state_dict(state["torch"]["module"])
        self.module_.eval()
        self.scalers_ = list(state["sklearn"]["scalers"])
        self.tabular_scaler_ = self.scalers_[2]
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)`` float64: probabilities of no interaction and of interaction."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """``(n,)`` int8 0/1: interaction probability above 0.5."""
        return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int8)


_PARAMS = (
    "hidden",
    "tabular_hidden",
    "dropout",
    "lr",
    "weight_decay",
    "max_epochs",
    "batch_size",
    "patience",
    "warmup_steps",
    "validation_fraction",
    "scale_embeddings",
)


def build_multimodal(
    params: dict, *, seed: int, threads: int = 1, inputs: PairInputs
) -> MultimodalClassifier:
    """The multimodal model on ``inputs``; ``params`` are :class:`MultimodalClassifier`
    keyword arguments (lists from YAML become tuples).

    Raises:
        ValueError: unknown keys in ``params`` (``seed``, ``threads`` and ``inputs`` are
            arguments of this function, not params), naming them.
    """
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise ValueError(f"unknown multimodal params {unknown}; known: {list(_PARAMS)}")
    params = {**params}
    for key in ("hidden", "tabular_hidden"):
        if key in params:
            params[key] = tuple(params[key])
    return MultimodalClassifier(inputs, **params, seed=seed, threads=threads)
