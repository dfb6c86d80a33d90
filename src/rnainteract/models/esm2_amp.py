"""The ESM2_AMP family (Sun, Wang & Luo; github.com/ywwy-qn/ESM2_AMP), adapted to RNA–protein pairs.

The originals classify protein–protein pairs from ESM-2 t33_650M embeddings (1280-d) made by
protloc-mex-x: the ten mean-pooled segments of each protein and its ``cls``, ``eos`` and ``mean``
tokens (seed: ESM2_AMP README). Three models:

- **ESM2_AMPS**: the 10 + 10 segment vectors of the two partners, a ``20 × 1280`` token matrix,
  go through a Transformer encoder, are mean-pooled over the tokens and classified by an MLP.
- **ESM2_AMP_CSE**: the same with ``cls``, ``eos`` and the segments of both (``24 × 1280``).
- **ESM2_DPM**: the two ``mean`` vectors concatenated (2560) into a deep feed-forward network.

Facts taken from the authors' code (``AMPmodel/model.py``, ``Model_work/*/optuna_train_5fold.py``,
``model_pred/*.py``, ``AMPmodel_explainable/attention_extract_function.py``): the encoder is
``nn.TransformerEncoder`` of 6 pre-norm layers (``norm_first=True``), 8 heads, ``d_model`` 1280,
PyTorch's default feed-forward width (2048) and dropout 0.3, without positional encoding or a
final norm; the encoder output is averaged over all tokens; the MLP is ``1280 → h1 → h2 → 1``
with ReLU and no dropout (trained widths: AMPS 640/240, AMP_CSE 480/240; Optuna searched
h1 ∈ {480, 640}, h2 ∈ {80 … 320}); DPM's DNN is ``2560 → 1280 → 480 → 100 → 1``, each hidden
layer ``Linear → LayerNorm → ReLU``; every Linear of the MLP/DNN (the output layer too) gets He
initialization (``kaiming_normal_``, fan-in, ReLU) and zero bias. Training: AdamW, BCE on
logits, batch 256, 35 epochs; Optuna tuned lr (log 1e-5 … 1e-3) and weight decay (log 1e-4 …
1e-2). Attention maps: each layer's ``self_attn`` called on its pre-norm input with
``need_weights=True, average_attn_weights=True`` (heads averaged), one ``T × T`` map per layer
and pair; per-segment importance is read off those maps.

Adaptation here (this project's choices, not the paper's):

- RNA tokens (e.g. RNA-FM, 640-d) and protein tokens (ESM-2, 320-d t6_8M by default) differ in
  width, so each molecule gets its own linear projection to ``d_model`` (one per molecule,
  shared by its ``cls``/segment/``eos`` tokens), and a learned embedding per token slot
  (molecule × segment/cls/eos; normal, std 0.02) is added — the original has neither (its
  tokens share one space and it never tells the encoder which slot a token fills).
- Token sets: AMPS = RNA ``segment0..9`` + protein ``segment0..9`` (20 tokens); AMP_CSE = per
  molecule ``[cls, segment0..9, eos]`` (24 tokens; the original's order is cls, eos,
  segments — with slot embeddings the order only fixes the column names).
- Segments of a molecule shorter than 10 residues are NaN rows (:mod:`.inputs`): they become
  zero vectors and are masked out of attention as keys (``key_padding_mask``) and out of the
  pooling, so their values never reach the output.
- Pooling: the original's mean over tokens, over the real (unmasked) tokens only.
- Encoder layers are written here (pre-norm, like the original) around
  ``nn.MultiheadAttention`` so the attention weights of a forward pass can be returned.
- He initialization on every Linear of the MLP/DNN (as the original) and also on the first
  Linear of each encoder feed-forward block (it feeds a ReLU); attention and projections keep
  PyTorch's defaults.
- Default widths are small enough for CPUs (paper-sized models: ``d_model`` 1280 needs the
  1280-d embeddings to be worth it): ``d_model`` 128, 4 heads, 1 encoder layer, feed-forward
  256 (2 × ``d_model``), MLP 256 → 64, dropout 0.1 (paper 0.3); DPM hidden 256 → 128 → 32 with
  LayerNorm (the paper's ratio of 2560 → 1280 → 480 → 100, scaled down) and dropout 0.1 after
  each ReLU (the paper's DNN has none). All are parameters.
- Inputs are standardized per feature (z-score) with statistics of the training part only
  (the pairs of ``fit``'s ``X`` left after the early-stopping validation cut): per molecule and
  view, over the distinct molecules of those pairs (a molecule counts once however many pairs
  it is in), the ten segment slots pooled (they live in one embedding space) and NaN rows
  skipped; a constant feature gets scale 1.
- Training uses :mod:`.trainer` (AdamW, optional warm-up, cosine decay, early stopping on the
  validation loss) instead of the original's ReduceLROnPlateau.

Views read (:class:`~rnainteract.models.inputs.PairInputs`): ``amps``: ``segments``;
``amp_cse``: ``cls``, ``segments``, ``eos``; ``dpm``: ``mean`` — of both molecules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from rnainteract.models.inputs import SEGMENT_VIEW, PairInputs, pair_indices, validation_split
from rnainteract.models.trainer import fit, predict, seed_everything, trainer_config

log = logging.getLogger(__name__)

VARIANTS = ("amps", "amp_cse", "dpm")
MOLECULES = ("rna", "protein")
N_SEGMENTS = 10
SEGMENT_SLOTS = tuple(f"segment{i}" for i in range(N_SEGMENTS))
CSE_SLOTS = ("cls", *SEGMENT_SLOTS, "eos")
# this project's CPU-sized defaults (module docstring); paper values in comments
D_MODEL = 128  # paper 1280
N_HEADS = 4  # paper 8
N_LAYERS = 1  # paper 6
FF_WIDTH = 256  # paper 2048 (PyTorch default)
MLP_WIDTHS = (256, 64)  # paper AMPS 640, 240; AMP_CSE 480, 240
DNN_WIDTHS = (256, 128, 32)  # paper 1280, 480, 100
DROPOUT = 0.1  # paper 0.3 (encoder); DNN none
SLOT_EMBEDDING_STD = 0.02


def _he_init(layer: nn.Linear) -> None:
    """He initialization (He et al. 2015) for a layer followed by ReLU; zero bias."""
    nn.init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _mlp(
    n_in: int, widths: Sequence[int], *, dropout: float = 0.0, layer_norm: bool = False
) -> nn.Sequential:
    """``n_in → widths… → 1``: each hidden layer Linear (→ LayerNorm) → ReLU (→ Dropout); every
    Linear He-initialized (the original initializes the output layer the same way)."""
    layers: list[nn.Module] = []
    width = n_in
    for out in widths:
        layers.append(nn.Linear(width, out))
        if layer_norm:
            layers.append(nn.LayerNorm(out))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = out
    layers.append(nn.Linear(width, 1))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            _he_init(layer)
    return nn.Sequential(*layers)


class EncoderLayer(nn.Module):
    """Pre-norm Transformer encoder layer (as ``norm_first=True`` in the original) that can
    return its attention weights.

    ``x ← x + Dropout(MHA(LN(x)))``, then ``x ← x + Dropout(W2 · Dropout(ReLU(W1 · LN(x))))``.
    """

    def __init__(self, d_model: int, n_heads: int, ff_width: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.dropout1 = nn.Dropout(dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, ff_width),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(ff_width, d_model),
        )
        self.dropout2 = nn.Dropout(dropout)
        _he_init(self.feed_forward[0])

    def forward(
        self, x: torch.Tensor, padding: torch.Tensor, *, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``x`` ``(B, T, d_model)``, ``padding`` ``(B, T)`` bool (True = ignore as key).

        Returns the new ``x`` and, with ``need_weights``, the attention ``(B, T, T)`` averaged
        over heads (query × key; each row sums to 1 over the unmasked keys), else ``None``.
        """
        h = self.norm1(x)
        attended, weights = self.self_attn(
            h,
            h,
            h,
            key_padding_mask=padding,
            need_weights=need_weights,
            average_attn_weights=True,
        )
        x = x + self.dropout1(attended)
        x = x + self.dropout2(self.feed_forward(self.norm2(x)))
        return x, weights


class ESM2AMPTransformer(nn.Module):
    """RNA and protein token matrices → projections + slot embeddings → encoder → masked mean
    → MLP → logit. :class:`ESM2AMPS` and :class:`ESM2AMPCSE` fix the token slots.

    Args:
        rna_dim, protein_dim: widths of the RNA / protein embeddings.
        molecule_slots: names of each molecule's token slots (e.g. ``segment0`` …).
        d_model, n_heads, n_layers, ff_width: encoder size (``d_model`` divisible by
            ``n_heads``, ``n_layers`` >= 1); mlp_widths: hidden widths of the MLP;
            dropout: of the encoder.

    ``forward(rna, protein, rna_mask=None, protein_mask=None)``: ``rna`` ``(B, S, rna_dim)``
    float32 with ``S = len(molecule_slots)``, the same for the protein; masks ``(B, S)`` bool
    (True = real token). Without a mask, a token is missing if its row has a NaN. Missing
    tokens are replaced by zeros and masked; a pair needs at least one real token. Returns
    ``(B,)`` logits.

    Raises:
        ValueError: (construction) bad sizes; (forward) a token matrix with the wrong number of
            slots or width.
    """

    def __init__(
        self,
        rna_dim: int,
        protein_dim: int,
        *,
        molecule_slots: Sequence[str],
        d_model: int = D_MODEL,
        n_heads: int = N_HEADS,
        n_layers: int = N_LAYERS,
        ff_width: int = FF_WIDTH,
        mlp_widths: Sequence[int] = MLP_WIDTHS,
        dropout: float = DROPOUT,
    ):
        super().__init__()
        if d_model % n_heads or n_layers < 1:
            raise ValueError(
                f"d_model={d_model} must be divisible by n_heads={n_heads} and n_layers={n_layers}"
                " >= 1"
            )
        self.molecule_slots = tuple(molecule_slots)
        self.dims = (rna_dim, protein_dim)
        self.rna_projection = nn.Linear(rna_dim, d_model)
        self.protein_projection = nn.Linear(protein_dim, d_model)
        self.slot_embedding = nn.Parameter(torch.empty(2 * len(self.molecule_slots), d_model))
        nn.init.normal_(self.slot_embedding, std=SLOT_EMBEDDING_STD)
        self.layers = nn.ModuleList(
            EncoderLayer(d_model, n_heads, ff_width, dropout) for _ in range(n_layers)
        )
        self.head = _mlp(d_model, mlp_widths)

    @property
    def token_names(self) -> list[str]:
        """``rna:<slot>`` … then ``protein:<slot>`` …, the order of the encoder's tokens."""
        return [f"{m}:{s}" for m in MOLECULES for s in self.molecule_slots]

    @property
    def n_tokens(self) -> int:
        return 2 * len(self.molecule_slots)

    def _embed(self, rna, protein, rna_mask, protein_mask):
        parts, masks = [], []
        for name, x, mask, dim, projection in (
            ("rna", rna, rna_mask, self.dims[0], self.rna_projection),
            ("protein", protein, protein_mask, self.dims[1], self.protein_projection),
        ):
            if x.ndim != 3 or x.shape[1] != len(self.molecule_slots) or x.shape[2] != dim:
                raise ValueError(
                    f"{name} tokens must be (batch, {len(self.molecule_slots)}, {dim}), "
                    f"got {tuple(x.shape)}"
                )
            if mask is None:
                mask = ~torch.isnan(x).any(dim=-1)
            x = torch.where(mask.unsqueeze(-1), x, torch.zeros((), dtype=x.dtype))
            parts.append(projection(x))
            masks.append(mask)
        tokens = torch.cat(parts, dim=1) + self.slot_embedding
        return tokens, ~torch.cat(masks, dim=1)

    def forward(self, rna, protein, rna_mask=None, protein_mask=None):
        x, padding = self._embed(rna, protein, rna_mask, protein_mask)
        for layer in self.layers:
            x, _ = layer(x, padding)
        keep = (~padding).unsqueeze(-1).to(x.dtype)
        pooled = (x * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)

    def attention(self, rna, protein, rna_mask=None, protein_mask=None) -> torch.Tensor:
        """Attention each token slot receives, ``(B, n_tokens)``: per layer, the attention
        map averaged over heads, then over the real query tokens (so a row sums to 1 over the
        keys and a masked key gets exactly 0), then averaged over the layers. Call in eval
        mode (attention dropout would perturb the weights)."""
        x, padding = self._embed(rna, protein, rna_mask, protein_mask)
        queries = (~padding).to(x.dtype)
        total = torch.zeros(x.shape[:2], dtype=x.dtype)
        for layer in self.layers:
            x, weights = layer(x, padding, need_weights=True)
            total += (weights * queries.unsqueeze(-1)).sum(dim=1) / queries.sum(dim=1, keepdim=True)
        return total / len(self.layers)


class ESM2AMPS(ESM2AMPTransformer):
    """ESM2_AMPS: the ten segments of the RNA and of the protein, 20 tokens
    (keyword arguments of :class:`ESM2AMPTransformer`)."""

    def __init__(self, rna_dim: int, protein_dim: int, **kwargs):
        super().__init__(rna_dim, protein_dim, molecule_slots=SEGMENT_SLOTS, **kwargs)


class ESM2AMPCSE(ESM2AMPTransformer):
    """ESM2_AMP_CSE: ``[cls, segment0..9, eos]`` of the RNA and of the protein, 24 tokens
    (keyword arguments of :class:`ESM2AMPTransformer`)."""

    def __init__(self, rna_dim: int, protein_dim: int, **kwargs):
        super().__init__(rna_dim, protein_dim, molecule_slots=CSE_SLOTS, **kwargs)


class ESM2DPM(nn.Module):
    """ESM2_DPM: ``concat(RNA mean, protein mean)`` → DNN (Linear → LayerNorm → ReLU →
    Dropout per hidden layer, He-initialized) → logit.

    ``forward(rna, protein)``: ``(B, rna_dim)`` and ``(B, protein_dim)`` float32 → ``(B,)``.
    """

    def __init__(
        self,
        rna_dim: int,
        protein_dim: int,
        *,
        widths: Sequence[int] = DNN_WIDTHS,
        dropout: float = DROPOUT,
    ):
        super().__init__()
        self.dnn = _mlp(rna_dim + protein_dim, widths, dropout=dropout, layer_norm=True)

    def forward(self, rna, protein):
        return self.dnn(torch.cat([rna, protein], dim=1)).squeeze(-1)


class _Lookup(nn.Module):
    """Training adapter: holds the (standardized) per-molecule inputs as non-persistent
    buffers and feeds ``model`` the rows of a batch of pairs, so that the trainer sees only
    ``(n,)`` row indices instead of ``n`` copies of the token matrices."""

    def __init__(self, model: nn.Module, rna, protein, rna_mask=None, protein_mask=None):
        super().__init__()
        self.model = model
        for name, value in (
            ("rna", rna),
            ("protein", protein),
            ("rna_mask", rna_mask),
            ("protein_mask", protein_mask),
        ):
            self.register_buffer(
                name, None if value is None else torch.from_numpy(value), persistent=False
            )

    def batch(self, rna_index, protein_index) -> tuple[torch.Tensor, ...]:
        out = [self.rna[rna_index], self.protein[protein_index]]
        if self.rna_mask is not None:
            out += [self.rna_mask[rna_index], self.protein_mask[protein_index]]
        return tuple(out)

    def forward(self, rna_index, protein_index):
        return self.model(*self.batch(rna_index, protein_index))


def _labels(y, n: int) -> np.ndarray:
    y = np.asarray(y).reshape(-1)
    if len(y) != n:
        raise ValueError(f"{n} pairs but {len(y)} labels")
    bad = ~np.isin(y, (0, 1))
    if bad.any():
        raise ValueError(f"labels must be 0/1; got {y[bad][0]!r} at position {np.argmax(bad)}")
    return y.astype(np.int64)


class ESM2AMPClassifier(ClassifierMixin, BaseEstimator):
    """ESM2_AMPS / ESM2_AMP_CSE / ESM2_DPM on RNA–protein pairs (module docstring).

    Args:
        inputs: the dataset's views; ``X`` of ``fit``/``predict_proba`` are pair indices into
            it (``(n,)`` or ``(n, 1)`` int).
        variant: ``amps``, ``amp_cse`` or ``dpm``.
        d_model, n_heads, n_layers, ff_width, mlp_widths: transformer variants' sizes.
        dnn_widths: DPM's hidden widths.
        dropout: encoder dropout (transformers) or after each DNN layer (DPM).
        lr, weight_decay, max_epochs, batch_size, patience, warmup_steps: of
            :class:`~rnainteract.models.trainer.TrainerConfig` (AdamW, cosine decay).
        validation_fraction: share of ``fit``'s pairs held out (stratified, seeded) for early
            stopping; 0 → train ``max_epochs`` on all of them.
        seed: initial weights, batch order and the validation cut. threads: torch threads.

    Fitted attributes: ``classes_`` ``[0, 1]``, ``module_`` (the ``nn.Module``), ``history_``
    (per-epoch losses), ``scaling_`` (``(molecule, view)`` → ``(mean, std)`` float32).
    """

    def __init__(
        self,
        inputs: PairInputs,
        *,
        variant: str = "amps",
        d_model: int = D_MODEL,
        n_heads: int = N_HEADS,
        n_layers: int = N_LAYERS,
        ff_width: int = FF_WIDTH,
        mlp_widths: tuple[int, ...] = MLP_WIDTHS,
        dnn_widths: tuple[int, ...] = DNN_WIDTHS,
        dropout: float = DROPOUT,
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        max_epochs: int = 50,
        batch_size: int = 64,
        patience: int | None = 10,
        warmup_steps: int = 0,
        validation_fraction: float = 0.1,
        seed: int = 0,
        threads: int = 1,
    ):
        self.inputs = inputs
        self.variant = variant
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.ff_width = ff_width
        self.mlp_widths = mlp_widths
        self.dnn_widths = dnn_widths
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.patience = patience
        self.warmup_steps = warmup_steps
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.threads = threads

    # -- inputs ---------------------------------------------------------------------------
    def _views(self) -> tuple[str, ...]:
        return {"amps": (SEGMENT_VIEW,), "amp_cse": ("cls", SEGMENT_VIEW, "eos")}.get(
            self.variant, ("mean",)
        )

    def _read(self, molecule: str, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of one view as float32 and which of its vectors are present.

        Returns ``(values, present)``: ``(m, 10, D)`` and ``(m, 10)`` bool for segments (NaN
        rows absent), ``(m, D)`` and ``(m,)`` all True for pooled views.

        Raises:
            ValueError: inf values, NaN in a pooled view or in part of a segment row, a
                segments view not shaped ``(n, 10, D)``.
        """
        values = np.asarray(self.inputs.view(molecule, name))[rows].astype(np.float32)
        where = f"{molecule} view {name!r}"
        if np.isinf(values).any():
            row = rows[np.argwhere(np.isinf(values))[0][0]]
            raise ValueError(f"{where}: molecule row {row} has infinite values")
        nan = np.isnan(values)
        if name == SEGMENT_VIEW:
            if values.ndim != 3 or values.shape[1] != N_SEGMENTS:
                raise ValueError(f"{where} must be (n, {N_SEGMENTS}, D), got {values.shape}")
            absent = nan.all(axis=-1)
            partial = nan.any(axis=-1) & ~absent
            if partial.any():
                i, s = np.argwhere(partial)[0]
                raise ValueError(f"{where}: molecule row {rows[i]} segment {s} is partly NaN")
            return values, ~absent
        if values.ndim != 2:
            raise ValueError(f"{where} must be (n, D), got {values.shape}")
        if nan.any():
            raise ValueError(f"{where}: molecule row {rows[np.argwhere(nan)[0][0]]} has NaN")
        return values, np.ones(len(values), dtype=bool)

    def _fit_scaling(self, rna_rows: np.ndarray, protein_rows: np.ndarray) -> dict:
        scaling = {}
        for molecule, rows in zip(MOLECULES, (rna_rows, protein_rows), strict=True):
            rows = np.unique(rows)
            for name in self._views():
                values, present = self._read(molecule, name, rows)
                flat = values[present].astype(np.float64)  # (vectors, D), NaN rows dropped
                if not len(flat):
                    raise ValueError(f"{molecule} view {name!r}: no vector in the training pairs")
                mean, std = flat.mean(axis=0), flat.std(axis=0)
                std[std < 1e-8] = 1.0
                scaling[(molecule, name)] = (mean.astype(np.float32), std.astype(np.float32))
        return scaling

    def _molecule_inputs(self, molecule: str, rows: np.ndarray):
        """Standardized inputs of the molecules ``rows``: DPM ``(m, D)``; transformers
        ``(m, S, D)`` tokens (absent ones zero) and the ``(m, S)`` mask."""
        parts, masks = [], []
        for name in self._views():
            values, present = self._read(molecule, name, rows)
            mean, std = self.scaling_[(molecule, name)]
            values = (values - mean) / std
            if name == SEGMENT_VIEW:
                values[~present] = 0.0
                parts.append(values)
                masks.append(present)
            else:
                parts.append(values[:, None, :])
                masks.append(present[:, None])
        if self.variant == "dpm":
            return parts[0][:, 0, :], None
        mask = np.concatenate(masks, axis=1)
        if self.variant == "amps" and len(rows):
            empty = ~mask.any(axis=1)
            if empty.any():
                raise ValueError(
                    f"{molecule} view {SEGMENT_VIEW!r}: molecule row {rows[np.argmax(empty)]} "
                    "has no segment (all NaN)"
                )
        return np.ascontiguousarray(np.concatenate(parts, axis=1)), mask

    def _lookup(self, rna_rows: np.ndarray, protein_rows: np.ndarray):
        """The model wrapped with the inputs of these pairs' molecules, and per pair the
        index of its RNA and protein in them."""
        tensors, index = {}, []
        for molecule, rows in zip(MOLECULES, (rna_rows, protein_rows), strict=True):
            distinct, inverse = np.unique(rows, return_inverse=True)
            tensors[molecule] = self._molecule_inputs(molecule, distinct)
            index.append(inverse.reshape(-1).astype(np.int64))
        (rna, rna_mask), (protein, protein_mask) = tensors["rna"], tensors["protein"]
        return _Lookup(self.module_, rna, protein, rna_mask, protein_mask), index

    def _build_module(self) -> nn.Module:
        dims = [
            np.shape(self.inputs.view(m, self._views()[0]))[-1] for m in MOLECULES
        ]  # segments: (n, 10, D); pooled: (n, D)
        if self.variant == "dpm":
            return ESM2DPM(*dims, widths=tuple(self.dnn_widths), dropout=self.dropout)
        cls = ESM2AMPS if self.variant == "amps" else ESM2AMPCSE
        return cls(
            *dims,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            ff_width=self.ff_width,
            mlp_widths=tuple(self.mlp_widths),
            dropout=self.dropout,
        )

    # -- estimator ------------------------------------------------------------------------
    def fit(self, X, y) -> ESM2AMPClassifier:
        """Fit on the pairs ``X`` with 0/1 labels ``y``.

        Raises:
            ValueError: unknown variant, labels not 0/1, inf or misplaced NaN in a view
                (naming it), an AMPS molecule without any segment.
            IndexError: a pair index out of range.
        """
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        pairs = pair_indices(X)
        y = _labels(y, len(pairs))
        rna_rows, protein_rows = self.inputs.rows(pairs)
        train, val = validation_split(y, self.validation_fraction, self.seed)
        self.classes_ = np.array([0, 1])
        self.scaling_ = self._fit_scaling(rna_rows[train], protein_rows[train])
        seed_everything(self.seed)  # the initial weights
        self.module_ = self._build_module()
        lookup, index = self._lookup(rna_rows, protein_rows)
        target = y.astype(np.float32)
        config = trainer_config(self)
        validation = ([i[val] for i in index], target[val]) if len(val) else None
        self.history_ = fit(
            lookup, [i[train] for i in index], target[train], config, validation=validation
        )
        log.info(
            "ESM2_AMP %s: %d epochs, %d train / %d validation pairs",
            self.variant,
            len(self.history_),
            len(train),
            len(val),
        )
        return self

    def decision_function(self, X) -> np.ndarray:
        """Logits ``(n,)`` float64 of the pairs ``X``."""
        check_is_fitted(self, "module_")
        torch.set_num_threads(max(1, self.threads))
        lookup, index = self._lookup(*self.inputs.rows(pair_indices(X)))
        return predict(lookup, index).astype(np.float64)

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)`` float64: P(not interacting), P(interacting)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)]


def attention_importance(estimator: ESM2AMPClassifier, X, *, batch_size: int = 256) -> pd.DataFrame:
    """Attention-based importance of each token slot, per pair (seed: ESM2_AMP README,
    "Attention-based Explainable Analysis").

    For each pair, each encoder layer's attention map (query × key) is averaged over the heads,
    then over the pair's real query tokens; the layers are averaged. A value is therefore the
    share of attention the slot receives, the row sums to 1 over the real tokens and a masked
    (NaN) segment gets 0.

    Returns:
        One row per pair of ``X``: ``pair_index`` (int64), then one float64 column per token
        slot, ``rna:segment0`` … ``protein:segment9`` (AMPS) or ``rna:cls``, ``rna:segment0``
        … ``rna:eos``, ``protein:cls`` … ``protein:eos`` (AMP_CSE).

    Raises:
        ValueError: a DPM estimator (no attention).
    """
    check_is_fitted(estimator, "module_")
    if estimator.variant == "dpm":
        raise ValueError(
            "ESM2_DPM has no attention layers; attention_importance needs amps or amp_cse"
        )
    pairs = pair_indices(X)
    lookup, (rna_index, protein_index) = estimator._lookup(*estimator.inputs.rows(pairs))
    model = estimator.module_
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(pairs), batch_size):
            stop = start + batch_size
            batch = lookup.batch(
                torch.from_numpy(rna_index[start:stop]),
                torch.from_numpy(protein_index[start:stop]),
            )
            out.append(model.attention(*batch).double().numpy())
    weights = np.concatenate(out) if out else np.zeros((0, model.n_tokens))
    table = pd.DataFrame(weights, columns=model.token_names)
    table.insert(0, "pair_index", pairs)
    return table


def tune_learning_rate(
    build: Callable[[float, float], BaseEstimator],
    X,
    y,
    *,
    n_trials: int,
    seed: int,
    lr_range: tuple[float, float] = (1e-4, 1e-2),
    weight_decay_range: tuple[float, float] = (1e-4, 1e-1),
    validation_fraction: float = 0.2,
) -> dict:
    """Tune learning rate and weight decay with Optuna (TPE, seeded), as the ESM2_AMP authors
    did (their ranges: lr 1e-5 … 1e-3, weight decay 1e-4 … 1e-2; log scale).

    Works for any estimator with ``fit`` and ``predict_proba``: ``build(lr, weight_decay)``
    returns a fresh one. Each trial fits it on the training positions of a stratified, seeded
    cut of ``X`` (:func:`~rnainteract.models.inputs.validation_split`) and scores the
    validation positions by their log loss (binary cross-entropy of P(interacting): smooth and
    what the trainer's early stopping minimizes too). Nothing outside ``X``/``y`` is touched.

    Args:
        X: rows the estimator accepts (pair indices here); y: ``(n,)`` 0/1.
        n_trials: Optuna trials (>= 1); seed: the sampler's seed and the cut's.
        lr_range, weight_decay_range: ``(low, high)``, both > 0, sampled log-uniformly.

    Returns:
        ``{"lr", "weight_decay", "value"}`` of the best trial (``value``: its validation log
        loss) and ``n_trials``.

    Raises:
        ValueError: ``n_trials`` < 1, a bad range, or a cut without both classes in its
            validation part (fewer than 10 rows, or a class too rare).
    """
    import optuna
    from sklearn.metrics import log_loss

    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    for name, (low, high) in (("lr_range", lr_range), ("weight_decay_range", weight_decay_range)):
        if not 0 < low <= high:
            raise ValueError(f"{name} must be 0 < low <= high, got ({low}, {high})")
    X = np.asarray(X)
    y = _labels(y, len(X))
    train, val = validation_split(y, validation_fraction, seed)
    if len(np.unique(y[val])) < 2:
        raise ValueError(
            f"the validation cut of {len(y)} rows (fraction {validation_fraction}) lacks a class"
        )
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial) -> float:
        lr = trial.suggest_float("lr", *lr_range, log=True)
        weight_decay = trial.suggest_float("weight_decay", *weight_decay_range, log=True)
        estimator = build(lr, weight_decay).fit(X[train], y[train])
        p = estimator.predict_proba(X[val])[:, 1]
        return float(log_loss(y[val], p, labels=[0, 1]))

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    best = study.best_trial
    return {
        "lr": best.params["lr"],
        "weight_decay": best.params["weight_decay"],
        "value": float(best.value),
        "n_trials": len(study.trials),
    }


# -- builders (config kind → estimator) ------------------------------------------------------
_TRAINING_PARAMS = frozenset(
    {
        "dropout",
        "lr",
        "weight_decay",
        "max_epochs",
        "batch_size",
        "patience",
        "warmup_steps",
        "validation_fraction",
    }
)
_TRANSFORMER_PARAMS = frozenset({"d_model", "n_heads", "n_layers", "ff_width", "mlp_widths"})
_DPM_PARAMS = frozenset({"dnn_widths"})


def _build(variant: str, params: dict, *, seed: int, threads: int, inputs: PairInputs):
    allowed = _TRAINING_PARAMS | (_DPM_PARAMS if variant == "dpm" else _TRANSFORMER_PARAMS)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(
            f"ESM2_AMP {variant}: unknown parameters {unknown}; allowed: {sorted(allowed)}"
        )
    params = {k: tuple(v) if k.endswith("_widths") else v for k, v in params.items()}
    return ESM2AMPClassifier(inputs, variant=variant, **params, seed=seed, threads=threads)


def build_esm2_amps(
    params: dict, *, seed: int, threads: int = 1, inputs: PairInputs
) -> ESM2AMPClassifier:
    """ESM2_AMPS (20 segment tokens); ``params``: :class:`ESM2AMPClassifier` keyword
    arguments (training and transformer sizes). Raises ValueError naming unknown ones."""
    return _build("amps", params, seed=seed, threads=threads, inputs=inputs)


def build_esm2_amp_cse(
    params: dict, *, seed: int, threads: int = 1, inputs: PairInputs
) -> ESM2AMPClassifier:
    """ESM2_AMP_CSE (cls + segments + eos, 24 tokens); ``params`` as :func:`build_esm2_amps`."""
    return _build("amp_cse", params, seed=seed, threads=threads, inputs=inputs)


def build_esm2_dpm(
    params: dict, *, seed: int, threads: int = 1, inputs: PairInputs
) -> ESM2AMPClassifier:
    """ESM2_DPM (mean embeddings → DNN); ``params``: training parameters and ``dnn_widths``.
    Raises ValueError naming unknown ones."""
    return _build("dpm", params, seed=seed, threads=threads, inputs=inputs)
