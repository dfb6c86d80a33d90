"""The ESM2_AMP networks: pre-norm Transformer encoder over token slots (AMPS, AMP_CSE) and the
deep feed-forward network over mean embeddings (DPM). Facts and adaptations: the package
docstring (:mod:`rnainteract.models.neural.esm2_amp`).

Shapes: ``rna`` ``(B, S, rna_dim)`` and ``protein`` ``(B, S, protein_dim)`` float32 token
matrices (``S`` slots per molecule) → ``(B,)`` logits; DPM: ``(B, rna_dim)`` and
``(B, protein_dim)`` → ``(B,)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

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
