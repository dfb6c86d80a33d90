"""ESM2_AMP family (rnainteract.models.neural.esm2_amp) on a planted toy problem.

Toy data (made here, seeded): 40 RNAs (16-d) and 30 proteins (24-d), each of a hidden class
0/1 that shifts its first four features by ±1.5; segments are the molecule's base vector plus
noise, ``cls`` a noisy copy of it, ``eos`` pure noise, ``mean`` the segments' mean. A pair
interacts when its RNA and protein classes are equal (an XOR-type rule: no single molecule
predicts the label). RNAs 0–4 lack segments 6–9 and proteins 0–2 segments 8–9 (NaN rows, as
for molecules shorter than 10 residues).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from rnainteract.models.inputs import PairInputs, validation_split
from rnainteract.models.neural.esm2_amp import (
    ESM2AMPCSE,
    ESM2AMPS,
    ESM2DPM,
    ESM2AMPClassifier,
    attention_importance,
    build_esm2_amp_cse,
    build_esm2_amps,
    build_esm2_dpm,
)
from rnainteract.models.tuning import tune_learning_rate

N_RNA, N_PROTEIN, D_RNA, D_PROTEIN = 40, 30, 16, 24
SHORT_RNAS, RNA_MISSING = range(5), range(6, 10)
SHORT_PROTEINS, PROTEIN_MISSING = range(3), range(8, 10)
SMALL = dict(d_model=32, n_heads=2, ff_width=64, mlp_widths=(32, 16), dnn_widths=(32, 16))
EPOCHS = {"amps": 8, "amp_cse": 8, "dpm": 30}


def _molecules(rng, n, d, classes, missing_rows, missing_slots):
    base = rng.standard_normal((n, d)).astype(np.float32)
    base[:, :4] += np.where(classes[:, None] == 1, 1.5, -1.5)
    segments = (base[:, None, :] + 0.5 * rng.standard_normal((n, 10, d))).astype(np.float32)
    for row in missing_rows:
        segments[row, list(missing_slots)] = np.nan
    return {
        "segments": segments,
        "cls": (base + 0.3 * rng.standard_normal((n, d))).astype(np.float32),
        "eos": rng.standard_normal((n, d)).astype(np.float32),
        "mean": np.nanmean(segments, axis=1).astype(np.float32),
    }


def make_toy(seed: int = 0) -> tuple[PairInputs, np.ndarray]:
    rng = np.random.default_rng(seed)
    rna_class, protein_class = rng.integers(0, 2, N_RNA), rng.integers(0, 2, N_PROTEIN)
    rna = _molecules(rng, N_RNA, D_RNA, rna_class, SHORT_RNAS, RNA_MISSING)
    protein = _molecules(rng, N_PROTEIN, D_PROTEIN, protein_class, SHORT_PROTEINS, PROTEIN_MISSING)
    rna_row, protein_row = (a.ravel() for a in np.meshgrid(range(N_RNA), range(N_PROTEIN)))
    y = (rna_class[rna_row] == protein_class[protein_row]).astype(np.int64)
    return PairInputs(rna_row, protein_row, rna, protein), y


@pytest.fixture(scope="module")
def toy():
    inputs, y = make_toy()
    order = np.random.default_rng(1).permutation(len(y))
    half = len(y) // 2
    return inputs, y, np.sort(order[:half]), np.sort(order[half:])


def _estimator(inputs, variant, **kw):
    params = dict(SMALL, max_epochs=EPOCHS.get(variant, 2), batch_size=128, lr=1e-2, patience=5)
    return ESM2AMPClassifier(inputs, variant=variant, **{**params, **kw})


@pytest.fixture(scope="module")
def fitted(toy):
    """One estimator per variant fitted on the toy's train half (shared by several tests)."""
    inputs, y, train, _ = toy
    cache = {}

    def get(variant):
        if variant not in cache:
            cache[variant] = _estimator(inputs, variant).fit(train, y[train])
        return cache[variant]

    return get


# -- modules ------------------------------------------------------------------------------
def test_forward_shapes_and_token_counts():
    torch.manual_seed(0)
    amps, cse = ESM2AMPS(16, 24, **_sizes()), ESM2AMPCSE(16, 24, **_sizes())
    assert amps.n_tokens == 20 and amps.slot_embedding.shape == (20, 32)
    assert cse.n_tokens == 24 and cse.slot_embedding.shape == (24, 32)
    assert amps.token_names[0] == "rna:segment0" and amps.token_names[-1] == "protein:segment9"
    assert cse.token_names[:2] == ["rna:cls", "rna:segment0"] and cse.token_names[-1] == (
        "protein:eos"
    )
    for model, slots in ((amps, 10), (cse, 12)):
        model.eval()
        rna, protein = torch.randn(5, slots, 16), torch.randn(5, slots, 24)
        assert model(rna, protein).shape == (5,)
        assert model.attention(rna, protein).shape == (5, 2 * slots)
    with pytest.raises(ValueError, match=r"rna tokens must be \(batch, 10, 16\)"):
        amps(torch.randn(5, 12, 16), torch.randn(5, 10, 24))
    dpm = ESM2DPM(16, 24, widths=(32, 16))
    assert dpm(torch.randn(7, 16), torch.randn(7, 24)).shape == (7,)


def _sizes():
    return dict(d_model=32, n_heads=2, ff_width=64, mlp_widths=(32, 16))


@pytest.mark.parametrize("cls,slots", [(ESM2AMPS, 10), (ESM2AMPCSE, 12)])
def test_nan_segments_are_masked(cls, slots):
    torch.manual_seed(0)
    model = cls(16, 24, **_sizes()).eval()
    rna, protein = torch.randn(4, slots, 16), torch.randn(4, slots, 24)
    gone = [7, 8, 9]  # segment slots absent from RNA 0 and 2
    with_nan = rna.clone()
    with_nan[0, gone], with_nan[2, gone] = math.nan, math.nan
    logits = model(with_nan, protein)
    assert torch.isfinite(logits).all()

    mask = torch.ones(4, slots, dtype=torch.bool)
    mask[0, gone], mask[2, gone] = False, False
    garbage = rna.clone()
    garbage[0, gone], garbage[2, gone] = 1e3 * torch.randn(len(gone), 16), 7.0
    protein_mask = torch.ones(4, slots, dtype=torch.bool)
    torch.testing.assert_close(model(garbage, protein, mask, protein_mask), logits)
    # the masked slots really are left out: unmasking them changes pairs 0 and 2 only
    unmasked = model(garbage, protein)
    assert not torch.allclose(unmasked[[0, 2]], logits[[0, 2]])
    torch.testing.assert_close(unmasked[[1, 3]], logits[[1, 3]])
    weights = model.attention(with_nan, protein)
    assert (weights[0, gone] == 0).all() and (weights[1] > 0).all()


def test_he_initialization():
    torch.manual_seed(0)
    model = ESM2AMPS(16, 24, d_model=256, n_heads=4, ff_width=512, mlp_widths=(256, 128))
    for layer in (model.head[0], model.head[2], model.layers[0].feed_forward[0]):
        fan_in = layer.weight.shape[1]
        assert layer.weight.std().item() == pytest.approx(math.sqrt(2 / fan_in), rel=0.05)
        assert (layer.bias == 0).all()
    dpm = ESM2DPM(300, 200, widths=(256, 128))
    first = dpm.dnn[0]
    assert first.weight.std().item() == pytest.approx(math.sqrt(2 / 500), rel=0.05)
    # PyTorch's default (kaiming_uniform, a=√5) would give std = 1/√(3·fan_in), ~0.41 of it
    assert isinstance(dpm.dnn[1], torch.nn.LayerNorm)


# -- estimator -----------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["amps", "amp_cse", "dpm"])
def test_each_variant_learns_the_planted_rule(toy, fitted, variant):
    inputs, y, _, test = toy
    est = fitted(variant)
    auroc = roc_auc_score(y[test], est.predict_proba(test)[:, 1])
    assert auroc > 0.95, f"{variant}: held-out AUROC {auroc:.3f}"
    assert len(est.history_) >= 1 and all(np.isfinite(h["train_loss"]) for h in est.history_)


def test_estimator_contract(toy, fitted):
    inputs, y, _, test = toy
    est = fitted("dpm")
    proba = est.predict_proba(test[:, None])  # (n, 1) pair indices work too
    assert proba.shape == (len(test), 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    np.testing.assert_array_equal(est.predict(test), (proba[:, 1] > 0.5).astype(int))
    assert isinstance(est.module_, ESM2DPM)
    assert isinstance(fitted("amps").module_, ESM2AMPS)
    assert isinstance(fitted("amp_cse").module_, ESM2AMPCSE)
    assert clone(est).get_params()["dnn_widths"] == (32, 16)
    with pytest.raises(ValueError, match="labels must be 0/1"):
        _estimator(inputs, "dpm").fit(test[:20], np.full(20, 2))
    with pytest.raises(ValueError, match="variant must be one of"):
        _estimator(inputs, "amp").fit(test[:20], y[test[:20]])


def test_same_seed_gives_identical_probabilities(toy, fitted):
    inputs, y, train, test = toy
    again = _estimator(inputs, "amps").fit(train, y[train])
    np.testing.assert_array_equal(again.predict_proba(test), fitted("amps").predict_proba(test))
    dpm = fitted("dpm").predict_proba(test)
    np.testing.assert_array_equal(
        _estimator(inputs, "dpm").fit(train, y[train]).predict_proba(test), dpm
    )
    other = _estimator(inputs, "dpm", seed=1).fit(train, y[train]).predict_proba(test)
    assert not np.array_equal(other, dpm)


def test_standardization_uses_training_pairs_only(toy, fitted):
    inputs, y, train, test = toy
    est = fitted("amps")
    fit_train, _ = validation_split(y[train], est.validation_fraction, est.seed)
    rows = np.unique(inputs.rna_row[train[fit_train]])
    segments = inputs.rna["segments"][rows].reshape(-1, D_RNA)
    mean, std = est.scaling_[("rna", "segments")]
    np.testing.assert_allclose(mean, np.nanmean(segments, axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(std, np.nanstd(segments, axis=0), rtol=1e-4)

    # molecules outside the training pairs do not influence the fit
    seen = inputs.rna_row < 30
    X = np.flatnonzero(seen)
    changed = copy.deepcopy(inputs)
    changed.rna["mean"][30:] = 100.0 + 50.0 * changed.rna["mean"][30:]
    a = _estimator(inputs, "dpm", max_epochs=3).fit(X, y[X])
    b = _estimator(changed, "dpm", max_epochs=3).fit(X, y[X])
    for key, (m, s) in a.scaling_.items():
        np.testing.assert_array_equal(m, b.scaling_[key][0])
        np.testing.assert_array_equal(s, b.scaling_[key][1])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize(
    "variant,molecule,view", [("amp_cse", "protein", "cls"), ("amps", "rna", "segments")]
)
def test_infinite_values_name_the_view(toy, variant, molecule, view):
    inputs, y, train, _ = toy
    broken = copy.deepcopy(inputs)
    getattr(broken, molecule)[view][11, ..., 2] = np.inf
    with pytest.raises(ValueError, match=f"{molecule} view '{view}': molecule row 11"):
        _estimator(broken, variant).fit(train, y[train])


def test_partly_nan_segment_is_refused(toy):
    inputs, y, train, _ = toy
    broken = copy.deepcopy(inputs)
    broken.protein["segments"][12, 3, 0] = np.nan
    with pytest.raises(ValueError, match="molecule row 12 segment 3 is partly NaN"):
        _estimator(broken, "amps").fit(train, y[train])


# -- attention importance --------------------------------------------------------------------
@pytest.mark.parametrize("variant,n_tokens", [("amps", 20), ("amp_cse", 24)])
def test_attention_importance(toy, fitted, variant, n_tokens):
    inputs, _, _, test = toy
    est = fitted(variant)
    table = attention_importance(est, test)
    slots = [*(["cls"] if variant == "amp_cse" else []), *(f"segment{i}" for i in range(10))]
    slots += ["eos"] if variant == "amp_cse" else []
    expected = [f"{m}:{s}" for m in ("rna", "protein") for s in slots]
    assert list(table.columns) == ["pair_index", *expected] and len(expected) == n_tokens
    np.testing.assert_array_equal(table["pair_index"], test)
    weights = table[expected].to_numpy()
    assert weights.dtype == np.float64
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    short_rna = np.isin(inputs.rna_row[test], list(SHORT_RNAS))
    short_protein = np.isin(inputs.protein_row[test], list(SHORT_PROTEINS))
    rna_gone = [f"rna:segment{i}" for i in RNA_MISSING]
    protein_gone = [f"protein:segment{i}" for i in PROTEIN_MISSING]
    assert short_rna.any() and short_protein.any()
    assert (table.loc[short_rna, rna_gone].to_numpy() == 0).all()
    assert (table.loc[short_protein, protein_gone].to_numpy() == 0).all()
    assert (table.loc[~short_rna, rna_gone].to_numpy() > 0).all()


def test_attention_importance_refuses_dpm(fitted, toy):
    with pytest.raises(ValueError, match="no attention"):
        attention_importance(fitted("dpm"), toy[3])


# -- builders ----------------------------------------------------------------------------------
def test_builders(toy):
    inputs = toy[0]
    est = build_esm2_amps({"d_model": 32, "mlp_widths": [32, 16]}, seed=3, inputs=inputs)
    assert (est.variant, est.seed, est.threads, est.mlp_widths) == ("amps", 3, 1, (32, 16))
    cse = build_esm2_amp_cse({"lr": 0.003}, seed=0, threads=2, inputs=inputs)
    assert (cse.variant, cse.lr, cse.threads) == ("amp_cse", 0.003, 2)
    dpm = build_esm2_dpm({"dnn_widths": [8]}, seed=0, inputs=inputs)
    assert (dpm.variant, dpm.dnn_widths) == ("dpm", (8,))
    with pytest.raises(ValueError, match=r"unknown parameters \['bogus', 'seed'\]"):
        build_esm2_amps({"bogus": 1, "seed": 2, "lr": 0.1}, seed=0, inputs=inputs)
    with pytest.raises(ValueError, match=r"unknown parameters \['d_model'\]"):
        build_esm2_dpm({"d_model": 64}, seed=0, inputs=inputs)


# -- tuning ------------------------------------------------------------------------------------
def test_tune_learning_rate_is_seeded_and_in_range(toy):
    inputs, y, train, _ = toy

    def build(lr, weight_decay):
        return ESM2AMPClassifier(
            inputs,
            variant="dpm",
            lr=lr,
            weight_decay=weight_decay,
            max_epochs=2,
            dnn_widths=(16,),
            batch_size=128,
        )

    kw = dict(n_trials=3, seed=5, lr_range=(1e-4, 1e-2), weight_decay_range=(1e-4, 1e-1))
    best = tune_learning_rate(build, train, y[train], **kw)
    assert set(best) == {"lr", "weight_decay", "value", "n_trials"} and best["n_trials"] == 3
    assert 1e-4 <= best["lr"] <= 1e-2 and 1e-4 <= best["weight_decay"] <= 1e-1
    assert 0 < best["value"] < 5
    assert tune_learning_rate(build, train, y[train], **kw) == best


class _Spy:
    """Stand-in estimator: records the rows it is shown; P(interacting) grows with lr."""

    seen: list[np.ndarray] = []

    def __init__(self, lr, weight_decay):
        self.lr = lr

    def fit(self, X, y):
        _Spy.seen.append(np.asarray(X))
        return self

    def predict_proba(self, X):
        _Spy.seen.append(np.asarray(X))
        p = np.full(len(X), min(0.99, 10 * self.lr))
        return np.column_stack([1 - p, p])


def test_tune_learning_rate_stays_inside_X_and_minimizes_log_loss():
    y = np.tile([0, 1, 1], 20)  # 2/3 positive: log loss is lowest at p = 2/3, i.e. lr = 0.0667
    X = np.arange(100, 160)
    _Spy.seen = []
    best = tune_learning_rate(_Spy, X, y, n_trials=12, seed=0, lr_range=(1e-3, 0.099))
    seen = np.concatenate(_Spy.seen)
    assert set(seen) <= set(X) and len(_Spy.seen) == 24
    fit_rows, val_rows = _Spy.seen[0], _Spy.seen[1]
    assert not set(fit_rows) & set(val_rows) and len(fit_rows) + len(val_rows) == len(X)
    assert best["lr"] > 0.02  # the search moved towards the optimum (low lr → p ≈ 0 → high loss)
    with pytest.raises(ValueError, match="lr_range"):
        tune_learning_rate(_Spy, X, y, n_trials=1, seed=0, lr_range=(0.0, 1.0))
