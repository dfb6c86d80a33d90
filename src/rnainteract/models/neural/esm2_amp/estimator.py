"""The ESM2_AMP estimator on RNA–protein pairs: per-molecule standardization, a row lookup so that
the trainer sees pair indices, training with early stopping, attention importance, and the
builders that the registry calls (kinds ``esm2_amps``, ``esm2_amp_cse``, ``esm2_dpm``). Facts and
adaptations: the package docstring (:mod:`rnainteract.models.neural.esm2_amp`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from rnainteract.models.inputs import (
    SEGMENT_VIEW,
    PairInputs,
    binary_labels,
    pair_indices,
    validation_split,
)
from rnainteract.models.neural.esm2_amp.networks import (
    D_MODEL,
    DNN_WIDTHS,
    DROPOUT,
    ESM2AMPCSE,
    ESM2AMPS,
    ESM2DPM,
    FF_WIDTH,
    MLP_WIDTHS,
    MOLECULES,
    N_HEADS,
    N_LAYERS,
    N_SEGMENTS,
    VARIANTS,
)
from rnainteract.models.trainer import fit, predict, seed_everything, trainer_config

log = logging.getLogger(__name__)


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
        validation_fraction: share of ``fit``'s pairs held out (stratified, seeded; whole
            groups of ``inputs.validation_groups`` if set) for early stopping; 0 → train
            ``max_epochs`` on all of them.
        seed: initial weights, batch order and the validation cut. threads: torch threads.

    Fitted attributes: ``classes_`` ``[0, 1]``, ``module_`` (the ``nn.Module``), ``history_``
    (per-epoch losses), ``scaling_`` (``(molecule, view)`` → ``(mean, std)`` float32),
    ``validation_pairs_`` (int64 pair indices of the early-stopping validation part).
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

    def _build_module(self, dims: list[int] | None = None) -> nn.Module:
        if dims is None:
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
        y = binary_labels(y, len(pairs))
        rna_rows, protein_rows = self.inputs.rows(pairs)
        train, val = validation_split(
            y, self.validation_fraction, self.seed, groups=self.inputs.validation_groups_of(pairs)
        )
        self.validation_pairs_ = pairs[val]
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

    def fitted_state(self) -> dict:
        """What a saved final model keeps (:mod:`rnainteract.models.persist`): ``torch`` (the
        network's state dict and the standardization, ``"<molecule>|<view>"`` → ``(2, D)``
        mean and std, whose widths are the network's input widths); nothing else."""
        scaling = {
            f"{molecule}|{view}": torch.from_numpy(np.stack([mean, std]))
            for (molecule, view), (mean, std) in self.scaling_.items()
        }
        state = {"module": self.module_.state_dict(), "scaling": scaling}
        return {"torch": state, "sklearn": {}, "meta": {}}

    def load_fitted_state(self, state: dict) -> ESM2AMPClassifier:
        """Rebuild the fitted network and standardization from :meth:`fitted_state`."""
        self.scaling_ = {}
        for key, pair in state["torch"]["scaling"].items():
            molecule, view = key.split("|")
            values = pair.numpy().astype(np.float32)
            self.scaling_[(molecule, view)] = (values[0], values[1])
        self.module_ = self._build_module(
            [len(self.scaling_[(m, self._views()[0])][0]) for m in MOLECULES]
        )
        self.module_.load_state_dict(state["torch"]["module"])
        self.module_.eval()
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)`` float64: P(not interacting), P(interacting)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)]

    def explain(self, X) -> pd.DataFrame:
        """Per-pair explanation (registry method ``attention``): :func:`attention_importance`.

        Raises:
            ValueError: a DPM estimator (no attention).
        """
        return attention_importance(self, X)


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
