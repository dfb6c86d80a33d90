"""IPMiner (Pan, Fan, Yan & Shen, BMC Genomics 17:582, 2016), as a scikit-learn classifier.

What the paper and its code (github.com/xypan1232/IPMiner) do, and what is done here:

- Input: the RPISeq features of a pair — RNA 4-mer frequencies (256) and protein conjoint-triad
  3-mer frequencies (343) — standardized (``StandardScaler``).
- Stacked autoencoder, one per molecule: layer-wise pre-trained autoencoders
  ``input → 256 → 128 → 64``, sigmoid units, dropout 0.5, mean squared reconstruction error,
  Adam, 100 epochs, batch 100. Here the decoder of each layer is linear (the inputs are
  standardized, so a sigmoid decoder could not reconstruct the negative values) and dropout is
  applied to the code before decoding.
- Fine-tuning: the two encoders (dropout 0.5 between layers), each followed by PReLU,
  batch normalization and dropout 0.5, concatenated (64 + 64) → a linear output; SGD
  (lr 0.01, momentum 0.9, Nesterov), 100 epochs, batch 100. (Softmax over two classes there,
  one logit with binary cross-entropy here — the same model.)
- Three base predictors, each a random forest of 50 trees: on the pre-trained SAE codes, on the
  fine-tuned codes, and on the raw features. Stacked ensemble: a logistic regression fitted on
  3-fold out-of-fold probabilities of the three forests; at test time each forest's probability
  is the mean over its three fold models (the "blend" of the original code).

Epoch counts are parameters: the default config trains fewer epochs than the paper to keep the
main job short; config/paper.yaml has the paper's 100.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from torch import nn

from rnainteract.features.kmers import feature_size
from rnainteract.models.trainer import TrainerConfig, fit, predict, seed_everything


class _LayerAutoencoder(nn.Module):
    """One layer of the stack: sigmoid encoder, dropout on the code, linear decoder."""

    def __init__(self, n_in: int, n_out: int, dropout: float):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, n_out), nn.Sigmoid())
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(n_out, n_in)

    def forward(self, x):
        return self.decoder(self.dropout(self.encoder(x)))


class _Branch(nn.Module):
    """Pre-trained encoders of one molecule → PReLU → batch norm → dropout (fine-tuning)."""

    def __init__(self, encoders: list[nn.Module], width: int, dropout: float):
        super().__init__()
        layers: list[nn.Module] = []
        for i, encoder in enumerate(encoders):
            layers.append(encoder)
            if i < len(encoders) - 1:
                layers.append(nn.Dropout(dropout))
        layers += [nn.PReLU(width), nn.BatchNorm1d(width), nn.Dropout(dropout)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class _FineTuner(nn.Module):
    def __init__(self, rna: _Branch, protein: _Branch, width: int):
        super().__init__()
        self.rna, self.protein = rna, protein
        self.out = nn.Linear(2 * width, 1)

    def codes(self, rna, protein):
        return torch.cat([self.rna(rna), self.protein(protein)], dim=1)

    def forward(self, rna, protein):
        return self.out(self.codes(rna, protein)).squeeze(1)


class _Codes(nn.Module):
    """Adapter so that :func:`rnainteract.models.trainer.predict` returns the fine-tuned codes."""

    def __init__(self, tuner: _FineTuner):
        super().__init__()
        self.tuner = tuner

    def forward(self, rna, protein):
        return self.tuner.codes(rna, protein)


class IPMinerClassifier(ClassifierMixin, BaseEstimator):
    """IPMiner: stacked autoencoders + random forests + a logistic-regression stack.

    Args:
        n_rna_features: the first ``n_rna_features`` columns of ``X`` are the RNA's, the rest
            the protein's (256 RNA 4-mers then 343 conjoint triads for the RPISeq features).
        hidden: widths of the stacked autoencoder (paper: 256, 128, 64).
        ae_epochs, finetune_epochs: epochs of each pre-training layer and of fine-tuning (100).
        batch_size: 100. dropout: 0.5. n_estimators: trees per forest (50).
        stack_folds: folds of the out-of-fold blend (3).
        random_state: seeds torch, the forests and the blend folds. n_jobs: threads.

    ``fit(X, y)``: ``X`` ``(n, n_rna_features + n_protein)`` float32, ``y`` ``(n,)`` 0/1.
    ``predict_proba(X)``: ``(n, 2)``.
    """

    def __init__(
        self,
        n_rna_features: int = 256,
        hidden: tuple[int, ...] = (256, 128, 64),
        ae_epochs: int = 100,
        finetune_epochs: int = 100,
        batch_size: int = 100,
        dropout: float = 0.5,
        n_estimators: int = 50,
        stack_folds: int = 3,
        random_state: int = 0,
        n_jobs: int = 1,
    ):
        self.n_rna_features = n_rna_features
        self.hidden = hidden
        self.ae_epochs = ae_epochs
        self.finetune_epochs = finetune_epochs
        self.batch_size = batch_size
        self.dropout = dropout
        self.n_estimators = n_estimators
        self.stack_folds = stack_folds
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- stacked autoencoder -------------------------------------------------------------
    def _config(self, epochs: int, **kw) -> TrainerConfig:
        base = dict(
            lr=1e-3,
            weight_decay=0.0,  # AdamW without decay is Adam, as in the paper
            warmup_steps=0,
            cosine=False,
            max_epochs=epochs,
            batch_size=self.batch_size,
            patience=None,
            seed=self.random_state,
            threads=self.n_jobs,
        )
        return TrainerConfig(**{**base, **kw})

    def _pretrain(self, x: np.ndarray, offset: int) -> list[nn.Module]:
        encoders, current = [], x
        widths = [x.shape[1], *self.hidden]
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            ae = _LayerAutoencoder(n_in, n_out, self.dropout)
            config = self._config(self.ae_epochs, loss="mse", seed=self.random_state + offset + i)
            fit(ae, [current], current, config)
            encoders.append(ae.encoder)
            current = predict(ae.encoder, [current])
        return encoders

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Xs = self.scaler_.transform(X).astype(np.float32)
        return Xs[:, : self.n_rna_features], Xs[:, self.n_rna_features :]

    def _views(self, X: np.ndarray) -> list[np.ndarray]:
        rna, protein = self._split(X)
        sae = np.hstack([_encode(self.pre_rna_, rna), _encode(self.pre_protein_, protein)])
        tuned = predict(_Codes(self.tuner_), [rna, protein])
        return [sae, tuned, np.hstack([rna, protein])]

    def _forest(self, seed: int) -> RandomForestClassifier:
        return RandomForestClassifier(
            n_estimators=self.n_estimators, random_state=seed, n_jobs=self.n_jobs
        )

    def fit(self, X: np.ndarray, y: np.ndarray) -> IPMinerClassifier:
        X = np.asarray(X, dtype=np.float32)
        y = np.asarray(y).astype(np.int64)
        if not 0 < self.n_rna_features < X.shape[1]:
            raise ValueError(
                f"n_rna_features={self.n_rna_features} must split the {X.shape[1]} columns"
            )
        self.classes_ = np.array([0, 1])
        seed_everything(self.random_state)  # the layers' initial weights
        self.scaler_ = StandardScaler().fit(X)
        rna, protein = self._split(X)
        rna_encoders = self._pretrain(rna, 0)
        protein_encoders = self._pretrain(protein, 100)
        # fine-tuning updates the encoders in place: keep copies for the pre-trained view
        self.pre_rna_ = [copy.deepcopy(e).eval() for e in rna_encoders]
        self.pre_protein_ = [copy.deepcopy(e).eval() for e in protein_encoders]
        width = self.hidden[-1]
        self.tuner_ = _FineTuner(
            _Branch(rna_encoders, width, self.dropout),
            _Branch(protein_encoders, width, self.dropout),
            width,
        )
        fit(
            self.tuner_,
            [rna, protein],
            y.astype(np.float32),
            self._config(self.finetune_epochs, optimizer="sgd", lr=0.01, seed=self.random_state),
        )
        views = self._views(X)
        folds = StratifiedKFold(self.stack_folds, shuffle=True, random_state=self.random_state)
        blend = np.zeros((len(y), len(views)))
        self.forests_: list[list[RandomForestClassifier]] = [[] for _ in views]
        for f, (tr, va) in enumerate(folds.split(views[0], y)):
            for j, view in enumerate(views):
                forest = self._forest(self.random_state + 10 * f + j).fit(view[tr], y[tr])
                blend[va, j] = forest.predict_proba(view[va])[:, 1]
                self.forests_[j].append(forest)
        self.stack_ = LogisticRegression(random_state=self.random_state).fit(blend, y)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        views = self._views(np.asarray(X, dtype=np.float32))
        blend = np.column_stack(
            [
                np.mean([f.predict_proba(view)[:, 1] for f in forests], axis=0)
                for view, forests in zip(views, self.forests_, strict=True)
            ]
        )
        return self.stack_.predict_proba(blend)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int8)


def _encode(encoders: list[nn.Module], x: np.ndarray) -> np.ndarray:
    for encoder in encoders:
        x = predict(encoder, [x])
    return x


def build_ipminer(params: dict, *, seed: int, threads: int = 1) -> IPMinerClassifier:
    """IPMiner on its registered features (``MODEL_FEATURES["ipminer"]``: RNA columns first);
    ``params`` are :class:`IPMinerClassifier` keyword arguments."""
    from rnainteract.models.registry import (
        MODEL_FEATURES,
    )  # the registry imports this module lazily

    params = {**params}
    if "hidden" in params:
        params["hidden"] = tuple(params["hidden"])
    return IPMinerClassifier(
        n_rna_features=feature_size(MODEL_FEATURES["ipminer"][0]),
        **params,
        random_state=seed,
        n_jobs=threads,
    )
