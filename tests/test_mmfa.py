"""The per-view CNNs and MMFA of Han et al. 2024 (rnainteract.models.neural.mmfa): the paper's
sizes,
the view expansions, the loss terms on hand-computed cases, attention over the batch, and tiny
end-to-end fits on synthetic data (made in the tests, seeded)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from rnainteract.models.neural.mmfa import (
    MMFA,
    VIEWS,
    MMFAClassifier,
    ViewCNN,
    ViewCNNClassifier,
    adversarial_loss,
    compact_view,
    label_strata,
    orthogonality_loss,
    reverse_gradient,
)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- per-view CNNs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "channels", "length", "conv_out", "pooled"),
    [("rna", 4, 2710, 2701, 900), ("amino", 20, 2710, 2701, 900), ("dipeptide", 30, 440, 431, 431)],
)
def test_view_cnn_has_the_papers_sizes(view, channels, length, conv_out, pooled):
    torch.manual_seed(0)
    model = ViewCNN(view, 68).eval()
    assert model.flat_features == 101 * pooled  # rna/amino 90,900, dipeptide 43,531
    conv, hidden = model.encoder[0], model.encoder[5]
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (channels, 101, (10,))
    assert (hidden.in_features, hidden.out_features) == (101 * pooled, 202)
    assert (model.classifier.in_features, model.classifier.out_features) == (202, 68)
    x = torch.zeros(2, length, dtype=torch.uint8)
    expanded = model.expand(x)
    assert expanded.shape == (2, channels, length) and expanded.dtype == torch.float32
    assert model.encoder[:2](expanded).shape == (2, 101, conv_out)
    assert model.encoder[:3](expanded).shape == (2, 101, pooled)
    with torch.inference_mode():
        assert model.features(x).shape == (2, 202)
        assert model(x).shape == (2, 68)
    assert 101 * 900 == 90_900 and 101 * 431 == 43_531


def test_rna_expansion_pads_with_quarter_base():
    model = ViewCNN("rna", 2, kernels=2, kernel_size=2, hidden=3, length=5)
    x = model.expand(torch.tensor([[0, 1, 2, 3, 4]], dtype=torch.uint8))[0]
    assert torch.equal(x[:, :4], torch.eye(4))
    assert torch.equal(x[:, 4], torch.full((4,), 0.25))


def test_amino_expansion_fills_o_with_005():
    model = ViewCNN("amino", 2, kernels=2, kernel_size=2, hidden=3, length=4)
    x = model.expand(torch.tensor([[0, 5, 19, 20]], dtype=torch.uint8))[0]
    assert x.shape == (20, 4)
    assert x[0, 0] == 1 and x[:, 0].sum() == 1  # A
    assert x[5, 1] == 1 and x[:, 1].sum() == 1  # G, the sixth letter of ACDEFGHIKLMNPQRSTVWY
    assert x[19, 2] == 1 and x[:, 2].sum() == 1  # Y
    assert torch.allclose(x[:, 3], torch.full((20,), 0.05))  # O


def test_dipeptide_histogram_fills_the_first_count_rows():
    model = ViewCNN("dipeptide", 2, kernels=2, kernel_size=2, hidden=3, length=4)
    x = model.expand(torch.tensor([[5, 40, 0, 30]], dtype=torch.int64))[0]
    assert x.shape == (30, 4)
    assert x[:, 0].tolist() == [1.0] * 5 + [0.0] * 25  # "AA" 5 times, paper Fig. 3C
    assert x[:, 1].sum() == 30 and x[:, 2].sum() == 0 and x[:, 3].sum() == 30
    # the stored array is capped at 30 (uint8) and expands the same
    compact = compact_view("dipeptide", np.array([[5, 40, 0, 30]], dtype=np.uint16))
    assert compact.dtype == np.uint8 and compact.tolist() == [[5, 30, 0, 30]]
    assert torch.equal(model.expand(torch.from_numpy(compact))[0], x)


def test_invalid_codes_are_named():
    model = ViewCNN("rna", 2, kernels=2, kernel_size=2, hidden=3, length=6)
    with pytest.raises(ValueError, match="rna view: row 1 position 2 holds 5"):
        model.expand(torch.tensor([[0, 1, 2, 0, 0, 0], [3, 4, 5, 0, 0, 0]]))
    with pytest.raises(ValueError, match=r"must be \(n, 6\)"):
        model.expand(torch.zeros(1, 4, dtype=torch.uint8))
    with pytest.raises(ValueError, match="amino view: row 0 position 1 holds 21"):
        compact_view("amino", np.array([[0, 21]]))
    with pytest.raises(ValueError, match="dipeptide view: row 0 position 0 holds -1"):
        compact_view("dipeptide", np.array([[-1, 2]]))
    with pytest.raises(ValueError, match="view must be one of"):
        ViewCNN("protein", 2)
    with pytest.raises(ValueError, match="too short"):
        ViewCNN("rna", 2, kernel_size=10, length=11)  # 2 positions, pooled by 3 → 0
    assert VIEWS == ("rna", "amino", "dipeptide")


# --- loss terms ----------------------------------------------------------------------------


def test_orthogonality_loss_hand_cases():
    common = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    orthogonal = torch.tensor([[0.0, 0.0], [3.0, 1.0]])  # active on the other sample only
    assert float(orthogonality_loss(common, [orthogonal])) == 0.0
    c = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    # CᵀC = [[10, 14], [14, 20]] → 892; Cᵀ[[1, 0], [0, 0]] = [[1, 0], [2, 0]] → 5; / n = 2
    q2 = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    assert float(orthogonality_loss(c, [c, q2])) == pytest.approx((892 + 5) / 2)


def test_adversarial_loss_is_the_hand_cross_entropy():
    discriminator = nn.Linear(2, 2)
    with torch.no_grad():
        discriminator.weight.copy_(torch.eye(2))
        discriminator.bias.zero_()
    view0 = torch.tensor([[1.0, 0.0], [0.0, 0.0]])  # logits [1, 0], [0, 0]; target 0
    view1 = torch.tensor([[0.0, 2.0], [3.0, 0.0]])  # logits [0, 2], [3, 0]; target 1
    expected = (
        math.log(1 + math.exp(-1))
        + math.log(2)
        + math.log(1 + math.exp(-2))
        + math.log(1 + math.exp(3))
    ) / 4
    with torch.no_grad():
        reversed_loss = adversarial_loss(discriminator, [view0, view1])
        plain = adversarial_loss(discriminator, [view0, view1], reversal=None)
    assert reversed_loss.item() == pytest.approx(expected)
    assert plain.item() == pytest.approx(expected)


def test_gradient_reversal_flips_the_gradient_reaching_the_common_extractor():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = reverse_gradient(x, 0.5)
    assert torch.equal(y, x)
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([-0.5, -1.0, -1.5]))

    torch.manual_seed(0)
    extractor, discriminator = nn.Linear(3, 4), nn.Linear(4, 2)
    views = [torch.randn(5, 3), torch.randn(5, 3)]
    grads = {}
    for reversal in (1.0, None):
        extractor.zero_grad(), discriminator.zero_grad()
        loss = adversarial_loss(discriminator, [extractor(v) for v in views], reversal=reversal)
        loss.backward()
        grads[reversal] = (extractor.weight.grad.clone(), discriminator.weight.grad.clone())
    assert grads[None][0].abs().sum() > 0
    assert torch.allclose(grads[1.0][0], -grads[None][0])  # extractor: reversed
    assert torch.allclose(grads[1.0][1], grads[None][1])  # discriminator: unchanged


# --- MMFA ----------------------------------------------------------------------------------


def _numpy(layer: nn.Linear, x: np.ndarray) -> np.ndarray:
    out = x @ layer.weight.detach().numpy().T
    return out + layer.bias.detach().numpy() if layer.bias is not None else out


def _manual_synergistic(model: MMFA, views: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    common = np.mean([np.maximum(_numpy(model.common[0], x), 0) for x in views], axis=0)
    privates = [np.maximum(_numpy(p[0], x), 0) for p, x in zip(model.private, views, strict=True)]
    return np.concatenate([*privates, common], axis=1), common


def _views(n: int, dim: int, seed: int, count: int = 2) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, dim)).astype(np.float32) for _ in range(count)]


def test_mmfa_ma_is_the_final_layer_on_p():
    torch.manual_seed(0)
    model = MMFA(2, 3, in_dim=5, k=4, attention=False).eval()
    views = _views(6, 5, seed=1)
    logits, auxiliary = model(*map(torch.from_numpy, views))
    synergistic, _ = _manual_synergistic(model, views)
    assert synergistic.shape == (6, 12)
    expected = _numpy(model.classifier, synergistic)
    assert np.allclose(logits.detach().numpy(), expected, atol=1e-5)
    assert float(auxiliary) == 0.0  # eval mode


def test_mmfa_attention_matches_a_manual_computation():
    torch.manual_seed(0)
    model = MMFA(3, 2, in_dim=5, k=4).eval()
    views = _views(7, 5, seed=2, count=3)
    logits, _ = model(*map(torch.from_numpy, views))
    synergistic, common = _manual_synergistic(model, views)
    keys = _numpy(model.key, common)
    values = _numpy(model.value, synergistic)
    heads = []
    for query, x in zip(model.query, views, strict=True):
        scores = _numpy(query, x) @ keys.T / 2.0  # sqrt(k = 4)
        weights = np.exp(scores - scores.max(1, keepdims=True))
        weights /= weights.sum(1, keepdims=True)  # softmax over the batch's samples
        heads.append(weights @ values)
    fused = synergistic + _numpy(model.out, np.concatenate(heads, axis=1))
    assert np.allclose(logits.detach().numpy(), _numpy(model.classifier, fused), atol=1e-5)


@pytest.mark.parametrize("attention", [True, False])
def test_attention_mixes_the_samples_of_a_batch(attention):
    torch.manual_seed(0)
    model = MMFA(2, 3, in_dim=5, k=4, attention=attention).eval()
    views = [torch.from_numpy(v) for v in _views(4, 5, seed=3)]
    changed = [v.clone() for v in views]
    changed[0][3] += 5.0
    changed[1][3] -= 5.0
    with torch.inference_mode():
        before, after = model(*views)[0], model(*changed)[0]
    assert not torch.allclose(before[3], after[3])
    assert torch.allclose(before[:3], after[:3]) is (not attention)


def test_auxiliary_loss_applies_lambda_and_gamma():
    torch.manual_seed(0)
    model = MMFA(2, 3, in_dim=5, k=4, lam=0.7, gamma=0.3).train()
    views = [torch.from_numpy(v) for v in _views(6, 5, seed=4)]
    _, auxiliary = model(*views)
    assert auxiliary.requires_grad  # reaches the parameters through the trainer's loss
    with torch.no_grad():
        parts = model.parts(*views)
        common = adversarial_loss(model.discriminator, parts.common_per_view).item()
        private = orthogonality_loss(parts.common, parts.privates).item()
        assert common > 0 and private > 0
        assert auxiliary.item() == pytest.approx(0.7 * common + 0.3 * private, rel=1e-5)
        model.lam, model.gamma = 0.0, 0.0
        assert model(*views)[1].item() == 0.0
        model.lam = 1.0
        assert model(*views)[1].item() == pytest.approx(common, rel=1e-5)
        model.lam, model.gamma = 0.7, 0.3
        assert model.eval()(*views)[1].item() == 0.0
    with pytest.raises(ValueError, match="built for 2 views, got 1"):
        model(views[0])


def test_label_strata_picks_the_rarest_label():
    y = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1]])  # frequencies 2, 2, 1
    assert label_strata(y).tolist() == [0, 1, -1, 2]
    with pytest.raises(ValueError, match="must be"):
        label_strata(np.zeros(3))


# --- end-to-end fits ------------------------------------------------------------------------

MOTIFS = ("GGAC", "UUAU")


def _motif_task(n: int, seed: int, length: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Random RNA codes with each motif planted in half the rows; label j = motif j occurs."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(n, length))
    x[:, -3:] = 4  # padding bases B at the end
    for motif in MOTIFS:
        codes = ["ACGU".index(c) for c in motif]
        for row in np.flatnonzero(rng.random(n) < 0.5):
            start = rng.integers(0, length - 3 - len(codes))
            x[row, start : start + len(codes)] = codes
    text = ["".join("ACGUB"[c] for c in row) for row in x]
    y = np.array([[m in t for m in MOTIFS] for t in text], dtype=np.float32)
    return x.astype(np.uint8), y


def _cnn(**overrides) -> ViewCNNClassifier:
    params = dict(view="rna", kernels=32, kernel_size=4, hidden=32, dropout=0.1, lr=1e-2)
    params.update(max_epochs=25, batch_size=32, patience=None, seed=0)
    return ViewCNNClassifier(**{**params, **overrides})


def test_view_cnn_classifier_learns_motif_labels():
    x, y = _motif_task(480, seed=0)
    train, test = slice(0, 360), slice(360, None)
    model = _cnn().fit(x[train], y[train])
    proba = model.predict_proba(x[test])
    assert proba.shape == (120, 2) and ((proba >= 0) & (proba <= 1)).all()
    aucs = [roc_auc_score(y[test, j], proba[:, j]) for j in range(2)]
    assert min(aucs) > 0.8, aucs
    features = model.features(x[test], batch_size=50)
    assert features.shape == (120, 32) and features.dtype == np.float32
    assert (features >= 0).all()  # after ReLU
    assert len(model.history_) == 25 and not math.isnan(model.history_[0]["val_loss"])
    with pytest.raises(ValueError, match=r"y must be \(10, n_labels\)"):
        _cnn().fit(x[:10], y[:10, 0])


def _feature_task(n: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Two 202-d views of 3 random labels: standard normal noise plus, per label present, a
    random direction (norm ~4) of each view, as deep features spread a label over many units."""
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 3)) < 0.4).astype(np.float32)
    views = [
        (rng.normal(size=(n, 202)) + y @ rng.normal(scale=0.3, size=(3, 202))).astype(np.float32)
        for _ in range(2)
    ]
    return views, y


def _mmfa(**overrides) -> MMFAClassifier:
    params = dict(k=8, lr=3e-3, max_epochs=10, batch_size=32, patience=None, seed=0)
    return MMFAClassifier(**{**params, **overrides})


@pytest.mark.parametrize("attention", [True, False])
def test_mmfa_classifier_learns_a_separable_task(attention):
    views, y = _feature_task(480, seed=5)
    train, test = slice(0, 360), slice(360, None)
    model = _mmfa(attention=attention).fit([v[train] for v in views], y[train])
    proba = model.predict_proba([v[test] for v in views])
    assert proba.shape == (120, 3)
    aucs = [roc_auc_score(y[test, j], proba[:, j]) for j in range(3)]
    assert min(aucs) > 0.95, aucs
    with pytest.raises(ValueError, match="fitted on 2 views of width 202"):
        model.predict_proba([views[0][test]])


def test_mmfa_classifier_predicts_in_fixed_batches():
    views, y = _feature_task(100, seed=6)
    model = _mmfa(max_epochs=2, batch_size=16).fit(views, y)
    whole = model.predict_proba(views)
    chunks = [model.predict_proba([v[s : s + 16] for v in views]) for s in range(0, 100, 16)]
    assert np.allclose(whole, np.concatenate(chunks), atol=1e-6)
    order = np.random.default_rng(0).permutation(100)
    shuffled = model.predict_proba([v[order] for v in views])
    assert not np.allclose(shuffled, whole[order], atol=1e-6)  # batch composition matters


def test_same_seed_gives_the_same_predictions():
    views, y = _feature_task(120, seed=7)
    first = _mmfa(max_epochs=3).fit(views, y).predict_proba(views)
    again = _mmfa(max_epochs=3).fit(views, y).predict_proba(views)
    other = _mmfa(max_epochs=3, seed=1).fit(views, y).predict_proba(views)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)
    x, labels = _motif_task(120, seed=8)
    cnn = [_cnn(max_epochs=3).fit(x, labels).predict_proba(x) for _ in range(2)]
    assert np.array_equal(cnn[0], cnn[1])
