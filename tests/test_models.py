"""The shared trainer and the model zoo's classical members (IPMiner, XRPI)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from rnainteract.features.kmers import FEATURE_SETS, feature_size, feature_table
from rnainteract.models.classic.ipminer import IPMinerClassifier
from rnainteract.models.neural.rpiembeddor import (
    PROTEIN_ONE_HOT,
    RNA_ONE_HOT,
    RPIembeddor,
    ablation_inputs,
    n_parameters,
    pad_tokens,
)
from rnainteract.models.registry import MODEL_FEATURES, MODEL_KINDS, build_model
from rnainteract.models.trainer import (
    TrainerConfig,
    evaluate_loss,
    fit,
    lr_factor,
    predict,
    save_checkpoint,
    seed_everything,
)


def separable(n, n_features, seed=0, informative=(0, 1, 2, 300, 301)):
    """Features in [0, 1); the label is a threshold on a few informative columns."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_features)).astype(np.float32)
    y = (X[:, list(informative)].sum(axis=1) > len(informative) / 2).astype(np.int64)
    return X, y


def shifted(n, n_features, seed=0, columns=(*range(0, 20), *range(300, 320)), shift=0.3):
    """Composition-like features in [0, 1); interacting pairs (y = 1) are shifted upwards in a
    block of RNA and protein columns (a separable problem for the k-mer models)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_features)).astype(np.float32)
    y = rng.integers(0, 2, n)
    X[np.ix_(y == 1, list(columns))] += shift
    return X, y


class Mlp(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


# -- scheduler --------------------------------------------------------------------------------
def test_warmup_then_cosine_values():
    f = lambda s: lr_factor(s, warmup_steps=10, total_steps=110)  # noqa: E731
    assert [f(s) for s in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert f(10) == pytest.approx(1.0)  # cosine starts at the peak
    assert f(60) == pytest.approx(0.5)  # half-way through the 100 annealing steps
    assert f(35) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.25)))
    assert f(110) == pytest.approx(0.0) and f(500) == pytest.approx(0.0)
    assert lr_factor(50, warmup_steps=10, total_steps=110, cosine=False) == 1.0
    assert lr_factor(0, warmup_steps=0, total_steps=10) == pytest.approx(1.0)


def test_fit_applies_the_schedule_to_the_optimizer():
    X, y = separable(64, 8, informative=(0, 1))
    config = TrainerConfig(lr=0.01, warmup_steps=4, max_epochs=6, batch_size=16, patience=None)
    history = fit(Mlp(8), [X], y.astype(np.float32), config)
    total = 4 * 6  # 4 steps per epoch
    for h in history:  # lr after the epoch's last step = factor of the next step
        step = 4 * (h["epoch"] + 1)
        assert h["lr"] == pytest.approx(0.01 * lr_factor(step, warmup_steps=4, total_steps=total))
    assert history[-1]["lr"] == pytest.approx(0.0)


# -- trainer ----------------------------------------------------------------------------------
def test_trainer_learns_a_separable_problem_and_is_seeded():
    X, y = separable(600, 20, informative=(0, 1, 2))
    config = TrainerConfig(lr=1e-2, max_epochs=40, batch_size=32, patience=5, seed=3)
    seed_everything(3)  # the initial weights come from torch's global generator
    model = Mlp(20)
    val = ([X[400:500]], y[400:500].astype(np.float32))
    history = fit(model, [X[:400]], y[:400].astype(np.float32), config, validation=val)
    auroc = roc_auc_score(y[500:], predict(model, [X[500:]]))
    assert auroc > 0.95, auroc
    # same seed → the same weights
    seed_everything(3)
    again = Mlp(20)
    fit(again, [X[:400]], y[:400].astype(np.float32), config, validation=val)
    for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert len(history) >= 1


def test_early_stopping_keeps_the_best_validation_weights():
    rng = np.random.default_rng(0)
    X = rng.random((200, 10)).astype(np.float32)
    y = rng.integers(0, 2, 200).astype(np.float32)  # noise: the validation loss soon rises
    config = TrainerConfig(lr=3e-2, max_epochs=200, batch_size=20, patience=3, seed=0)
    model = Mlp(10)
    val = ([X[150:]], y[150:])
    history = fit(model, [X[:150]], y[:150], config, validation=val)
    assert len(history) < 200
    best = min(h["val_loss"] for h in history)
    assert evaluate_loss(model, *val) == pytest.approx(best, rel=1e-5)
    assert history[-1]["val_loss"] > best  # stopped after epochs without improvement


def test_a_single_leftover_example_joins_the_last_batch():
    """201 examples in batches of 100 with batch norm: the last batch would hold 1 example."""
    X, y = separable(201, 6, informative=(0, 1))
    model = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.Linear(4, 1), nn.Flatten(0))
    history = fit(model, [X], y.astype(np.float32), TrainerConfig(max_epochs=2, batch_size=100))
    assert len(history) == 2


def test_trainer_rejects_bad_settings_and_inputs():
    with pytest.raises(ValueError, match="optimizer"):
        TrainerConfig(optimizer="adam")
    with pytest.raises(ValueError, match="loss"):
        TrainerConfig(loss="hinge")
    with pytest.raises(ValueError, match="same, non-zero length"):
        fit(Mlp(3), [np.zeros((4, 3), np.float32)], np.zeros(5, np.float32), TrainerConfig())


def test_checkpoint_holds_weights_config_and_history(tmp_path):
    model = Mlp(4)
    path = tmp_path / "sub" / "model.pt"
    save_checkpoint(path, model, config={"lr": 0.1}, history=[{"epoch": 0}], metrics={"a": 1.0})
    payload = torch.load(path, weights_only=True)
    assert payload["config"] == {"lr": 0.1} and payload["metrics"] == {"a": 1.0}
    restored = Mlp(4)
    restored.load_state_dict(payload["state_dict"])
    x = torch.ones(2, 4)
    assert torch.equal(restored(x), model(x))
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]  # no temp file left


# -- feature sets -----------------------------------------------------------------------------
def test_multi_length_feature_sets(tmp_path):
    fasta = tmp_path / "x.fasta"
    fasta.write_text(">r1\nACGUAC\n>r2\nGG\n")
    table = feature_table(fasta, "rna_kmer1to4")
    assert table.shape == (2, 1 + 4 + 16 + 64 + 256) == (2, 1 + feature_size("rna_kmer1to4"))
    r1 = table.set_index("id").loc["r1"]
    assert r1["rna_kmer1to4:A"] == pytest.approx(2 / 6) and r1["rna_kmer1to4:AC"] == 0.4
    assert r1["rna_kmer1to4:ACGU"] == pytest.approx(1 / 3)
    r2 = table.set_index("id").loc["r2"]  # too short for 3-mers: that block is all zeros
    assert r2["rna_kmer1to4:GG"] == 1.0 and r2.filter(like=":GGG").sum() == 0
    assert feature_size("protein_ctriad1to3") == 7 + 49 + 343
    assert feature_size("rna_kmer4") == 256 and feature_size("protein_ctriad3") == 343


def test_every_registered_model_names_known_inputs():
    from rnainteract.features.kmers import TABULAR_SET
    from rnainteract.models.registry import MODEL_VIEWS, is_embedding_view

    # every kind is exactly one of: a feature model, a view model
    assert set(MODEL_KINDS) == set(MODEL_FEATURES) | set(MODEL_VIEWS)
    assert not set(MODEL_FEATURES) & set(MODEL_VIEWS)
    for rna, protein in MODEL_FEATURES.values():
        assert FEATURE_SETS[rna][0] == "rna" and FEATURE_SETS[protein][0] == "protein"
    for views in MODEL_VIEWS.values():
        for molecule, names in views.items():
            for view in names:  # an embedding view, or a feature set of that molecule
                assert (
                    is_embedding_view(view)
                    or view == TABULAR_SET
                    or (FEATURE_SETS[view][0] == molecule)
                )


# -- IPMiner ----------------------------------------------------------------------------------
def test_ipminer_architecture_and_learning():
    X, y = shifted(500, 599)
    model = build_model("ipminer", {"ae_epochs": 15, "finetune_epochs": 15}, seed=0)
    assert isinstance(model, IPMinerClassifier) and model.n_rna_features == 256
    model.fit(X[:350], y[:350])
    widths = [e[0].out_features for e in model.pre_rna_]
    assert widths == [256, 128, 64] and model.pre_protein_[0][0].in_features == 343
    rna, protein = model._split(X[350:])
    views = model._views(X[350:])
    assert [v.shape[1] for v in views] == [128, 128, 599]
    assert rna.shape[1] == 256 and protein.shape[1] == 343
    # fine-tuning changed the encoders the tuner holds, not the pre-trained copies
    tuned_first = model.tuner_.rna.net[0][0].weight
    assert not torch.equal(tuned_first, model.pre_rna_[0][0].weight)
    proba = model.predict_proba(X[350:])
    assert proba.shape == (150, 2) and np.allclose(proba.sum(axis=1), 1)
    auroc = roc_auc_score(y[350:], proba[:, 1])
    assert auroc > 0.9, auroc
    again = build_model("ipminer", {"ae_epochs": 15, "finetune_epochs": 15}, seed=0)
    assert np.array_equal(again.fit(X[:350], y[:350]).predict_proba(X[350:]), proba)


def test_ipminer_rejects_a_bad_column_split():
    X, y = separable(40, 10, informative=(0, 1))
    with pytest.raises(ValueError, match="n_rna_features=256"):
        IPMinerClassifier(ae_epochs=1, finetune_epochs=1).fit(X, y)


# -- XRPI -------------------------------------------------------------------------------------
def test_xrpi_learns_a_separable_problem():
    n_features = feature_size("rna_kmer1to4") + feature_size("protein_ctriad1to3")
    X, y = shifted(600, n_features)
    model = build_model("xrpi", {"n_estimators": 100}, seed=1)
    model.fit(X[:400], y[:400])
    auroc = roc_auc_score(y[400:], model.predict_proba(X[400:])[:, 1])
    assert auroc > 0.95, auroc


# -- RPIembeddor ------------------------------------------------------------------------------
def _token_toy(n, seed=0):
    """Pairs of one-hot RNA/protein tokens; interacting pairs are G-rich RNAs with K-rich
    proteins (a composition signal the attention + pooling can pick up)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)

    def draw(alphabet, length, boosted, positive):
        p = np.ones(len(alphabet))
        if positive:
            p[alphabet.index(boosted)] += 3
        size = rng.integers(length // 2, length)
        return "".join(rng.choice(list(alphabet), size=size, p=p / p.sum()))

    rna = [draw(RNA_ONE_HOT, 30, "G", t) for t in y]
    protein = [draw(PROTEIN_ONE_HOT, 40, "K", t) for t in y]
    r, p = ablation_inputs("one_hot", [], [], rna_sequences=rna, protein_sequences=protein)
    return (*pad_tokens(r), *pad_tokens(p)), y


def test_rpiembeddor_has_the_papers_size_and_shapes():
    model = RPIembeddor(640, 640)
    assert n_parameters(model) == 1_415_985  # paper: "1.4M parameters"
    assert abs(n_parameters(model) - 1.4e6) / 1.4e6 < 0.02
    linear = [m for m in model.head if isinstance(m, nn.Linear)]
    assert len(linear) == 21 and linear[0].in_features == 512  # 20 layers + output
    assert model.encoder.self_attn.num_heads == 2 and model.encoder.self_attn.embed_dim == 256
    model.eval()
    rna, rna_mask = pad_tokens([np.ones((5, 640), np.float32), np.ones((3, 640), np.float32)])
    protein, protein_mask = pad_tokens([np.ones((7, 640), np.float32)] * 2)
    args = [torch.from_numpy(a) for a in (rna, rna_mask, protein, protein_mask)]
    with torch.inference_mode():
        out = model(*args)
        assert out.shape == (2,)
        # padding is masked: the 3-token RNA gives the same logit padded to 5 or to 3
        alone = model(args[0][1:, :3], args[1][1:, :3], args[2][1:], args[3][1:])
    assert torch.allclose(out[1:], alone, atol=1e-5)


def test_rpiembeddor_learns_a_token_composition_signal():
    inputs, y = _token_toy(300)
    train = [a[:220] for a in inputs]
    test = [a[220:] for a in inputs]
    seed_everything(0)
    model = RPIembeddor(4, 20, d_model=32, encoder_ff=64, head_width=64, head_dropout=0.0)
    config = TrainerConfig(
        lr=1e-3, weight_decay=0.1, warmup_steps=10, max_epochs=30, batch_size=32, patience=None
    )
    fit(model, train, y[:220].astype(np.float32), config)
    auroc = roc_auc_score(y[220:], predict(model, test))
    assert auroc > 0.95, auroc


def test_ablation_inputs():
    rna = [np.ones((3, 8), np.float32)]
    protein = [np.ones((4, 6), np.float32)]
    same = ablation_inputs("none", rna, protein)
    assert same[0] is rna and same[1] is protein
    r, p = ablation_inputs("random_protein", rna, protein, seed=1)
    assert r is rna and p[0].shape == (4, 6) and not np.allclose(p[0], 1)
    r, p = ablation_inputs("rna_random", rna, protein, seed=1)
    assert p is protein and r[0].shape == (3, 8)
    r, p = ablation_inputs("one_hot", [], [], rna_sequences=["ACNU"], protein_sequences=["MKX"])
    assert r[0].tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
    assert p[0].shape == (3, 20) and p[0][2].sum() == 0 and p[0][0, PROTEIN_ONE_HOT.index("M")]
    with pytest.raises(ValueError, match="needs the RNA and protein sequences"):
        ablation_inputs("one_hot", rna, protein)
    with pytest.raises(ValueError, match="ablation must be one of"):
        ablation_inputs("shuffled", rna, protein)
    with pytest.raises(ValueError, match="different widths"):
        pad_tokens([np.ones((2, 3)), np.ones((2, 4))])
    padded, mask = pad_tokens([np.ones((5, 2)), np.ones((2, 2))], max_length=3)
    assert padded.shape == (2, 3, 2) and mask.sum(axis=1).tolist() == [3, 2]
