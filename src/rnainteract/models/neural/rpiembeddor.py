"""RPIembeddor (RNAInterAct paper, §4 "Model" and App. C.1, Figs 7–8).

Inputs are per-token embeddings: RNA-FM for the RNA and ESM-2 t30_150M for the protein, each
``N × 640``. The paper's architecture, as implemented here:

1. two parallel feed-forward projections (RNA and protein) to ``d_model = 256``;
2. one transformer encoder layer (``d_model`` 256, 2 attention heads) applied to the RNA and
   protein tokens together — the same weights for both molecules, so that each attends to the
   other and both have equal influence ("treat them symmetrically");
3. the RNA part and the protein part of the encoder output are each mean-pooled over their real
   tokens (padding masked) and concatenated (512);
4. a deep feed-forward network of 20 layers (ReLU, dropout 0.3) and a final linear layer;
   the sigmoid is in the loss (``BCEWithLogitsLoss``) and applied at prediction time.
   The 20 layers get He initialization (He et al. 2015): with PyTorch's default initialization
   the signal shrinks layer by layer and the network did not learn a planted toy signal
   (AUROC 0.60 after 30 epochs; tests/test_models.py has the toy problem). Even so, with the
   paper's dropout 0.3 after every one of the 20 layers the toy problem is not learned (train
   loss stays at ln 2, AUROC 0.37 after 30 epochs at lr 3e-3), while ``head_dropout`` 0.1 reaches
   0.97 and 0 reaches 0.99 — consistent with the paper's ablation models that all collapsed to
   predicting the negative class (§5.2). ``head_dropout`` is therefore its own parameter.

The paper states ≈ 1.4M parameters but not the widths of the encoder's feed-forward block or of
the 20-layer network. Here the encoder's feed-forward width is 4 × ``d_model`` = 1024 (Vaswani
et al. 2017) and the 20 layers are 112 wide, which gives 1,415,985 parameters with 640-d inputs.
Training (C.1): AdamW, lr 1e-3, weight decay 0.1, 1,000 linear warm-up steps then cosine
annealing, 90 epochs, batch 64, three seeds — :class:`rnainteract.models.trainer.TrainerConfig`.

Ablations of §5.2 change the inputs, not the model: ``one_hot`` (one-hot RNA and protein
tokens), ``random_protein`` / ``rna_random`` (one molecule's embedding replaced by random vectors
of the same size); :func:`ablation_inputs` builds them.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from rnainteract.models.inputs import TOKEN_VIEW, PairInputs, pair_indices, validation_split
from rnainteract.models.trainer import fit, predict, seed_everything, trainer_config

# App. C.1
D_MODEL = 256
N_HEADS = 2
DROPOUT = 0.3
N_HEAD_LAYERS = 20
# not given in the paper (see the module docstring)
ENCODER_FF = 4 * D_MODEL
HEAD_WIDTH = 112

ABLATIONS = ("none", "one_hot", "random_protein", "rna_random")


class RPIembeddor(nn.Module):
    """RPIembeddor.

    Args:
        rna_dim, protein_dim: widths of the RNA and protein token embeddings (640 in the paper).
        dropout: of the encoder layer; head_dropout: after each of the 20 head layers (the
            paper gives one rate, 0.3, for the model).

    ``forward(rna, rna_mask, protein, protein_mask)``: ``rna`` ``(B, Lr, rna_dim)`` float32,
    ``rna_mask`` ``(B, Lr)`` bool (True = real token), the same for the protein; returns ``(B,)``
    logits. A row needs at least one real token per molecule.
    """

    def __init__(
        self,
        rna_dim: int = 640,
        protein_dim: int = 640,
        *,
        d_model: int = D_MODEL,
        n_heads: int = N_HEADS,
        encoder_ff: int = ENCODER_FF,
        head_width: int = HEAD_WIDTH,
        n_head_layers: int = N_HEAD_LAYERS,
        dropout: float = DROPOUT,
        head_dropout: float = DROPOUT,
    ):
        super().__init__()
        self.rna_projection = nn.Linear(rna_dim, d_model)
        self.protein_projection = nn.Linear(protein_dim, d_model)
        self.encoder = nn.TransformerEncoderLayer(
            d_model, n_heads, dim_feedforward=encoder_ff, dropout=dropout, batch_first=True
        )
        layers: list[nn.Module] = []
        width = 2 * d_model
        for _ in range(n_head_layers):
            layers += [nn.Linear(width, head_width), nn.ReLU(), nn.Dropout(head_dropout)]
            width = head_width
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)
        for layer in self.head:
            if isinstance(layer, nn.Linear):  # He initialization: 20 ReLU layers stay trainable
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)

    def forward(self, rna, rna_mask, protein, protein_mask):
        tokens = torch.cat([self.rna_projection(rna), self.protein_projection(protein)], dim=1)
        mask = torch.cat([rna_mask, protein_mask], dim=1)
        encoded = self.encoder(tokens, src_key_padding_mask=~mask)
        n_rna = rna.shape[1]
        pooled = [
            _masked_mean(encoded[:, :n_rna], rna_mask),
            _masked_mean(encoded[:, n_rna:], protein_mask),
        ]
        return self.head(torch.cat(pooled, dim=1)).squeeze(1)


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(x.dtype)
    return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


RNA_ONE_HOT = "ACGU"
PROTEIN_ONE_HOT = "ACDEFGHIKLMNPQRSTVWY"


def one_hot_tokens(sequence: str, alphabet: str) -> np.ndarray:
    """One-hot token matrix ``(len(sequence), len(alphabet))`` float32; a letter outside the
    alphabet (``N``, ``X``, …) is an all-zero row (the position is kept)."""
    index = {letter: i for i, letter in enumerate(alphabet)}
    out = np.zeros((len(sequence), len(alphabet)), dtype=np.float32)
    for pos, letter in enumerate(sequence.upper()):
        if letter in index:
            out[pos, index[letter]] = 1.0
    return out


def ablation_inputs(
    ablation: str,
    rna: list[np.ndarray],
    protein: list[np.ndarray],
    *,
    rna_sequences: list[str] | None = None,
    protein_sequences: list[str] | None = None,
    seed: int = 0,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The per-token inputs of an ablation of §5.2.

    Args:
        ablation: ``none`` (inputs unchanged), ``one_hot`` (one-hot tokens of the sequences,
            which must be given), ``random_protein`` (protein embeddings replaced by standard
            normal vectors of the same shape: the model sees the RNA embedding only) or
            ``rna_random`` (the RNA embeddings replaced).
        rna, protein: per-token matrices ``(L_i, dim)`` per item.

    Raises:
        ValueError: unknown ablation, or ``one_hot`` without sequences.
    """
    if ablation not in ABLATIONS:
        raise ValueError(f"ablation must be one of {ABLATIONS}, got {ablation!r}")
    rng = np.random.default_rng(seed)

    def noise(items):
        return [rng.standard_normal(m.shape).astype(np.float32) for m in items]

    if ablation == "none":
        return rna, protein
    if ablation == "random_protein":
        return rna, noise(protein)
    if ablation == "rna_random":
        return noise(rna), protein
    if rna_sequences is None or protein_sequences is None:
        raise ValueError("the one_hot ablation needs the RNA and protein sequences")
    return (
        [one_hot_tokens(s, RNA_ONE_HOT) for s in rna_sequences],
        [one_hot_tokens(s, PROTEIN_ONE_HOT) for s in protein_sequences],
    )


def pad_tokens(
    items: list[np.ndarray], max_length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-token matrices into a padded batch.

    Args:
        items: ``(L_i, dim)`` float arrays.
        max_length: keep at most this many leading tokens of each item (``None``: the longest).

    Returns:
        ``(n, L, dim)`` float32 and the ``(n, L)`` bool mask of real tokens.

    Raises:
        ValueError: no items, an empty item, or items of different widths.
    """
    if not items:
        raise ValueError("no items to pad")
    dims = {m.shape[1] for m in items}
    if len(dims) != 1:
        raise ValueError(f"token matrices of different widths: {sorted(dims)}")
    if any(len(m) == 0 for m in items):
        raise ValueError("an item has no tokens")
    longest = max(len(m) for m in items)
    length = min(longest, max_length) if max_length else longest
    out = np.zeros((len(items), length, dims.pop()), dtype=np.float32)
    mask = np.zeros((len(items), length), dtype=bool)
    for i, m in enumerate(items):
        n = min(len(m), length)
        out[i, :n] = m[:n]
        mask[i, :n] = True
    return out, mask


class _TokenTables(nn.Module):
    """RPIembeddor over per-molecule token tables: ``forward(rna_row, protein_row)`` gathers the
    pairs' token matrices, pads them to the longest in the batch and runs the model. The tables
    are plain attributes (not buffers), so checkpoints hold the weights only."""

    def __init__(self, model: RPIembeddor, rna: list[np.ndarray], protein: list[np.ndarray]):
        super().__init__()
        self.model = model
        self.rna = [torch.tensor(m, dtype=torch.float32) for m in rna]  # copies (read-only
        self.protein = [torch.tensor(m, dtype=torch.float32) for m in protein]  # Arrow views)

    @staticmethod
    def _batch(table: list[torch.Tensor], rows: torch.Tensor):
        items = [table[i] for i in rows.tolist()]
        padded = nn.utils.rnn.pad_sequence(items, batch_first=True)
        lengths = torch.tensor([len(m) for m in items])
        mask = torch.arange(padded.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
        return padded, mask

    def forward(self, rna_row: torch.Tensor, protein_row: torch.Tensor) -> torch.Tensor:
        rna, rna_mask = self._batch(self.rna, rna_row)
        protein, protein_mask = self._batch(self.protein, protein_row)
        return self.model(rna, rna_mask, protein, protein_mask)


class RPIembeddorClassifier(ClassifierMixin, BaseEstimator):
    """RPIembeddor trained with the zoo's trainer, on pair indices
    (:mod:`rnainteract.models.inputs`).

    Reads the ``tokens`` views of :class:`~rnainteract.models.inputs.PairInputs` (the sequences
    for the ``one_hot`` ablation). Each molecule keeps at most ``max_length`` leading tokens
    (``None``: all the embedder stored, i.e. up to its 1,022-residue window); batches are padded
    to their longest member and the padding is masked.

    Args:
        inputs: the dataset's views. ablation: :data:`ABLATIONS` (§5.2).
        d_model, n_heads, encoder_ff, head_width, n_head_layers, dropout, head_dropout: the
            architecture (:class:`RPIembeddor`).
        lr, weight_decay, warmup_steps, max_epochs, batch_size, patience: the trainer's
            (App. C.1: 1e-3, 0.1, 1,000, 90, 64; early stopping is rnainteract's).
        validation_fraction: share of the training pairs held out for early stopping
            (stratified, seeded; whole groups of ``inputs.validation_groups`` if set;
            :func:`~rnainteract.models.inputs.validation_split`).
        seed: initial weights, batch order, validation cut and ablation noise. threads: torch.

    ``fit(X, y)``: ``X`` pair indices, ``y`` ``(n,)`` 0/1. ``predict_proba(X)``: ``(n, 2)``.
    Fitted attributes: ``module_``, ``history_``, ``trainer_config_``, ``classes_``,
    ``validation_pairs_`` (int64 pair indices of the early-stopping validation part).

    Raises:
        ValueError: unknown ablation; a molecule without tokens.
    """

    def __init__(
        self,
        inputs: PairInputs,
        *,
        ablation: str = "none",
        max_length: int | None = None,
        d_model: int = D_MODEL,
        n_heads: int = N_HEADS,
        encoder_ff: int = ENCODER_FF,
        head_width: int = HEAD_WIDTH,
        n_head_layers: int = N_HEAD_LAYERS,
        dropout: float = DROPOUT,
        head_dropout: float = DROPOUT,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        warmup_steps: int = 1000,
        max_epochs: int = 90,
        batch_size: int = 64,
        patience: int | None = 10,
        validation_fraction: float = 0.1,
        seed: int = 0,
        threads: int = 1,
    ):
        self.inputs = inputs
        self.ablation = ablation
        self.max_length = max_length
        self.d_model = d_model
        self.n_heads = n_heads
        self.encoder_ff = encoder_ff
        self.head_width = head_width
        self.n_head_layers = n_head_layers
        self.dropout = dropout
        self.head_dropout = head_dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.threads = threads

    def _tables(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        inp = self.inputs
        if self.ablation == "one_hot":
            rna, protein = ablation_inputs(
                "one_hot",
                [],
                [],
                rna_sequences=inp.rna_sequences,
                protein_sequences=inp.protein_sequences,
            )
        else:
            rna, protein = ablation_inputs(
                self.ablation,
                list(inp.view("rna", TOKEN_VIEW)),
                list(inp.view("protein", TOKEN_VIEW)),
                seed=self.seed,
            )
        cut = self.max_length
        rna = [m[:cut] if cut else m for m in rna]
        protein = [m[:cut] if cut else m for m in protein]
        for name, table in (("RNA", rna), ("protein", protein)):
            empty = [i for i, m in enumerate(table) if len(m) == 0]
            if empty:
                raise ValueError(f"{len(empty)} {name}(s) have no tokens (rows {empty[:5]})")
        return rna, protein

    def fit(self, X, y) -> RPIembeddorClassifier:
        y = np.asarray(y).astype(np.float32)
        rna_row, protein_row = self.inputs.rows(X)
        self.classes_ = np.array([0, 1])
        rna, protein = self._tables()
        seed_everything(self.seed)  # initial weights
        model = self._network(rna[0].shape[1], protein[0].shape[1])
        self.module_ = _TokenTables(model, rna, protein)
        self.tables_of_ = self.inputs
        pairs = pair_indices(X)
        train, val = validation_split(
            y, self.validation_fraction, self.seed, groups=self.inputs.validation_groups_of(pairs)
        )
        self.validation_pairs_ = pairs[val]
        config = trainer_config(self)
        rows = [rna_row, protein_row]
        self.history_ = fit(
            self.module_,
            [r[train] for r in rows],
            y[train],
            config,
            validation=([r[val] for r in rows], y[val]) if len(val) else None,
        )
        self.trainer_config_ = dataclasses.asdict(config)
        return self

    def decision_function(self, X) -> np.ndarray:
        """Logits ``(n,)`` float32 of the pairs ``X`` of :attr:`inputs` (token tables rebuilt
        when ``inputs`` was replaced since ``fit``, e.g. by a final model's new molecules)."""
        rna_row, protein_row = self.inputs.rows(X)
        torch.set_num_threads(max(1, self.threads))
        if getattr(self, "tables_of_", None) is not self.inputs:
            self.module_ = _TokenTables(self.module_.model, *self._tables())
            self.tables_of_ = self.inputs
        return predict(self.module_, [rna_row, protein_row], batch_size=self.batch_size)

    def _network(self, rna_dim: int, protein_dim: int) -> RPIembeddor:
        return RPIembeddor(
            rna_dim,
            protein_dim,
            d_model=self.d_model,
            n_heads=self.n_heads,
            encoder_ff=self.encoder_ff,
            head_width=self.head_width,
            n_head_layers=self.n_head_layers,
            dropout=self.dropout,
            head_dropout=self.head_dropout,
        )

    def fitted_state(self) -> dict:
        """What a saved final model keeps (:mod:`rnainteract.models.persist`): ``torch``
        (the network's state dict); nothing else (the input widths are its projections')."""
        return {"torch": {"model": self.module_.model.state_dict()}, "sklearn": {}, "meta": {}}

    def load_fitted_state(self, state: dict) -> RPIembeddorClassifier:
        """Rebuild the fitted network from :meth:`fitted_state` (eval mode); token tables are
        built from :attr:`inputs` when scoring."""
        weights = state["torch"]["model"]
        model = self._network(
            weights["rna_projection.weight"].shape[1], weights["protein_projection.weight"].shape[1]
        )
        model.load_state_dict(weights)
        self.module_ = _TokenTables(model.eval(), [], [])
        self.tables_of_ = None
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X).astype(np.float64)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int8)


def build_rpiembeddor(
    params: dict, *, seed: int, threads: int = 1, inputs: PairInputs
) -> RPIembeddorClassifier:
    """:class:`RPIembeddorClassifier` with ``params`` (its keyword arguments).

    Raises:
        ValueError: a parameter it does not take, or an unknown ablation.
    """
    allowed = set(inspect.signature(RPIembeddorClassifier).parameters) - {
        "inputs",
        "seed",
        "threads",
    }
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"rpiembeddor: unknown parameter(s) {unknown}; known: {sorted(allowed)}")
    if params.get("ablation", "none") not in ABLATIONS:
        raise ValueError(f"rpiembeddor: ablation must be one of {ABLATIONS}")
    return RPIembeddorClassifier(inputs, **params, seed=seed, threads=threads)
