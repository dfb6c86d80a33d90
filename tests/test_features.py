import numpy as np
import pandas as pd
import pytest

from rnainteract.features.kmers import (
    feature_table,
    kmer_frequencies,
    kmer_names,
    pair_matrix,
    reduce_to_conjoint_triad,
)


def test_kmer_names_order():
    names = kmer_names("ACGU", 2)
    assert names[:3] == ["AA", "AC", "AG"] and names[-1] == "UU" and len(names) == 16


def test_kmer_frequencies_hand_computed():
    # ACGAC -> 2-mers AC, CG, GA, AC
    freq = kmer_frequencies("ACGAC", "ACGU", 2)
    names = kmer_names("ACGU", 2)
    assert freq.dtype == np.float32 and freq.shape == (16,)
    assert freq[names.index("AC")] == pytest.approx(0.5)
    assert freq[names.index("CG")] == pytest.approx(0.25)
    assert freq[names.index("GA")] == pytest.approx(0.25)
    assert freq.sum() == pytest.approx(1.0)


def test_kmers_over_unknown_letters_are_skipped():
    # ACNGU -> 2-mers AC, CN (skip), NG (skip), GU
    freq = kmer_frequencies("ACNGU", "ACGU", 2)
    names = kmer_names("ACGU", 2)
    assert freq[names.index("AC")] == pytest.approx(0.5)
    assert freq[names.index("GU")] == pytest.approx(0.5)


def test_short_sequence_gives_zeros():
    assert not kmer_frequencies("ACG", "ACGU", 4).any()


def test_conjoint_triad_classes():
    # Shen et al. 2007: {AGV} {ILFP} {YMTS} {HNQW} {RK} {DE} {C}
    assert reduce_to_conjoint_triad("AGVILFPYMTSHNQWRKDEC") == "00011112222333344556"
    assert reduce_to_conjoint_triad("AXB") == "0??"


def test_feature_table_shapes(write):
    rna = write("rna.fa", ">r1\nACGUACGU\n>r2\nGGGGCCCC\n")
    prot = write("p.fa", ">p1\nMKVLA\n")
    rt = feature_table(rna, "rna_kmer4")
    pt = feature_table(prot, "protein_ctriad3")
    assert rt.shape == (2, 1 + 256) and pt.shape == (1, 1 + 343)
    pairs = pd.DataFrame({"rna_id": ["r2", "r1"], "protein_id": ["p1", "p1"]})
    X = pair_matrix(pairs, rt, pt)
    assert X.shape == (2, 599) and X.dtype == np.float32
    np.testing.assert_allclose(X[0, :256], rt.iloc[1, 1:].to_numpy(np.float32))


def test_pair_matrix_missing_id():
    rt = pd.DataFrame({"id": ["r1"], "f": [1.0]})
    pt = pd.DataFrame({"id": ["p1"], "g": [1.0]})
    with pytest.raises(KeyError, match="protein id"):
        pair_matrix(pd.DataFrame({"rna_id": ["r1"], "protein_id": ["p9"]}), rt, pt)
    with pytest.raises(KeyError, match=r"features/p\.parquet: 1 protein id.*'p9'"):
        pair_matrix(
            pd.DataFrame({"rna_id": ["r1"], "protein_id": ["p9"]}),
            rt,
            pt,
            names=("features/r.parquet", "features/p.parquet"),
        )


def test_decision_from_score_equals_predict():
    from rnainteract.models.crossval import score_and_decision
    from rnainteract.models.registry import build_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    for kind in ("rpiseq_rf", "rpiseq_svm"):
        model = build_model(kind, {}, seed=0).fit(X[:80], y[:80])
        score, pred = score_and_decision(model, X[80:])
        np.testing.assert_array_equal(pred, model.predict(X[80:]))
        assert score.shape == (40,)


def test_an_error_inside_predict_proba_is_not_swallowed():
    """Before issue 20 an AttributeError raised by a model's predict_proba was caught and the
    score silently came from decision_function instead."""
    from sklearn.linear_model import LogisticRegression

    from rnainteract.models.crossval import score_and_decision

    class Broken(LogisticRegression):
        def predict_proba(self, X):
            return self.no_such_attribute_  # a bug inside the model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    model = Broken().fit(X, (X[:, 0] > 0).astype(int))
    with pytest.raises(AttributeError, match="no_such_attribute_"):
        score_and_decision(model, X)


def test_a_split_from_another_dataset_version_is_refused_naming_both_files(tmp_path):
    from rnainteract.models.crossval import read_split

    split = pd.DataFrame(
        {"pair_index": np.array([0, 1, 7], dtype=np.int64), "fold": 0, "partition": "train"}
    )
    split.to_parquet(tmp_path / "random.parquet")
    assert len(read_split(tmp_path / "random.parquet", 8, pairs="pairs.parquet")) == 3
    with pytest.raises(ValueError, match=r"random\.parquet: pair_index 7 .*0\.\.6 of the 7 pairs"):
        read_split(tmp_path / "random.parquet", 7, pairs="pairs.parquet")
    split.assign(partition="dev").to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="bad.parquet: partition must be train or test"):
        read_split(tmp_path / "bad.parquet", 8)
