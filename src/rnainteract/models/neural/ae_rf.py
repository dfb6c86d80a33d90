"""AE_RF: embeddings → autoencoder code → random forest, the model that Tree SHAP explains.

Source: the ESM2_AMP README ("Feature attribution interpretable method": "The features obtained
from ESM2 are fed into an autoencoder for dimensionality reduction to derive a new feature
representation, which is then input into a random forest model. This process is named AE_RF and
serves as the underlying model for Tree SHAP"). The README gives no architecture, so the choices
here are ours:

- Pair feature: the RNA's row of a pooled view (``mean``, ``cls``, ``eos``, or a feature-set
  view) concatenated with the protein's row of the same view; for ``segments`` each molecule's
  ``(10, D)`` block is flattened row by row to ``10 * D`` columns.
- Standardization with the training pairs' column means and standard deviations
  (``StandardScaler``, which ignores NaN when fitting). NaN entries — the empty segments of
  molecules shorter than 10 residues — are set to 0 *after* standardizing, i.e. to the training
  mean of their column, so an empty segment reads as an average one.
- Autoencoder: encoder ``D → hidden → code_size``, decoder ``code_size → hidden → D``; ReLU
  after each hidden layer, linear code and linear reconstruction (standardized inputs are
  signed); He (Kaiming-normal, fan-in) initial weights and zero biases; mean squared
  reconstruction error; trained with the zoo's shared trainer
  (:func:`rnainteract.models.trainer.fit`) on the training pairs, with early stopping on a
  stratified, seeded validation cut, of whole RNA and/or protein groups in a cold split
  (:func:`rnainteract.models.inputs.validation_split`).
- Random forest (``RandomForestClassifier``) on the codes of *all* training pairs: the
  validation cut only decides when the (unsupervised) autoencoder stops.

:func:`tree_shap_importance` explains the forest's codes with ``shap.TreeExplainer`` and
attributes the prediction to the RNA and protein input blocks (exact two-block Shapley values of
the whole model, and the code importances passed back through the encoder's Jacobian);
:func:`plot_shap_summary` draws both.
"""

from __future__ import annotations

import inspect
import logging
import os

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from torch import nn

from rnainteract.io.files import atomic_path
from rnainteract.models.inputs import (
    SEGMENT_VIEW,
    TOKEN_VIEW,
    PairInputs,
    pair_indices,
    validation_split,
)
from rnainteract.models.trainer import TrainerConfig, fit, predict, seed_everything

log = logging.getLogger(__name__)

MOLECULES = ("rna", "protein")
TOP_CODES = 20  # code dimensions drawn by plot_shap_summary
BLOCK_CHUNK = 2**22  # float32 entries of hybrid pair features built at once (16 MiB)


class _Autoencoder(nn.Module):
    """``D → hidden → code → hidden → D``; ReLU on the hidden layers, He-initialized."""

    def __init__(self, n_in: int, hidden: int, code_size: int):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, code_size)
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, hidden), nn.ReLU(), nn.Linear(hidden, n_in)
        )
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class AERFClassifier(ClassifierMixin, BaseEstimator):
    """AE_RF (ESM2_AMP README): autoencoder code of the pair's embeddings → random forest.

    Args:
        inputs: the dataset's molecule views and pair → row maps; ``X`` indexes its pairs.
        view: the view read for both molecules: ``mean``, ``cls``, ``eos``, ``segments`` or a
            2-d feature-set view present under the same name for RNA and protein.
        code_size: width of the autoencoder's code (the forest's features).
        hidden: width of the encoder's and decoder's hidden layer.
        ae_epochs: autoencoder epochs at most (early stopping may end sooner).
        lr, weight_decay, batch_size: AdamW settings of the autoencoder (cosine schedule, no
            warm-up).
        validation_fraction: share of the training pairs held out for early stopping
            (whole groups of ``inputs.validation_groups`` if set; 0: none, train all
            ``ae_epochs``).
        patience: epochs without a lower validation loss before stopping.
        n_estimators: trees of the forest.
        seed: seeds the initial weights, the batch order, the validation cut and the forest.
        threads: torch CPU threads and the forest's ``n_jobs``.

    ``fit(X, y)``: ``X`` ``(n,)`` or ``(n, 1)`` int64 pair indices, ``y`` ``(n,)`` 0/1.
    ``predict_proba(X) -> (n, 2)`` float64; ``encode(X) -> (n, code_size)`` float32.

    Fitted attributes: ``classes_`` (``[0, 1]``), ``scaler_``, ``autoencoder_``, ``forest_``,
    ``history_`` (the trainer's per-epoch history), ``blocks_`` (block name such as
    ``rna:mean`` → its column slice of the pair feature), ``validation_pairs_`` (int64 pair
    indices of the early-stopping validation part).
    """

    def __init__(
        self,
        inputs: PairInputs,
        *,
        view: str = "mean",
        code_size: int = 32,
        hidden: int = 128,
        ae_epochs: int = 100,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 64,
        validation_fraction: float = 0.1,
        patience: int = 10,
        n_estimators: int = 100,
        seed: int = 0,
        threads: int = 1,
    ):
        self.inputs = inputs
        self.view = view
        self.code_size = code_size
        self.hidden = hidden
        self.ae_epochs = ae_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_estimators = n_estimators
        self.seed = seed
        self.threads = threads

    # -- pair features ---------------------------------------------------------------------
    def _molecule_rows(self, molecule: str, rows: np.ndarray) -> np.ndarray:
        """``(n, width)`` float32 rows of one molecule's view (segments flattened)."""
        if self.view == TOKEN_VIEW:
            raise ValueError(
                f"AE_RF reads one vector per molecule; view {TOKEN_VIEW!r} is per-token "
                "(use mean, cls, eos or segments)"
            )
        values = np.asarray(self.inputs.view(molecule, self.view), dtype=np.float32)
        if self.view == SEGMENT_VIEW:
            if values.ndim != 3:
                raise ValueError(
                    f"{molecule} view {SEGMENT_VIEW!r} must be (n, 10, D), got {values.shape}"
                )
            values = values.reshape(len(values), -1)
        elif values.ndim != 2:
            raise ValueError(
                f"{molecule} view {self.view!r} must be (n_molecules, D), got {values.shape}"
            )
        return values[rows]

    def _pair_features(self, X) -> tuple[np.ndarray, dict[str, slice]]:
        """Raw ``(n, D_rna + D_protein)`` float32 pair features (NaN kept) and the blocks."""
        rna_rows, protein_rows = self.inputs.rows(X)
        parts = [self._molecule_rows("rna", rna_rows), self._molecule_rows("protein", protein_rows)]
        blocks, start = {}, 0
        for molecule, part in zip(MOLECULES, parts, strict=True):
            blocks[f"{molecule}:{self.view}"] = slice(start, start + part.shape[1])
            start += part.shape[1]
        return np.hstack(parts), blocks

    def _standardized(self, X) -> np.ndarray:
        """Standardized pair features, NaN → 0 (the training mean), ``(n, D)`` float32."""
        check_is_fitted(self, "forest_")
        raw, _ = self._pair_features(X)
        return np.nan_to_num(self.scaler_.transform(raw), nan=0.0).astype(np.float32)

    # -- scikit-learn API ------------------------------------------------------------------
    def fit(self, X, y) -> AERFClassifier:
        """Train the autoencoder on the pairs ``X``, then the forest on their codes.

        Raises:
            ValueError: ``y`` not 0/1 with both classes, lengths differ, or a bad view.
            IndexError: a pair index out of range.
        """
        pairs = pair_indices(X)
        y = np.asarray(y)
        if len(y) != len(pairs):
            raise ValueError(f"X has {len(pairs)} pairs but y has {len(y)} labels")
        labels = set(np.unique(y).tolist())
        if labels != {0, 1}:
            raise ValueError(f"y must hold both labels 0 and 1 and nothing else, got {labels}")
        y = y.astype(np.int64)
        raw, self.blocks_ = self._pair_features(pairs)
        self.scaler_ = StandardScaler().fit(raw)
        z = np.nan_to_num(self.scaler_.transform(raw), nan=0.0).astype(np.float32)
        train, held = validation_split(
            y, self.validation_fraction, self.seed, groups=self.inputs.validation_groups_of(pairs)
        )
        self.validation_pairs_ = pairs[held]
        seed_everything(self.seed)  # the autoencoder's initial weights
        self.autoencoder_ = _Autoencoder(z.shape[1], self.hidden, self.code_size)
        config = TrainerConfig(
            lr=self.lr,
            weight_decay=self.weight_decay,
            warmup_steps=0,
            cosine=True,
            max_epochs=self.ae_epochs,
            batch_size=self.batch_size,
            patience=self.patience,
            loss="mse",
            seed=self.seed,
            threads=self.threads,
        )
        validation = ([z[held]], z[held]) if len(held) else None
        self.history_ = fit(self.autoencoder_, [z[train]], z[train], config, validation=validation)
        self.autoencoder_.eval()
        log.info(
            "AE_RF autoencoder: %d epochs, last train MSE %.4f",
            len(self.history_),
            self.history_[-1]["train_loss"],
        )
        codes = predict(self.autoencoder_.encoder, [z])
        self.forest_ = RandomForestClassifier(
            n_estimators=self.n_estimators, random_state=self.seed, n_jobs=self.threads
        ).fit(codes, y)
        self.classes_ = self.forest_.classes_
        return self

    def fitted_state(self) -> dict:
        """What a saved final model keeps (:mod:`rnainteract.models.persist`): ``torch`` (the
        autoencoder's state dict), ``sklearn`` (scaler and forest; the scaler's width is the
        autoencoder's) and ``meta`` (the column blocks)."""
        return {
            "torch": {"autoencoder": self.autoencoder_.state_dict()},
            "sklearn": {"scaler": self.scaler_, "forest": self.forest_},
            "meta": {"blocks": {k: [v.start, v.stop] for k, v in self.blocks_.items()}},
        }

    def load_fitted_state(self, state: dict) -> AERFClassifier:
        """Rebuild the fitted autoencoder, scaler and forest from :meth:`fitted_state`."""
        self.scaler_, self.forest_ = state["sklearn"]["scaler"], state["sklearn"]["forest"]
        n_in = int(self.scaler_.n_features_in_)
        self.autoencoder_ = _Autoencoder(n_in, self.hidden, self.code_size)
        self.autoencoder_.load_state_dict(state["torch"]["autoencoder"])
        self.autoencoder_.eval()
        self.blocks_ = {k: slice(a, b) for k, (a, b) in state["meta"]["blocks"].items()}
        self.classes_ = self.forest_.classes_
        return self

    def encode(self, X) -> np.ndarray:
        """The autoencoder codes of the pairs ``X``: ``(n, code_size)`` float32."""
        return predict(self.autoencoder_.encoder, [self._standardized(X)]).astype(np.float32)

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)`` float64: the forest's probabilities of labels 0 and 1."""
        check_is_fitted(self, "forest_")
        return self.forest_.predict_proba(self.encode(X))

    def predict(self, X) -> np.ndarray:
        """``(n,)`` int64 labels: 1 where the probability of 1 exceeds 0.5."""
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)]

    def explain(self, X) -> pd.DataFrame:
        """Per-pair explanation (registry method ``tree_shap``): the per-sample columns of
        :func:`tree_shap_importance` (``pair_index``, then the SHAP value of each code and of
        the RNA and protein blocks), without its base values."""
        per_sample, _ = tree_shap_importance(self, X)
        drop = [c for c in ("expected_value", "block_base_value") if c in per_sample]
        return per_sample.drop(columns=drop)


def build_ae_rf(params: dict, *, seed: int, threads: int = 1, inputs: PairInputs):
    """AE_RF on ``inputs``; ``params`` are :class:`AERFClassifier` keyword arguments other
    than ``inputs``, ``seed`` and ``threads``.

    Raises:
        ValueError: ``params`` names an argument the model does not have (naming them).
    """
    known = set(inspect.signature(AERFClassifier.__init__).parameters) - {
        "self",
        "inputs",
        "seed",
        "threads",
    }
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"unknown ae_rf params {unknown}; known: {sorted(known)}")
    return AERFClassifier(inputs, **params, seed=seed, threads=threads)


# -- Tree SHAP ----------------------------------------------------------------------------
def _class_one(values, expected, classes: np.ndarray) -> tuple[np.ndarray, float]:
    """SHAP values ``(n, k)`` and expected value of label 1, whatever shape shap returned:
    a list of per-class ``(n, k)`` arrays (shap < 0.45), an ``(n, k, n_classes)`` array
    (shap >= 0.45, 0.51 included), or a single ``(n, k)`` output."""
    position = int(np.flatnonzero(classes == 1)[0])
    expected = np.atleast_1d(np.asarray(expected, dtype=np.float64))
    if isinstance(values, list):
        return np.asarray(values[position], dtype=np.float64), float(expected[position])
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 3:
        return values[:, :, position], float(expected[position])
    if values.ndim == 2:
        return values, float(expected[-1])
    raise ValueError(f"unexpected SHAP values of shape {values.shape}")


def _block_sensitivity(encoder: nn.Module, z: np.ndarray, blocks: dict[str, slice]) -> np.ndarray:
    """``(code_size, n_blocks)``: per code dimension ``k`` and block ``B``, the mean over the
    rows of ``z`` of ``sum_{j in B} |d code_k / d z_j|`` (``z``: standardized inputs).

    The encoder treats rows independently, so the gradient of ``code_k`` summed over the rows
    holds each row's own gradient."""
    encoder.eval()
    x = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32)).requires_grad_(True)
    with torch.enable_grad():
        codes = encoder(x)
        n_codes = codes.shape[1]
        out = np.zeros((n_codes, len(blocks)))
        for k in range(n_codes):
            (grad,) = torch.autograd.grad(codes[:, k].sum(), x, retain_graph=k < n_codes - 1)
            magnitude = grad.abs()
            for b, columns in enumerate(blocks.values()):
                out[k, b] = float(magnitude[:, columns].sum(dim=1).mean())
    return out


def _block_shapley(
    estimator: AERFClassifier, z: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, float]:
    """Exact interventional Shapley values of the two input blocks (RNA, protein) for the
    probability of label 1, ``(n, 2)``, and the base value (mean over ``background``).

    ``v(S)`` for a pair ``x`` is the mean, over the background rows ``b``, of the model's
    probability on the hybrid whose blocks in ``S`` come from ``x`` and the others from ``b``;
    with two players ``phi_rna = ((v({rna}) - v({})) + (v({rna, protein}) - v({protein}))) / 2``
    and likewise for the protein, so ``phi_rna + phi_protein = f(x) - v({})`` exactly.
    """
    encoder, forest = estimator.autoencoder_.encoder, estimator.forest_
    position = int(np.flatnonzero(forest.classes_ == 1)[0])

    def proba(rows: np.ndarray) -> np.ndarray:
        return forest.predict_proba(predict(encoder, [rows]))[:, position]

    rna, protein = estimator.blocks_.values()
    n, m, width = len(z), len(background), z.shape[1]
    full, empty = proba(z), float(proba(background).mean())
    only = {"rna": np.empty(n), "protein": np.empty(n)}  # v({rna}), v({protein})
    step = max(1, BLOCK_CHUNK // (m * width))
    for start in range(0, n, step):
        chunk = z[start : start + step]
        for kept, replaced in (("rna", protein), ("protein", rna)):
            hybrid = np.repeat(chunk, m, axis=0)
            hybrid[:, replaced] = np.tile(background[:, replaced], (len(chunk), 1))
            only[kept][start : start + len(chunk)] = proba(hybrid).reshape(len(chunk), m).mean(1)
    phi_rna = 0.5 * ((only["rna"] - empty) + (full - only["protein"]))
    phi_protein = 0.5 * ((only["protein"] - empty) + (full - only["rna"]))
    return np.column_stack([phi_rna, phi_protein]), empty


def tree_shap_importance(
    estimator: AERFClassifier,
    X,
    *,
    max_samples: int = 500,
    background: int = 100,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tree SHAP of a fitted AE_RF's forest over the codes of the pairs ``X``, and the
    attribution of the prediction to the RNA and the protein input blocks.

    At most ``max_samples`` pairs are explained (a seeded uniform draw without replacement,
    kept in ``X``'s order). Every number is in units of the forest's probability of label 1.

    **Code dimensions** (``shap.TreeExplainer``, path-dependent, on the forest alone): per
    pair ``expected_value + sum_k code<k> == predict_proba(pair)[:, 1]``; a code's importance
    ``phi_k`` is its mean ``|SHAP|`` over the explained pairs.

    **Input blocks**, two numbers per block ``B`` (``rna:<view>``, ``protein:<view>``):

    * ``importance`` (used for the rank and the plot): mean over the explained pairs of
      ``|phi_B(x)|``, the exact interventional Shapley value of block ``B`` in the two-player
      game "which molecule's features the whole model (standardize → encoder → forest) sees":
      the other block is replaced by those of ``background`` pairs drawn (seeded) from ``X``.
      Per pair ``block_base_value + phi_rna + phi_protein == predict_proba(pair)[:, 1]``;
      an RNA × protein interaction effect is split equally between the two blocks.
    * ``jacobian_importance``: the code importances passed back through the encoder.
      ``s_kB`` = mean over the explained pairs of ``sum_{j in B} |d code_k / d z_j|`` (torch
      autograd; ``z`` the standardized inputs, so it is how far ``code_k`` moves, to first
      order, when every input of ``B`` moves by one training standard deviation), ``share_kB =
      s_kB / sum_B' s_kB'`` (the ``rna_share``/``protein_share`` columns of the code rows) and
      ``jacobian_importance_B = sum_k phi_k * share_kB``. It says what the *autoencoder* feeds
      into the informative codes, not what the forest reads in them: codes mix both blocks
      whatever the label, so when only some inputs of a block carry the signal this number
      stays near the blocks' width ratio. Prefer ``importance`` to compare RNA and protein.

    Args:
        estimator: a fitted :class:`AERFClassifier`.
        X: ``(n,)`` or ``(n, 1)`` pair indices to explain.
        max_samples: pairs explained at most. background: background pairs at most (block
            Shapley values cost ``2 * max_samples * background`` forest predictions).
        seed: seeds both draws.

    Returns:
        ``per_sample``, one row per explained pair: ``pair_index``; ``code0 … code{K-1}`` (Tree
        SHAP values) and ``expected_value``; ``rna:<view>``, ``protein:<view>`` (block Shapley
        values) and ``block_base_value``. ``summary``: one row per code dimension (``level``
        ``code``, ``name`` ``code<k>``, ``importance`` ``phi_k``, ``rna_share``,
        ``protein_share``), then one per input block (``level`` ``input_block``, ``name``,
        ``importance``, ``jacobian_importance``); ``rank`` 1 = largest ``importance`` within
        each level; columns a level does not define are NaN.

    Raises:
        sklearn.exceptions.NotFittedError: ``estimator`` is not fitted.
        ValueError: no pair to explain, or ``max_samples`` or ``background`` below 1.
    """
    import shap  # optional: only the interpretation needs it

    check_is_fitted(estimator, "forest_")
    pairs = pair_indices(X)
    if len(pairs) == 0 or max_samples < 1 or background < 1:
        raise ValueError(
            f"need pairs to explain, max_samples >= 1 and background >= 1; got {len(pairs)} "
            f"pairs, max_samples={max_samples}, background={background}"
        )
    rng = np.random.default_rng(seed)
    explained = pairs
    if len(pairs) > max_samples:
        explained = pairs[np.sort(rng.choice(len(pairs), size=max_samples, replace=False))]
    reference = pairs
    if len(pairs) > background:
        reference = pairs[np.sort(rng.choice(len(pairs), size=background, replace=False))]
    z = estimator._standardized(explained)
    codes = predict(estimator.autoencoder_.encoder, [z]).astype(np.float32)
    explainer = shap.TreeExplainer(estimator.forest_)
    values, expected = _class_one(
        explainer.shap_values(codes), explainer.expected_value, estimator.forest_.classes_
    )
    blocks = list(estimator.blocks_)
    block_values, block_base = _block_shapley(estimator, z, estimator._standardized(reference))

    names = [f"code{k}" for k in range(codes.shape[1])]
    per_sample = pd.DataFrame(values, columns=names)
    per_sample.insert(0, "pair_index", explained)
    per_sample["expected_value"] = expected
    for b, block in enumerate(blocks):
        per_sample[block] = block_values[:, b]
    per_sample["block_base_value"] = block_base

    phi = np.abs(values).mean(axis=0)
    sensitivity = _block_sensitivity(estimator.autoencoder_.encoder, z, estimator.blocks_)
    totals = sensitivity.sum(axis=1, keepdims=True)
    shares = np.divide(sensitivity, totals, out=np.zeros_like(sensitivity), where=totals > 0)
    code_rows = pd.DataFrame(
        {
            "level": "code",
            "name": names,
            "importance": phi,
            **{f"{block.split(':')[0]}_share": shares[:, b] for b, block in enumerate(blocks)},
        }
    )
    block_rows = pd.DataFrame(
        {
            "level": "input_block",
            "name": blocks,
            "importance": np.abs(block_values).mean(axis=0),
            "jacobian_importance": phi @ shares,
        }
    )
    summary = pd.concat([code_rows, block_rows], ignore_index=True)
    summary["rank"] = (
        summary.groupby("level")["importance"].rank(method="first", ascending=False).astype(int)
    )
    return per_sample, summary


def plot_shap_summary(
    per_sample: pd.DataFrame, summary: pd.DataFrame, out_png: str | os.PathLike
) -> None:
    """Write a PNG: mean ``|SHAP|`` of the top :data:`TOP_CODES` code dimensions (left) and
    the input blocks' ``importance`` (mean ``|block Shapley value|``, right), from
    :func:`tree_shap_importance`'s two tables.

    Drawn with matplotlib's Agg canvas (no pyplot, no global backend change); written
    atomically.

    Raises:
        ValueError: ``per_sample`` has no ``code<k>`` column or ``summary`` no block row.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    code_columns = [c for c in per_sample.columns if c.startswith("code") and c[4:].isdigit()]
    blocks = summary[summary["level"] == "input_block"]
    if not code_columns or blocks.empty:
        raise ValueError(
            "plot_shap_summary needs code<k> columns in per_sample and input_block rows in "
            f"summary; got columns {list(per_sample.columns)[:5]}… and {len(blocks)} block rows"
        )
    mean_abs = per_sample[code_columns].abs().mean().sort_values(ascending=False)
    top = mean_abs.iloc[:TOP_CODES][::-1]  # largest at the top of a horizontal bar chart

    fig = Figure(figsize=(9, max(3.0, 0.25 * len(top) + 1.0)), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, width_ratios=[2, 1])
    left.barh(top.index, top.values, color="#4c72b0")
    left.set_xlabel("mean |SHAP| (probability of interaction)")
    left.set_title(f"AE code dimensions (top {len(top)} of {len(code_columns)})")
    right.bar(blocks["name"], blocks["importance"], color=["#dd8452", "#55a868"][: len(blocks)])
    right.set_ylabel("mean |Shapley value|")
    right.set_title("input blocks (block Shapley)")
    right.tick_params(axis="x", labelrotation=20)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
