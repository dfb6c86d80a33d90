"""The miRNA–target CNN+Transformer and the attention multiple-instance-learning model.

**Site model** (../shared/seeds/mirna_target_cnn_transformer_README.txt, §3 and §7): the seed
keeps its architecture secret beyond "CNN+Transformer" on a one-hot miRNA::40-nt mRNA pair with
sinusoidal positions. Built here as: the miRNA (5'→3', right-padded to 30 positions) and the
40-nt site (5'→3') one-hot encoded (miRAW's 70 × 4 input; ``N`` = 0.25 each, padding = 0) →
two 1-D convolutions with ReLU (kernel ``kernel_size``, "same" padding), applied to the miRNA
and to the site separately so that no kernel straddles the junction → sinusoidal position
encoding over the 70 positions (Vaswani et al. 2017, §3.5) → with ``segment_embedding``, a
learned token-type embedding (0 = miRNA, 1 = mRNA) added to every position — the fix the seed's
§7 proposes ("lacks the distinction between miRNA and mRNA") → a pre-norm transformer encoder
(padding masked) → mean over the non-padding positions (the *window embedding*, ``d_model``) →
``Linear(d, d) → ReLU → Dropout → Linear(d, 1)`` logit.

**MIL model** (the seed's §8, first direction: train at gene level on the windows of each
3'UTR): attention-based deep multiple-instance learning (Ilse, Tomczak & Welling 2018, ICML,
"Attention-based Deep Multiple Instance Learning", eq. 9 and the gated variant eq. 10). A bag is
a miRNA–gene pair; its instances are the candidate windows, each described by the frozen site
model's window embedding and logit. ``a_k = softmax_k(w^T (tanh(V h_k) ⊙ sigmoid(U h_k)))``,
``z = Σ_k a_k h_k``, logit = ``Linear(z)``; a pair with no candidate window gets a learned
empty-bag logit.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from torch import nn

from rnainteract.models.inputs import validation_split
from rnainteract.models.trainer import TrainerSettings, fit, predict, seed_everything

MIRNA_LENGTH = 30
"""Input positions of the miRNA (miRAW's 70-nt input = 30 miRNA + 40 site). The encoder of the
miRNA branch (:func:`rnainteract.tasks.mirna.data.encode_pairs`) writes tokens of this layout;
a test checks that both agree."""
SITE_LENGTH = 40
"""Input positions of the candidate target site (miRAW, §Methods: 40-nt sites)."""

_ONE_HOT = torch.tensor(
    [
        [0.0, 0.0, 0.0, 0.0],  # padding
        [1.0, 0.0, 0.0, 0.0],  # A
        [0.0, 1.0, 0.0, 0.0],  # C
        [0.0, 0.0, 1.0, 0.0],  # G
        [0.0, 0.0, 0.0, 1.0],  # U
        [0.25, 0.25, 0.25, 0.25],  # N
    ]
)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """``(length, dim)`` float32 sinusoidal position encodings (Vaswani et al. 2017, §3.5):
    ``sin(p / 10000^(2i/d))`` in even, ``cos`` in odd columns."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)[:, : dim // 2]
    return table


class MirnaTargetNet(nn.Module):
    """CNN + transformer over a miRNA–site token matrix (module docstring).

    ``forward(tokens)``: ``(n, mirna_length + site_length)`` int64 codes of
    :func:`rnainteract.tasks.mirna.data.encode_pairs` → ``(n,)`` logits; :meth:`embed` gives the
    ``(n, d_model)`` window embeddings.
    """

    def __init__(
        self,
        *,
        mirna_length: int = MIRNA_LENGTH,
        site_length: int = SITE_LENGTH,
        channels: int = 64,
        kernel_size: int = 7,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        segment_embedding: bool = True,
    ):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd ('same' padding), got {kernel_size}")
        self.mirna_length = mirna_length
        self.register_buffer("one_hot", _ONE_HOT.clone(), persistent=False)
        pad = kernel_size // 2
        self.conv = nn.Sequential(
            nn.Conv1d(4, channels, kernel_size, padding=pad),
            nn.ReLU(),
            nn.Conv1d(channels, d_model, kernel_size, padding=pad),
            nn.ReLU(),
        )
        length = mirna_length + site_length
        self.register_buffer("positions", sinusoidal_positions(length, d_model), persistent=False)
        self.register_buffer(
            "segment_ids",
            torch.cat([torch.zeros(mirna_length), torch.ones(site_length)]).long(),
            persistent=False,
        )
        self.segments = nn.Embedding(2, d_model) if segment_embedding else None
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, dim_feedforward, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Sequential(
            nn.Linear(d_model, d_model), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_model, 1)
        )

    def _convolve(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.transpose(1, 2)).transpose(1, 2)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(n, d_model)`` masked mean of the encoder output (the window embedding)."""
        x = self.one_hot[tokens]
        m = self.mirna_length
        h = torch.cat([self._convolve(x[:, :m]), self._convolve(x[:, m:])], dim=1)
        h = h + self.positions
        if self.segments is not None:
            h = h + self.segments(self.segment_ids)
        padding = tokens == 0
        h = self.norm(self.encoder(h, src_key_padding_mask=padding))
        keep = (~padding).unsqueeze(-1).float()
        return (h * keep).sum(1) / keep.sum(1).clamp(min=1.0)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(tokens)).squeeze(-1)


@dataclasses.dataclass(kw_only=True)
class MirnaTargetClassifier(TrainerSettings):
    """scikit-learn-style wrapper of :class:`MirnaTargetNet` on the shared trainer.

    ``fit(tokens, y)`` trains on ``(n, 70)`` int64 tokens and 0/1 labels with early stopping on
    a stratified ``validation_fraction`` of them; ``predict_proba`` → ``(n, 2)``;
    :meth:`embed_and_score` → window embeddings and logits.
    """

    segment_embedding: bool = True
    mirna_length: int = MIRNA_LENGTH
    site_length: int = SITE_LENGTH
    channels: int = 64
    kernel_size: int = 7
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    dim_feedforward: int = 128
    dropout: float = 0.1
    # trainer settings (TrainerSettings) with this model's defaults
    warmup_steps: int = 100
    max_epochs: int = 30
    batch_size: int = 256

    def _build(self) -> MirnaTargetNet:
        return MirnaTargetNet(
            mirna_length=self.mirna_length,
            site_length=self.site_length,
            channels=self.channels,
            kernel_size=self.kernel_size,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dim_feedforward=self.dim_feedforward,
            dropout=self.dropout,
            segment_embedding=self.segment_embedding,
        )

    def fit(self, tokens: np.ndarray, y: np.ndarray) -> MirnaTargetClassifier:
        seed_everything(self.seed)
        self.module_ = self._build()
        y = np.asarray(y, dtype=np.float32)
        train, valid = validation_split(y, self.validation_fraction, self.seed)
        self.history_ = fit(
            self.module_,
            [tokens[train]],
            y[train],
            self.trainer_config(),
            validation=([tokens[valid]], y[valid]) if len(valid) else None,
        )
        return self

    def decision_function(self, tokens: np.ndarray) -> np.ndarray:
        """``(n,)`` float32 logits."""
        return predict(self.module_, [tokens], batch_size=1024)

    def predict_proba(self, tokens: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(tokens).astype(np.float64)))
        return np.column_stack([1.0 - p, p])

    def embed_and_score(
        self, tokens: np.ndarray, *, batch_size: int = 1024
    ) -> tuple[np.ndarray, np.ndarray]:
        """``((n, d_model) float32 window embeddings, (n,) float32 logits)``."""
        module = self.module_
        module.eval()
        embeddings, logits = [], []
        with torch.inference_mode():
            for start in range(0, len(tokens), batch_size):
                h = module.embed(torch.from_numpy(tokens[start : start + batch_size]))
                embeddings.append(h.numpy())
                logits.append(module.head(h).squeeze(-1).numpy())
        if not embeddings:
            return np.zeros((0, self.d_model), np.float32), np.zeros(0, np.float32)
        return np.concatenate(embeddings), np.concatenate(logits)


class AttentionMIL(nn.Module):
    """Gated attention MIL pooling (Ilse et al. 2018, eq. 10; module docstring).

    ``forward(instances, mask)``: ``(n, K, in_dim)`` float32 and ``(n, K)`` float32 1/0 (real
    instance / padding) → ``(n,)`` logits; rows without an instance get ``empty_logit``.
    """

    def __init__(
        self, in_dim: int, *, hidden: int = 64, attention_dim: int = 32, dropout: float = 0.1
    ):
        super().__init__()
        self.project = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(dropout))
        self.attention_v = nn.Linear(hidden, attention_dim)
        self.attention_u = nn.Linear(hidden, attention_dim)
        self.attention_w = nn.Linear(attention_dim, 1)
        self.classifier = nn.Linear(hidden, 1)
        self.empty_logit = nn.Parameter(torch.zeros(()))

    def attention(self, instances: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(n, K)`` attention weights (0 on padding; rows of an empty bag are all 0)."""
        h = self.project(instances)
        scores = self.attention_w(
            torch.tanh(self.attention_v(h)) * torch.sigmoid(self.attention_u(h))
        ).squeeze(-1)
        scores = scores.masked_fill(mask <= 0, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return torch.nan_to_num(weights, nan=0.0)

    def forward(self, instances: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.project(instances)
        weights = self.attention(instances, mask)
        bag = torch.einsum("nk,nkd->nd", weights, h)
        logits = self.classifier(bag).squeeze(-1)
        empty = mask.sum(1) <= 0
        return torch.where(empty, self.empty_logit.expand_as(logits), logits)


def make_bags(
    bag_index: np.ndarray,
    features: np.ndarray,
    order: np.ndarray,
    n_bags: int,
    *,
    max_instances: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Pad per-window features into bags, keeping the ``max_instances`` windows of each bag
    with the highest ``order`` value (the site model's logit).

    Args:
        bag_index: ``(w,)`` int64 bag (pair index, ``0..n_bags-1``) of each window.
        features: ``(w, f)`` float32 window features.
        order: ``(w,)`` ranking key.

    Returns:
        ``(n_bags, K, f)`` float32 instances and ``(n_bags, K)`` float32 mask, ``K =
        max(1, min(max_instances, largest bag))``.
    """
    sizes = np.bincount(bag_index, minlength=n_bags) if len(bag_index) else np.zeros(n_bags, int)
    k = max(1, min(max_instances, int(sizes.max()) if n_bags else 1))
    instances = np.zeros((n_bags, k, features.shape[1]), dtype=np.float32)
    mask = np.zeros((n_bags, k), dtype=np.float32)
    ranked = np.lexsort((-order, bag_index))  # by bag, then best first
    slot = np.zeros(n_bags, dtype=np.int64)
    for w in ranked:
        b = bag_index[w]
        if slot[b] < k:
            instances[b, slot[b]] = features[w]
            mask[b, slot[b]] = 1.0
            slot[b] += 1
    return instances, mask


@dataclasses.dataclass(kw_only=True)
class MILClassifier(TrainerSettings):
    """scikit-learn-style wrapper of :class:`AttentionMIL` on the shared trainer.

    ``fit(instances, mask, y)`` oversamples the minority class (seeded) to balance the labels,
    holds out a stratified ``validation_fraction`` for early stopping, and trains with AdamW.
    """

    hidden: int = 64
    attention_dim: int = 32
    dropout: float = 0.1

    def fit(self, instances: np.ndarray, mask: np.ndarray, y: np.ndarray) -> MILClassifier:
        seed_everything(self.seed)
        self.module_ = AttentionMIL(
            instances.shape[2],
            hidden=self.hidden,
            attention_dim=self.attention_dim,
            dropout=self.dropout,
        )
        y = np.asarray(y, dtype=np.float32)
        train, valid = validation_split(y, self.validation_fraction, self.seed)
        train = balanced_indices(y, train, seed=self.seed)
        self.history_ = fit(
            self.module_,
            [instances[train], mask[train]],
            y[train],
            self.trainer_config(),
            validation=([instances[valid], mask[valid]], y[valid]) if len(valid) else None,
        )
        return self

    def decision_function(self, instances: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return predict(self.module_, [instances, mask], batch_size=512)

    def predict_proba(self, instances: np.ndarray, mask: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(instances, mask).astype(np.float64)))
        return np.column_stack([1.0 - p, p])


def balanced_indices(y: np.ndarray, positions: np.ndarray, *, seed: int) -> np.ndarray:
    """``positions`` plus seeded draws (with replacement) of the minority class's positions
    until both classes are equally frequent; returned shuffled-free (sorted)."""
    labels = y[positions]
    counts = [int((labels == c).sum()) for c in (0, 1)]
    if min(counts) == 0 or counts[0] == counts[1]:
        return positions
    minority = int(np.argmin(counts))
    pool = positions[labels == minority]
    rng = np.random.default_rng(seed)
    extra = rng.choice(pool, size=abs(counts[1] - counts[0]), replace=True)
    return np.sort(np.concatenate([positions, extra]))
