"""The RBP multi-label models of Han et al. 2024: three per-view CNNs and MMFA.

Han, Talpur, Liu et al. 2024, "RNA-RBP interactions recognition using multi-label learning and
feature attention allocation", J Cloud Comp 13:54 (../shared/seeds/
mmfa_multilabel_rna_rbp_paper.txt; "the paper" below). Each RNA has three views, stored compact
and expanded inside the models by registered lookup buffers (so the arrays on disk and in memory
stay small):

* ``rna``: ``(n, 2710)`` uint8 base codes A 0, C 1, G 2, U 3, 4 = padding base B (2700 nt + 5 B
  at each end) → one-hot ``(n, 4, 2710)`` float32, B = 0.25 in all four rows (paper, Fig. 3A);
* ``amino``: ``(n, 2710)`` uint8 codes 0..19 of ``ACDEFGHIKLMNPQRSTVWY`` (the three codon frames
  concatenated), 20 = O (stop codon or padding) → one-hot ``(n, 20, 2710)``, O = 0.05 in all 20
  rows (paper, Fig. 3B);
* ``dipeptide``: ``(n, 440)`` counts of the 0-gap dipeptides over 21 letters without ``OO`` →
  histogram ``(n, 30, 440)``: column ``d`` has ones in its first ``min(count, 30)`` rows
  (paper, Fig. 3C: "AA" 5 times → the top five elements of its column are 1).

**Per-view CNN** (:class:`ViewCNN`, paper Fig. 4): Conv1d(101 kernels of size 10, stride 1) →
ReLU → MaxPool1d(3) (rna and amino; the dipeptide CNN has no pooling) → flatten → Dropout(0.5)
→ Linear(→ 202) → ReLU (the 202-d "intermediate output", the deep feature MMFA reads) →
Dropout(0.5) → Linear(202 → 68 labels). Trained with binary cross-entropy per label, 50 epochs,
lr 0.001, decoupled weight decay 0.01 (AdamW), batch 64.

**MMFA** (:class:`MMFA`, paper Fig. 5, after Cheng et al. 2022, Neurocomputing 501:857, whose
common/private split follows SIMM, Wu et al. 2019, IJCAI 3884). Part A: a shared common
extractor ``Linear(202, k) + ReLU`` applied to every view gives ``C_v``, the common features are
``C = mean_v C_v``; one private extractor per view gives ``Q_v``. A view discriminator on the
gradient-reversed ``C_v`` gives the adversarial loss ``l_common`` (the discriminator learns to
tell the views apart, the reversed gradient drives the shared extractor to make them
indistinguishable); ``l_private = Σ_v ||Cᵀ Q_v||_F² / n`` pushes the private features
orthogonal to the common ones. Synergistic features ``P = [Q_1, …, Q_V, C]`` ``(n, (V+1)k)``.
Part B (paper Eq. 4 ff.): one attention head per view, ``head_v = softmax((X_v W_q^v)(C W_k)ᵀ /
sqrt(k)) (P W_v)`` with the view's original features ``X_v`` as queries, ``C`` as keys and
``P`` as values, heads concatenated → ``W_o`` → ``A``; shortcut ``Z = P + A`` (without
attention, the paper's MMFA-MA ablation of Fig. 6, ``Z = P``); ``Linear((V+1)k, L)`` → logits.
Loss ``L = l_ml + λ l_common + γ l_private`` (k = 68, λ = 1e-3, γ = 1e-4, 20 epochs).

**Attention runs across the samples of a batch.** The similarity matrix ``X^v Cᵀ`` of the paper
is ``n × n``: each sample attends over the common features of the other samples of its batch,
so a sample's prediction depends on which samples share its batch. :class:`MMFAClassifier`
therefore predicts in fixed batches of ``batch_size`` consecutive rows (the order given), and the
same rows in the same order give the same predictions. (The shared trainer computes the
validation loss for early stopping in batches of 256.)

Where the paper is silent (choices made here):

* projections ``W_q^v`` (``in_dim → k``), ``W_k`` (``k → k``) and ``W_v`` (``(V+1)k →
  (V+1)k``) have no bias; each head's value dimension is ``(V+1)k``, so ``W_o`` maps ``V(V+1)k
  → (V+1)k``;
* the discriminator is one ``Linear(k, V)``, trained by cross-entropy on the ``V × n`` common
  features (mean over them), the gradient reversal scale is 1; its loss is weighted by ``λ``
  like the extractor's (one optimizer, one loss);
* SIMM's extra multi-label loss on the shared subspace is not added: the trainer's forward sees
  no targets; ``C`` learns the labels through ``P``'s last block;
* the auxiliary loss is computed in training mode only (eval mode returns 0), so the validation
  loss that drives early stopping is the multi-label loss ``l_ml``;
* the learning rate is constant (``cosine=False``): the paper gives no schedule;
* early stopping (not in the paper) holds out a ``validation_fraction`` stratified on each row's
  rarest label (:func:`label_strata`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from rnainteract.models.inputs import validation_split
from rnainteract.models.trainer import TrainerSettings, fit, predict, seed_everything

VIEWS = ("rna", "amino", "dipeptide")
# input channels of each view's CNN (paper Fig. 4: 4 × 2710, 20 × 2710, 30 × 440)
VIEW_CHANNELS = {"rna": 4, "amino": 20, "dipeptide": 30}
VIEW_LENGTHS = {"rna": 2710, "amino": 2710, "dipeptide": 440}
RNA_PADDING_CODE = 4  # base B, (0.25, 0.25, 0.25, 0.25)
AMINO_UNTRANSLATABLE_CODE = 20  # letter O, 0.05 in all 20 rows
HISTOGRAM_DEPTH = 30  # rows of the dipeptide histogram
POOL_SIZE = 3  # MaxPool1d of the rna and amino CNNs (2701 → 900)


def _one_hot_table(size: int, filler: float) -> torch.Tensor:
    """``(size + 1, size)`` float32: the identity, then a row of ``filler`` (padding code)."""
    return torch.cat([torch.eye(size), torch.full((1, size), filler)])


def _max_code(view: str) -> int | None:
    return {"rna": RNA_PADDING_CODE, "amino": AMINO_UNTRANSLATABLE_CODE}.get(view)


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")


def compact_view(view: str, x: np.ndarray) -> np.ndarray:
    """``x`` as the smallest array :class:`ViewCNN` reads: uint8 codes (rna, amino) or counts
    capped at 30 (dipeptide; a higher count fills the same 30 rows).

    Raises:
        ValueError: ``x`` is not 2-d, or holds a code outside ``0..4`` (rna) / ``0..20``
            (amino) or a negative count (dipeptide), naming the row and position.
    """
    _check_view(view)
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"{view} view must be (n, length), got shape {x.shape}")
    high = _max_code(view)
    bad = (x < 0) if high is None else (x < 0) | (x > high)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        allowed = "counts >= 0" if high is None else f"codes 0..{high}"
        raise ValueError(
            f"{view} view: row {row} position {col} holds {x[row, col]}; allowed {allowed}"
        )
    if high is None:
        x = np.minimum(x, HISTOGRAM_DEPTH)
    return x.astype(np.uint8, copy=False)


class ViewCNN(nn.Module):
    """One view's CNN of the paper (Fig. 4; module docstring).

    With the paper's settings: rna Conv1d(4 → 101, 10) over 2710 positions → 2701 → MaxPool(3)
    → 900, flatten 101 × 900 = 90,900 → 202 → 68; amino the same from 20 channels; dipeptide
    Conv1d(30 → 101, 10) over 440 positions → 431, no pooling, flatten 101 × 431 = 43,531 → 202
    → 68.

    Args:
        view: ``rna``, ``amino`` or ``dipeptide``.
        n_labels: outputs (the paper's 68: 67 RBPs + "negative").
        kernels, kernel_size: convolution filters and width (paper: 101, 10).
        hidden: size of the intermediate output, the deep feature (paper: 202).
        dropout: before each fully connected layer (paper: 0.5).
        length: positions of the compact input (default 2710 for rna and amino, 440 for
            dipeptide).

    ``forward(x)``: ``(n, length)`` integer codes/counts → ``(n, n_labels)`` logits;
    :meth:`features` → ``(n, hidden)``; :meth:`expand` → the float input ``(n, channels,
    length)``.

    Raises:
        ValueError: an unknown view, or ``length`` too short for the kernel (and pooling).
    """

    def __init__(
        self,
        view: str,
        n_labels: int,
        *,
        kernels: int = 101,
        kernel_size: int = 10,
        hidden: int = 202,
        dropout: float = 0.5,
        length: int | None = None,
    ):
        super().__init__()
        _check_view(view)
        self.view = view
        self.length = VIEW_LENGTHS[view] if length is None else int(length)
        pool = view != "dipeptide"
        positions = self.length - kernel_size + 1
        if pool:
            positions //= POOL_SIZE
        if positions < 1:
            raise ValueError(
                f"{view} view: length {self.length} is too short for kernel_size {kernel_size}"
                + (f" and pooling by {POOL_SIZE}" if pool else "")
            )
        self.flat_features = kernels * positions
        if view == "rna":
            self.register_buffer("table", _one_hot_table(4, 0.25), persistent=False)
        elif view == "amino":
            self.register_buffer("table", _one_hot_table(20, 0.05), persistent=False)
        else:
            depth = torch.arange(HISTOGRAM_DEPTH)[None, :, None]
            self.register_buffer("depth", depth, persistent=False)
        self.encoder = nn.Sequential(
            nn.Conv1d(VIEW_CHANNELS[view], kernels, kernel_size, stride=1),
            nn.ReLU(),
            nn.MaxPool1d(POOL_SIZE) if pool else nn.Identity(),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(self.flat_features, hidden),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, n_labels)

    def expand(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, length)`` compact codes/counts → ``(n, channels, length)`` float32 one-hot
        (rna, amino) or histogram (dipeptide).

        Raises:
            ValueError: wrong length, or a code outside the view's table / a negative count.
        """
        if x.ndim != 2 or x.shape[1] != self.length:
            raise ValueError(f"{self.view} view must be (n, {self.length}), got {tuple(x.shape)}")
        x = x.long()
        high = _max_code(self.view)
        bad = (x < 0) if high is None else (x < 0) | (x > high)
        if bad.any():
            row, col = (int(i[0]) for i in torch.nonzero(bad, as_tuple=True))
            raise ValueError(
                f"{self.view} view: row {row} position {col} holds {int(x[row, col])}; "
                + ("allowed counts >= 0" if high is None else f"allowed codes 0..{high}")
            )
        if high is None:
            return (self.depth < x[:, None, :]).float()
        return self.table[x].transpose(1, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, hidden)`` float32 intermediate output (after ReLU): the deep feature."""
        return self.encoder(self.expand(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.features(x)))


class GradientReversal(torch.autograd.Function):
    """Identity forward, ``-alpha ×`` the gradient backward (Ganin & Lempitsky 2015, ICML)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, alpha: float) -> torch.Tensor:
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.alpha * grad, None


def reverse_gradient(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """``x`` unchanged, whose gradient is multiplied by ``-alpha`` on the way back."""
    return GradientReversal.apply(x, alpha)


def orthogonality_loss(common: torch.Tensor, privates: list[torch.Tensor]) -> torch.Tensor:
    """``Σ_v ||Cᵀ Q_v||_F² / n`` (SIMM's orthogonal constraint; the paper's ``l_private``).

    Args:
        common: ``(n, k)`` common features ``C``; privates: ``V`` arrays ``(n, k)``, ``Q_v``.

    Returns:
        A scalar; 0 when every private feature column is orthogonal (over the ``n`` samples) to
        every common feature column.
    """
    n = max(1, common.shape[0])
    return sum((common.T @ q).pow(2).sum() for q in privates) / n


def adversarial_loss(
    discriminator: nn.Module, common_per_view: list[torch.Tensor], *, reversal: float | None = 1.0
) -> torch.Tensor:
    """The paper's ``l_common``: cross-entropy of ``discriminator`` telling which view each
    ``C_v`` came from (mean over the ``V × n`` rows), on gradient-reversed inputs.

    Args:
        discriminator: ``(m, k) → (m, V)`` logits.
        common_per_view: ``V`` arrays ``(n, k)``, the shared extractor's output per view.
        reversal: gradient reversal scale ``alpha`` between the features and the discriminator
            (``None``: no reversal, the plain discriminator loss).
    """
    stacked = torch.cat(common_per_view)
    views = torch.arange(len(common_per_view), device=stacked.device)
    target = views.repeat_interleave(common_per_view[0].shape[0])
    if reversal is not None:
        stacked = reverse_gradient(stacked, reversal)
    return F.cross_entropy(discriminator(stacked), target)


class MMFAParts(NamedTuple):
    """Intermediate tensors of :meth:`MMFA.parts` (``n`` samples, ``V`` views)."""

    common_per_view: list[torch.Tensor]  # V × (n, k): the shared extractor on each view
    common: torch.Tensor  # (n, k): C, their mean
    privates: list[torch.Tensor]  # V × (n, k): Q_v
    synergistic: torch.Tensor  # (n, (V+1)k): P = [Q_1, …, Q_V, C]
    fused: torch.Tensor  # (n, (V+1)k): Z = P + A (attention) or P (MMFA-MA)


class MMFA(nn.Module):
    """Multi-view multi-label learning with view feature attention allocation (module
    docstring; paper Fig. 5).

    Args:
        n_views: ``V`` (the paper's 3: RNA, amino acid and dipeptide deep features).
        n_labels: ``L`` (the paper's 68).
        in_dim: features per view (the CNNs' 202); every view must have it.
        k: size of the common and of each private feature (paper: 68).
        attention: Part B's attention and shortcut (``False``: MMFA-MA, ``Z = P``).
        lam, gamma: weights ``λ`` of ``l_common`` and ``γ`` of ``l_private`` (paper: 1e-3,
            1e-4).

    ``forward(*views)``: ``V`` arrays ``(n, in_dim)`` float32 → ``((n, L) logits, auxiliary
    loss)``, the auxiliary loss ``λ l_common + γ l_private`` in training mode and 0 in eval
    mode. With attention, each sample's output depends on the other samples of its batch.

    Raises:
        ValueError: ``n_views < 1``; in ``forward``, a number of views other than ``n_views``.
    """

    def __init__(
        self,
        n_views: int,
        n_labels: int,
        *,
        in_dim: int = 202,
        k: int = 68,
        attention: bool = True,
        lam: float = 1e-3,
        gamma: float = 1e-4,
    ):
        super().__init__()
        if n_views < 1:
            raise ValueError(f"MMFA needs at least one view, got n_views={n_views}")
        self.n_views, self.k, self.lam, self.gamma = n_views, k, lam, gamma
        width = (n_views + 1) * k
        self.common = nn.Sequential(nn.Linear(in_dim, k), nn.ReLU())
        self.private = nn.ModuleList(
            nn.Sequential(nn.Linear(in_dim, k), nn.ReLU()) for _ in range(n_views)
        )
        self.discriminator = nn.Linear(k, n_views)
        if attention:
            self.query = nn.ModuleList(nn.Linear(in_dim, k, bias=False) for _ in range(n_views))
            self.key = nn.Linear(k, k, bias=False)
            self.value = nn.Linear(width, width, bias=False)
            self.out = nn.Linear(n_views * width, width)
        self.attention = attention
        self.classifier = nn.Linear(width, n_labels)

    def attend(
        self, views: list[torch.Tensor], common: torch.Tensor, synergistic: torch.Tensor
    ) -> torch.Tensor:
        """``A = W_o [head_1, …, head_V]``, ``head_v = softmax_j((X_v W_q^v)(C W_k)ᵀ / sqrt(k))
        (P W_v)``: an ``(n, n)`` similarity matrix per view, the softmax over the batch's
        samples ``j``. Returns ``(n, (V+1)k)``."""
        keys = self.key(common)
        values = self.value(synergistic)
        heads = []
        for query, x in zip(self.query, views, strict=True):
            scores = query(x) @ keys.T / math.sqrt(self.k)
            heads.append(torch.softmax(scores, dim=1) @ values)
        return self.out(torch.cat(heads, dim=1))

    def parts(self, *views: torch.Tensor) -> MMFAParts:
        """The intermediate tensors (:class:`MMFAParts`) of ``views``."""
        if len(views) != self.n_views:
            raise ValueError(f"MMFA built for {self.n_views} views, got {len(views)}")
        common_per_view = [self.common(x) for x in views]
        common = torch.stack(common_per_view).mean(0)
        privates = [extract(x) for extract, x in zip(self.private, views, strict=True)]
        synergistic = torch.cat([*privates, common], dim=1)
        fused = synergistic
        if self.attention:
            fused = synergistic + self.attend(list(views), common, synergistic)
        return MMFAParts(common_per_view, common, privates, synergistic, fused)

    def auxiliary_loss(self, parts: MMFAParts) -> torch.Tensor:
        """``λ l_common + γ l_private`` of :meth:`parts`' output (a term of weight 0 is
        skipped)."""
        loss = parts.common.new_zeros(())
        if self.lam:
            loss = loss + self.lam * adversarial_loss(self.discriminator, parts.common_per_view)
        if self.gamma:
            loss = loss + self.gamma * orthogonality_loss(parts.common, parts.privates)
        return loss

    def forward(self, *views: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        parts = self.parts(*views)
        logits = self.classifier(parts.fused)
        if self.training:
            return logits, self.auxiliary_loss(parts)
        return logits, logits.new_zeros(())


def label_strata(y: np.ndarray) -> np.ndarray:
    """``(n,)`` int64 stratum of each row of a multi-label matrix for
    :func:`~rnainteract.models.inputs.validation_split`: the index of the row's least frequent
    positive label (ties: the lower index), ``-1`` for a row without one. A rare label thus
    lands in the validation part as soon as it is the rarest of ``round(fraction × count) >= 1``
    rows (the first step of iterative stratification, Sechidis et al. 2011, ECML PKDD);
    label-set ids would leave most rows in singleton strata, which are never held out.

    Raises:
        ValueError: ``y`` is not 2-d.
    """
    y = np.asarray(y)
    if y.ndim != 2:
        raise ValueError(f"labels must be (n, n_labels), got shape {y.shape}")
    positive = y > 0
    frequency = positive.sum(0).astype(np.float64)
    masked = np.where(positive, frequency[None, :], np.inf)
    strata = np.argmin(masked, axis=1) if y.shape[1] else np.zeros(len(y), dtype=np.int64)
    return np.where(positive.any(1), strata, -1).astype(np.int64)


def _multilabel_targets(y: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 2 or len(y) != n:
        raise ValueError(f"y must be ({n}, n_labels) 0/1 labels, got shape {y.shape}")
    return y


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))


@dataclasses.dataclass(kw_only=True)
class ViewCNNClassifier(TrainerSettings):
    """scikit-learn-style wrapper of :class:`ViewCNN` on the shared trainer (multi-label BCE).

    ``fit(x, y)``: ``x`` the compact ``(n, length)`` view (module docstring; ``length`` is read
    from ``x``), ``y`` ``(n, L)`` 0/1; early stopping on a ``validation_fraction`` stratified
    by :func:`label_strata`. ``predict_proba(x) → (n, L)`` float64 sigmoid;
    ``features(x) → (n, hidden)`` float32 deep features. Defaults are the paper's (50 epochs,
    lr 0.001, weight decay 0.01, dropout 0.5, batch 64); ``patience`` and a constant learning
    rate (``cosine=False``) are choices of this module.
    """

    view: str
    kernels: int = 101
    kernel_size: int = 10
    hidden: int = 202
    dropout: float = 0.5
    # trainer settings (TrainerSettings) with this model's defaults
    cosine: bool = False

    def __post_init__(self):
        _check_view(self.view)

    def fit(self, x: np.ndarray, y: np.ndarray) -> ViewCNNClassifier:
        x = compact_view(self.view, x)
        y = _multilabel_targets(y, len(x))
        seed_everything(self.seed)
        self.module_ = ViewCNN(
            self.view,
            y.shape[1],
            kernels=self.kernels,
            kernel_size=self.kernel_size,
            hidden=self.hidden,
            dropout=self.dropout,
            length=x.shape[1],
        )
        train, valid = validation_split(label_strata(y), self.validation_fraction, self.seed)
        self.history_ = fit(
            self.module_,
            [x[train]],
            y[train],
            self.trainer_config(),
            validation=([x[valid]], y[valid]) if len(valid) else None,
        )
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """``(n, L)`` float32 logits."""
        return predict(self.module_, [compact_view(self.view, x)], batch_size=self.batch_size)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``(n, L)`` float64 probability of each label (independent sigmoids)."""
        return _sigmoid(self.decision_function(x))

    def features(self, x: np.ndarray, *, batch_size: int | None = None) -> np.ndarray:
        """``(n, hidden)`` float32 intermediate outputs (eval mode, no dropout), batched."""
        x = torch.from_numpy(compact_view(self.view, x))
        size = batch_size or self.batch_size
        module = self.module_
        module.eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(x), size):
                out.append(module.features(x[start : start + size]).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.hidden), dtype=np.float32)


@dataclasses.dataclass(kw_only=True)
class MMFAClassifier(TrainerSettings):
    """scikit-learn-style wrapper of :class:`MMFA` on the shared trainer (multi-label BCE plus
    MMFA's auxiliary loss).

    ``fit(views, y)``: ``views`` a list of ``V`` arrays ``(n, in_dim)`` float32 (the CNNs' deep
    features, all of one width), ``y`` ``(n, L)`` 0/1; early stopping on a
    ``validation_fraction`` stratified by :func:`label_strata`. ``predict_proba(views) → (n,
    L)`` float64, computed in batches of ``batch_size`` consecutive rows: with attention a
    row's prediction depends on the other rows of its batch (module docstring), so reorder or
    subset the rows and the predictions may change. Defaults are the paper's (k 68, λ 1e-3, γ
    1e-4, 20 epochs, lr 0.001, weight decay 0.01, batch 64).
    """

    k: int = 68
    attention: bool = True
    lam: float = 1e-3
    gamma: float = 1e-4
    # trainer settings (TrainerSettings) with this model's defaults
    max_epochs: int = 20
    cosine: bool = False

    def _views(self, views, *, fitted: bool = True) -> list[np.ndarray]:
        """``views`` as float32 arrays, checked against each other (and the fitted model)."""
        views = [np.asarray(v, dtype=np.float32) for v in views]
        if not views:
            raise ValueError("MMFA needs at least one view")
        shapes = [v.shape for v in views]
        if any(len(s) != 2 for s in shapes) or len(set(shapes)) != 1:
            raise ValueError(f"views must all be (n, in_dim) with one n and in_dim, got {shapes}")
        if fitted and (len(views), shapes[0][1]) != self.shape_:
            raise ValueError(
                f"fitted on {self.shape_[0]} views of width {self.shape_[1]}, got {shapes}"
            )
        return views

    def fit(self, views, y: np.ndarray) -> MMFAClassifier:
        views = self._views(views, fitted=False)
        y = _multilabel_targets(y, len(views[0]))
        seed_everything(self.seed)
        self.shape_ = (len(views), views[0].shape[1])
        self.module_ = MMFA(
            len(views),
            y.shape[1],
            in_dim=views[0].shape[1],
            k=self.k,
            attention=self.attention,
            lam=self.lam,
            gamma=self.gamma,
        )
        train, valid = validation_split(label_strata(y), self.validation_fraction, self.seed)
        self.history_ = fit(
            self.module_,
            [v[train] for v in views],
            y[train],
            self.trainer_config(),
            validation=([v[valid] for v in views], y[valid]) if len(valid) else None,
        )
        return self

    def decision_function(self, views) -> np.ndarray:
        """``(n, L)`` float32 logits, in batches of ``batch_size`` consecutive rows."""
        return predict(self.module_, self._views(views), batch_size=self.batch_size)

    def predict_proba(self, views) -> np.ndarray:
        """``(n, L)`` float64 probability of each label (batch-dependent; class docstring)."""
        return _sigmoid(self.decision_function(views))
