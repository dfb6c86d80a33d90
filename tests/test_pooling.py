"""Pooling, length windows and one-hot embeddings, by hand (no torch needed)."""

import numpy as np
import pytest

from rnainteract.features.embeddings.pooling import merge_windows, pool, windows


def test_pool_by_hand():
    rows = np.arange(23 * 2, dtype=np.float32).reshape(23, 2)
    out = pool(rows, cls=np.array([7, 7]), eos=np.array([9, 9]))
    np.testing.assert_allclose(out["mean"], rows.mean(axis=0))
    # 23 residues in 10 segments: three of 3 rows, then seven of 2
    np.testing.assert_allclose(out["segment0"], rows[0:3].mean(axis=0))
    np.testing.assert_allclose(out["segment2"], rows[6:9].mean(axis=0))
    np.testing.assert_allclose(out["segment3"], rows[9:11].mean(axis=0))
    np.testing.assert_allclose(out["segment9"], rows[21:23].mean(axis=0))
    assert out["cls"].tolist() == [7, 7] and out["eos"].tolist() == [9, 9]
    short = pool(rows[:4], None, None)
    assert np.isnan(short["segment9"]).all() and "cls" not in short  # 4 residues, 10 segments


def test_windows_by_hand():
    assert windows(10, 4, 2) == [(0, 4), (2, 6), (4, 8), (6, 10)]
    assert windows(9, 4, 1) == [(0, 4), (3, 7), (5, 9)]  # the last window is aligned to the end
    assert windows(3, 4, 1) == [(0, 3)]
    parts = [np.full((4, 1), v, dtype=np.float32) for v in (1.0, 2.0, 3.0, 4.0)]
    merged = merge_windows(parts, windows(10, 4, 2), 10)
    # positions 0-1: window 1 only; 2-3: windows 1 and 2; ...; 8-9: window 4 only
    assert merged[:, 0].tolist() == [1, 1, 1.5, 1.5, 2.5, 2.5, 3.5, 3.5, 4, 4]
    with pytest.raises(ValueError, match="overlap"):
        windows(10, 4, 4)


def test_onehot_mean_is_the_composition():
    from rnainteract.features.embeddings.embedders import load_embedder

    emb = load_embedder("onehot_rna", "onehot", None, molecule="rna")
    ((residues, cls, eos),) = emb.embed(["ACGUUN"])
    assert residues.shape == (6, 5) and cls is None
    np.testing.assert_allclose(
        pool(residues, cls, eos)["mean"], [1 / 6, 1 / 6, 1 / 6, 2 / 6, 1 / 6]
    )


def test_gather_weights_links_files_under_their_official_names(tmp_path):
    from rnainteract.features.embeddings.weights import WeightsError, gather_weights

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.json").write_text("{}")
    out = gather_weights({"config.json": tmp_path / "src" / "a.json"}, tmp_path / "model")
    assert (out / "config.json").is_symlink() and (out / "config.json").read_text() == "{}"
    with pytest.raises(WeightsError, match="vocab.txt: .* does not exist"):
        gather_weights({"vocab.txt": tmp_path / "missing.txt"}, tmp_path / "model")
