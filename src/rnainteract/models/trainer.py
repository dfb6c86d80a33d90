"""The one small PyTorch trainer every neural model of the zoo uses.

AdamW (or SGD with Nesterov momentum, for IPMiner's fine-tuning), a learning rate that rises
linearly over ``warmup_steps`` optimizer steps and then follows a half cosine down to 0 at the
last step (RPIembeddor, App. C.1: "1,000 warm-up steps" then cosine annealing), early stopping
on the validation loss (the best epoch's weights are restored), explicit seeds (Python, NumPy,
torch; a seeded ``torch.Generator`` shuffles the batches), and a checkpoint that holds the
weights, the config and the training history together.

Inputs are NumPy arrays, so that feature tables and embedding matrices feed it alike: a model's
``forward`` takes the batch slices of ``inputs`` (in order) and returns ``(batch,)`` logits
(``loss="bce"``; ``(batch, n_labels)`` for multi-label targets) or a tensor shaped like the
target (``loss="mse"``, autoencoders). A model may instead return ``(output, auxiliary_loss)``:
the scalar auxiliary loss (already weighted, e.g. MMFA's adversarial and orthogonality terms) is
added to the loss, and :func:`predict` returns the output only.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import os
import random
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from rnainteract.io.files import atomic_path

log = logging.getLogger(__name__)

OPTIMIZERS = ("adamw", "sgd")
LOSSES = ("bce", "mse")


@dataclasses.dataclass
class TrainerConfig:
    """Settings of :func:`fit`.

    Attributes:
        lr: peak learning rate (after warm-up).
        weight_decay: decoupled weight decay (AdamW) or L2 (SGD).
        warmup_steps: optimizer steps of linear warm-up from 0 to ``lr``.
        cosine: anneal from ``lr`` to 0 over the remaining steps (else constant after warm-up).
        max_epochs: epochs at most.
        batch_size: examples per optimizer step.
        patience: stop after this many epochs without a lower validation loss (``None``: never;
            also never without validation data).
        optimizer: ``adamw`` or ``sgd`` (momentum 0.9, Nesterov).
        loss: ``bce`` (binary cross-entropy on logits) or ``mse``.
        seed: seeds Python, NumPy, torch and the batch order.
        threads: torch CPU threads.
    """

    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 0
    cosine: bool = True
    max_epochs: int = 100
    batch_size: int = 64
    patience: int | None = 10
    optimizer: str = "adamw"
    loss: str = "bce"
    seed: int = 0
    threads: int = 1

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.max_epochs < 1 or self.batch_size < 1 or self.warmup_steps < 0:
            raise ValueError(
                "max_epochs and batch_size must be >= 1 and warmup_steps >= 0, got "
                f"{self.max_epochs}, {self.batch_size}, {self.warmup_steps}"
            )


@dataclasses.dataclass(kw_only=True)
class TrainerSettings:
    """The trainer's settings as fields of an estimator: the base of the dataclass estimators
    (miRNA target and MIL models, MMFA and its view CNNs), which override a default by
    declaring the field again.

    Attributes:
        lr, weight_decay, warmup_steps, max_epochs, batch_size, patience, cosine, seed,
            threads: as :class:`TrainerConfig` (AdamW; ``cosine=False``: constant after
            warm-up).
        validation_fraction: share of ``fit``'s examples held out (stratified, seeded) for
            early stopping (:func:`rnainteract.models.inputs.validation_split`); 0 → none.
    """

    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 0
    max_epochs: int = 50
    batch_size: int = 64
    patience: int | None = 5
    validation_fraction: float = 0.1
    seed: int = 0
    threads: int = 1
    cosine: bool = True

    def trainer_config(self) -> TrainerConfig:
        """The :class:`TrainerConfig` of these settings."""
        return trainer_config(self, cosine=self.cosine)


def trainer_config(estimator, **overrides) -> TrainerConfig:
    """A :class:`TrainerConfig` from an estimator's attributes of the same names (``lr``,
    ``weight_decay``, ``warmup_steps``, ``max_epochs``, ``batch_size``, ``patience``, ``seed``,
    ``threads``), then ``overrides`` (scikit-learn-style estimators, whose ``__init__`` lists
    its parameters; dataclass estimators inherit :class:`TrainerSettings`)."""
    names = (
        "lr",
        "weight_decay",
        "warmup_steps",
        "max_epochs",
        "batch_size",
        "patience",
        "seed",
        "threads",
    )
    return TrainerConfig(**{**{n: getattr(estimator, n) for n in names}, **overrides})


def lr_factor(step: int, *, warmup_steps: int, total_steps: int, cosine: bool = True) -> float:
    """Multiplier of the peak learning rate at optimizer step ``step`` (0-based).

    ``(step + 1) / warmup_steps`` during warm-up, then ``0.5 * (1 + cos(pi * t))`` with ``t``
    the fraction of the post-warm-up steps done (1 at the last step → 0), or 1 without cosine.
    """
    if warmup_steps and step < warmup_steps:
        return (step + 1) / warmup_steps
    if not cosine:
        return 1.0
    span = max(1, total_steps - warmup_steps)
    t = min(1.0, (step - warmup_steps) / span)
    return 0.5 * (1.0 + math.cos(math.pi * t))


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch generator seeded the same (batch order).

    Call it before building a model too: initial weights come from torch's global generator.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of each training batch; a last batch of a single example joins the one
    before it (batch normalization cannot train on one example)."""
    bounds = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n)]
    return bounds


def _as_tensors(arrays: Sequence[np.ndarray]) -> list[torch.Tensor]:
    return [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]


def _loss_fn(name: str):
    return nn.BCEWithLogitsLoss() if name == "bce" else nn.MSELoss()


def _split_output(out) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(output, auxiliary loss or None)`` of a model's forward (module docstring)."""
    if isinstance(out, tuple):
        return out[0], out[1]
    return out, None


def _total_loss(fn, out, target: torch.Tensor) -> torch.Tensor:
    output, auxiliary = _split_output(out)
    loss = fn(output, target)
    return loss if auxiliary is None else loss + auxiliary


def evaluate_loss(
    model: nn.Module,
    inputs: Sequence[np.ndarray],
    target: np.ndarray,
    *,
    loss: str = "bce",
    batch_size: int = 256,
) -> float:
    """Mean loss of ``model`` (in eval mode) over ``inputs``/``target``."""
    fn = _loss_fn(loss)
    tensors, y = _as_tensors(inputs), torch.from_numpy(np.ascontiguousarray(target)).float()
    model.eval()
    total = 0.0
    with torch.inference_mode():
        for start in range(0, len(y), batch_size):
            out = model(*(t[start : start + batch_size] for t in tensors))
            batch = y[start : start + batch_size]
            total += float(_total_loss(fn, out, batch)) * len(batch)
    return total / max(1, len(y))


def predict(model: nn.Module, inputs: Sequence[np.ndarray], *, batch_size: int = 256) -> np.ndarray:
    """``model``'s outputs in eval mode, batched, as float32 NumPy (``(n,)`` logits for BCE)."""
    tensors = _as_tensors(inputs)
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(tensors[0]), batch_size):
            output, _ = _split_output(model(*(t[start : start + batch_size] for t in tensors)))
            out.append(output.float().numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def fit(
    model: nn.Module,
    inputs: Sequence[np.ndarray],
    target: np.ndarray,
    config: TrainerConfig,
    *,
    validation: tuple[Sequence[np.ndarray], np.ndarray] | None = None,
) -> list[dict]:
    """Train ``model`` in place; with ``validation``, keep the weights of the lowest
    validation loss and stop early after ``config.patience`` epochs without improvement.

    Args:
        inputs: arrays with a common first dimension ``n`` (float32, or int64 token ids).
        target: ``(n,)`` 0/1 (BCE) or the reconstruction target (MSE), float32.
        validation: ``(inputs, target)`` of the validation part, or ``None``.

    Returns:
        The history: one dict per epoch (``epoch``, ``train_loss``, ``val_loss`` or NaN,
        ``lr`` at the epoch's last step).

    Raises:
        ValueError: arrays of different lengths, or no training example.
    """
    n = len(target)
    if n == 0 or any(len(a) != n for a in inputs):
        raise ValueError(f"inputs and target need the same, non-zero length; target has {n}")
    torch.set_num_threads(max(1, config.threads))
    generator = seed_everything(config.seed)
    tensors = _as_tensors(inputs)
    y = torch.from_numpy(np.ascontiguousarray(target)).float()
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    else:
        opt = torch.optim.SGD(
            params, lr=config.lr, momentum=0.9, nesterov=True, weight_decay=config.weight_decay
        )
    steps_per_epoch = len(_batch_bounds(n, config.batch_size))
    total = steps_per_epoch * config.max_epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: lr_factor(
            s, warmup_steps=config.warmup_steps, total_steps=total, cosine=config.cosine
        ),
    )
    fn = _loss_fn(config.loss)
    history: list[dict] = []
    best_loss, best_state, stale = math.inf, None, 0
    for epoch in range(config.max_epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        running = 0.0
        for start, stop in _batch_bounds(n, config.batch_size):
            idx = order[start:stop]
            opt.zero_grad(set_to_none=True)
            loss = _total_loss(fn, model(*(t[idx] for t in tensors)), y[idx])
            loss.backward()
            opt.step()
            schedule.step()
            running += float(loss.detach()) * len(idx)
        val_loss = (
            evaluate_loss(model, validation[0], validation[1], loss=config.loss)
            if validation is not None and len(validation[1])
            else math.nan
        )
        history.append(
            {
                "epoch": epoch,
                "train_loss": running / n,
                "val_loss": val_loss,
                "lr": opt.param_groups[0]["lr"],
            }
        )
        if math.isnan(val_loss):
            continue
        if val_loss < best_loss:
            best_loss, best_state, stale = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if config.patience is not None and stale >= config.patience:
                log.info("early stop after epoch %d (best val loss %.4f)", epoch, best_loss)
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    *,
    config: dict,
    history: list[dict] | None = None,
    metrics: dict | None = None,
) -> None:
    """Write weights, config, history and metrics together into one ``torch.save`` file
    (atomically). Load with ``torch.load(path, weights_only=True)``."""
    payload = {
        "state_dict": model.state_dict(),
        "config": config,
        "history": history or [],
        "metrics": metrics or {},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
