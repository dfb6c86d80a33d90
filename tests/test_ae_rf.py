"""AE_RF (autoencoder code → random forest) and its Tree SHAP attribution.

Fixture: a synthetic PairInputs made here — 40 RNAs and 30 proteins with random 16-d ``mean``
vectors (standard normal); a protein interacts (label 1, with every RNA) when the first
coordinate of its vector is positive, and that coordinate is pushed 1.5 away from 0, so the
label depends on the protein only and is separable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from rnainteract.models.inputs import PairInputs
from rnainteract.models.neural.ae_rf import (
    AERFClassifier,
    build_ae_rf,
    plot_shap_summary,
    tree_shap_importance,
)

N_RNA, N_PROTEIN, DIM, LATENT = 40, 30, 16, 4
FAST = dict(code_size=8, hidden=32, ae_epochs=40, batch_size=64, n_estimators=50)


def synthetic_inputs(seed: int = 0, n_pairs: int = 600) -> tuple[PairInputs, np.ndarray]:
    """Pairs of random RNAs and proteins whose 16-d vectors lie near a 4-d subspace (as pooled
    embeddings do, so an 8-d code can keep them); label 1 iff the protein's first latent
    coordinate is positive (pushed 1 away from 0: separable)."""
    rng = np.random.default_rng(seed)

    def molecules(n):
        latent = rng.normal(size=(n, LATENT))
        latent[:, 0] += np.where(latent[:, 0] > 0, 1.0, -1.0)
        loading = rng.normal(size=(LATENT, DIM))
        noise = 0.1 * rng.normal(size=(n, DIM))
        return latent, (latent @ loading + noise).astype(np.float32)

    _, rna = molecules(N_RNA)
    protein_latent, protein = molecules(N_PROTEIN)
    rna_row = rng.integers(0, N_RNA, n_pairs)
    protein_row = rng.integers(0, N_PROTEIN, n_pairs)
    inputs = PairInputs(rna_row, protein_row, rna={"mean": rna}, protein={"mean": protein})
    y = (protein_latent[protein_row, 0] > 0).astype(np.int64)
    return inputs, y


@pytest.fixture(scope="module")
def problem():
    inputs, y = synthetic_inputs()
    pairs = np.arange(inputs.n_pairs)
    rng = np.random.default_rng(1)
    test = np.sort(rng.choice(pairs, size=150, replace=False))
    train = np.setdiff1d(pairs, test)
    return inputs, y, train, test


@pytest.fixture(scope="module")
def fitted(problem):
    inputs, y, train, _ = problem
    return AERFClassifier(inputs, **FAST, seed=3).fit(train, y[train])


def test_autoencoder_shapes_and_reconstruction_improves(fitted, problem):
    _, _, _, test = problem
    codes = fitted.encode(test)
    assert codes.shape == (len(test), FAST["code_size"])
    assert codes.dtype == np.float32
    assert fitted.autoencoder_.encoder[0].in_features == 2 * DIM
    assert fitted.autoencoder_.decoder[-1].out_features == 2 * DIM
    assert fitted.blocks_ == {"rna:mean": slice(0, DIM), "protein:mean": slice(DIM, 2 * DIM)}
    history = fitted.history_
    assert 1 < len(history) <= FAST["ae_epochs"]
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]
    assert all(np.isfinite(h["val_loss"]) for h in history)  # the validation cut was used
    assert fitted.encode(test[:, None]).tolist() == codes.tolist()  # (n, 1) pair indices


def test_learns_planted_protein_rule(fitted, problem):
    _, y, _, test = problem
    proba = fitted.predict_proba(test)
    assert proba.shape == (len(test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y[test], proba[:, 1]) > 0.9
    assert fitted.classes_.tolist() == [0, 1]
    assert set(fitted.predict(test).tolist()) <= {0, 1}
    assert (fitted.predict(test) == y[test]).mean() > 0.85


def test_same_seed_same_probabilities_other_seed_differs(fitted, problem):
    inputs, y, train, test = problem
    again = AERFClassifier(inputs, **FAST, seed=3).fit(train, y[train])
    np.testing.assert_array_equal(again.predict_proba(test), fitted.predict_proba(test))
    other = AERFClassifier(inputs, **FAST, seed=4).fit(train, y[train])
    assert not np.array_equal(other.encode(test), fitted.encode(test))


def test_tree_shap_is_additive_and_summarized(fitted, problem):
    _, _, _, test = problem
    per_sample, summary = tree_shap_importance(fitted, test, max_samples=100, background=40)
    codes = [f"code{k}" for k in range(FAST["code_size"])]
    assert list(per_sample.columns) == [
        "pair_index",
        *codes,
        "expected_value",
        "rna:mean",
        "protein:mean",
        "block_base_value",
    ]
    assert len(per_sample) == 100
    assert set(per_sample["pair_index"]) <= set(test.tolist())
    assert per_sample["pair_index"].is_unique
    predicted = fitted.predict_proba(per_sample["pair_index"].to_numpy())[:, 1]
    reconstructed = per_sample[codes].sum(axis=1) + per_sample["expected_value"]
    np.testing.assert_allclose(reconstructed, predicted, atol=1e-6)
    blocks = per_sample["rna:mean"] + per_sample["protein:mean"] + per_sample["block_base_value"]
    np.testing.assert_allclose(blocks, predicted, atol=1e-9)

    code_rows = summary[summary["level"] == "code"].set_index("name")
    np.testing.assert_allclose(
        code_rows.loc[codes, "importance"], per_sample[codes].abs().mean(), rtol=1e-12
    )
    assert sorted(code_rows["rank"]) == list(range(1, len(codes) + 1))
    assert code_rows["importance"].idxmax() == code_rows.index[code_rows["rank"] == 1][0]
    # the seeded draw is reproducible and a different seed draws other pairs
    again, _ = tree_shap_importance(fitted, test, max_samples=100, background=40)
    pd.testing.assert_frame_equal(again, per_sample)
    other, _ = tree_shap_importance(fitted, test, max_samples=100, background=40, seed=1)
    assert set(other["pair_index"]) != set(per_sample["pair_index"])


def test_protein_block_gets_the_credit_when_the_label_is_the_proteins(fitted, problem):
    _, _, _, test = problem
    per_sample, summary = tree_shap_importance(fitted, test, max_samples=150, background=60)
    codes = summary[summary["level"] == "code"]
    blocks = summary[summary["level"] == "input_block"].set_index("name")
    assert list(blocks.index) == ["rna:mean", "protein:mean"]
    protein, rna = blocks.loc["protein:mean"], blocks.loc["rna:mean"]
    assert protein["importance"] > 3 * rna["importance"]
    assert (protein["rank"], rna["rank"]) == (1, 2)
    np.testing.assert_allclose(protein["importance"], per_sample["protein:mean"].abs().mean())
    # block Shapley values point the right way: label-1 proteins raise the probability
    y_test = problem[1][per_sample["pair_index"]]
    assert (per_sample["protein:mean"][y_test == 1] > 0).mean() > 0.9
    assert (per_sample["protein:mean"][y_test == 0] < 0).mean() > 0.9
    # the Jacobian number, by its definition: each code's mean |SHAP| split by its shares
    assert codes[["rna_share", "protein_share"]].ge(0).all().all()
    np.testing.assert_allclose(codes["rna_share"] + codes["protein_share"], 1.0)
    np.testing.assert_allclose(
        protein["jacobian_importance"], (codes["importance"] * codes["protein_share"]).sum()
    )
    np.testing.assert_allclose(
        blocks["jacobian_importance"].sum(), codes["importance"].sum(), rtol=1e-12
    )
    assert codes["rna_share"].isna().sum() == 0 and blocks["rna_share"].isna().all()


def test_plot_is_a_png(fitted, problem, tmp_path):
    _, _, _, test = problem
    per_sample, summary = tree_shap_importance(fitted, test, max_samples=50, background=20)
    out = tmp_path / "figures" / "shap.png"
    plot_shap_summary(per_sample, summary, out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5_000
    assert [p.name for p in out.parent.iterdir()] == ["shap.png"]  # no temporary left over
    with pytest.raises(ValueError, match="input_block"):
        plot_shap_summary(per_sample, summary[summary["level"] == "code"], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_segments_view_with_empty_segments():
    rng = np.random.default_rng(5)
    rna = rng.normal(size=(6, 10, 3)).astype(np.float32)
    protein = rng.normal(size=(5, 10, 4)).astype(np.float32)
    rna[0, 7:] = np.nan  # a 7-nucleotide RNA: three empty segments
    protein[2, 4:] = np.nan
    rna_row = np.tile(np.arange(6), 5)
    protein_row = np.repeat(np.arange(5), 6)
    inputs = PairInputs(rna_row, protein_row, rna={"segments": rna}, protein={"segments": protein})
    y = (protein[protein_row, 0, 0] > 0).astype(np.int64)
    y[:2] = [0, 1]  # both classes whatever the draw
    model = AERFClassifier(
        inputs, view="segments", code_size=4, hidden=16, ae_epochs=5, n_estimators=10
    ).fit(np.arange(30), y)
    codes = model.encode(np.arange(30))
    assert codes.shape == (30, 4)
    assert np.isfinite(codes).all()
    assert model.blocks_ == {"rna:segments": slice(0, 30), "protein:segments": slice(30, 70)}
    assert np.isfinite(model.predict_proba(np.arange(30))).all()


def test_builder_and_errors():
    inputs, y = synthetic_inputs(n_pairs=40)
    model = build_ae_rf({"code_size": 5, "view": "mean"}, seed=7, threads=1, inputs=inputs)
    assert (model.code_size, model.seed, model.view, model.inputs) == (5, 7, "mean", inputs)
    with pytest.raises(ValueError, match=r"\['bogus', 'seed'\]"):
        build_ae_rf({"bogus": 1, "seed": 2}, seed=0, inputs=inputs)
    with pytest.raises(NotFittedError):
        model.predict_proba(np.arange(3))
    with pytest.raises(NotFittedError):
        tree_shap_importance(model, np.arange(3))
    with pytest.raises(ValueError, match="both labels"):
        model.fit(np.arange(40), np.ones(40, dtype=np.int64))
    with pytest.raises(KeyError, match="'cls' not loaded"):
        AERFClassifier(inputs, view="cls").fit(np.arange(40), y)
    with pytest.raises(ValueError, match="per-token"):
        AERFClassifier(inputs, view="tokens").fit(np.arange(40), y)
    with pytest.raises(IndexError):
        AERFClassifier(inputs, ae_epochs=1).fit(np.array([0, 1, 99]), np.array([0, 1, 0]))
