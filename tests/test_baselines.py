"""Shortcut baselines (rnainteract.models.baselines) and their task (rnainteract.tasks.baselines),
on hand-built pair tables whose expected scores are worked out in the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from rnainteract.io.predictions import read_prediction_metadata
from rnainteract.models.baselines import (
    BASELINES,
    baseline_scores,
    degree_score,
    identity_matrix,
    nearest_neighbour_score,
    one_partner_forest,
    propagation_score,
)
from rnainteract.models.crossval import cross_validate
from rnainteract.tasks.baselines import DETERMINISTIC, train_baselines


def pairs(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """A pair table from ``(rna_id, protein_id, label)`` rows (RangeIndex = pair_index)."""
    return pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"])


# --- degree --------------------------------------------------------------------------------------

DEGREE_TABLE = pairs(
    [
        ("r1", "pA", 1),  # 0  train
        ("r1", "pB", 0),  # 1  train
        ("r2", "pA", 1),  # 2  train
        ("r2", "pB", 1),  # 3  train
        ("r3", "pB", 0),  # 4  train
        ("r1", "pC", 1),  # 5  test: pC unseen
        ("r3", "pA", 0),  # 6  test
        ("r4", "pA", 1),  # 7  test: r4 unseen
        ("r4", "pD", 0),  # 8  test: both unseen
    ]
)
TRAIN, TEST = np.arange(5), np.arange(5, 9)


def test_degree_score_by_hand_with_smoothing():
    # p = 3/5 = 0.6; a = 1: r1 = (1 + .6) / 3, r3 = .6 / 2 = .3, pA = 2.6 / 3, unseen = .6
    r1, r3, pA, p = 1.6 / 3, 0.3, 2.6 / 3, 0.6
    expected = [(r1 + p) / 2, (r3 + pA) / 2, (p + pA) / 2, p]
    np.testing.assert_allclose(degree_score(DEGREE_TABLE, TRAIN, TEST), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, [0.5666667, 0.5833333, 0.7333333, 0.6], atol=1e-7)


def test_degree_score_without_smoothing_is_the_raw_positive_share():
    # a = 0: r1 = 1/2, pC unseen = .6; r3 = 0/1, pA = 2/2; r4 unseen = .6
    score = degree_score(DEGREE_TABLE, TRAIN, TEST, smoothing=0.0)
    np.testing.assert_allclose(score, [0.55, 0.5, 0.8, 0.6], rtol=1e-12)


def test_degree_decision_is_score_above_the_prior():
    score, pred = baseline_scores("degree", DEGREE_TABLE, TRAIN, TEST, seed=0, params={})
    np.testing.assert_allclose(score, degree_score(DEGREE_TABLE, TRAIN, TEST))
    assert pred.dtype == np.int8 and pred.tolist() == [0, 0, 1, 0]


def test_degree_rejects_bad_input():
    with pytest.raises(ValueError, match="smoothing"):
        degree_score(DEGREE_TABLE, TRAIN, TEST, smoothing=-1)
    with pytest.raises(ValueError, match="in train and test"):
        degree_score(DEGREE_TABLE, TRAIN, [4, 5])
    with pytest.raises(ValueError, match="outside 0..8"):
        degree_score(DEGREE_TABLE, TRAIN, [9])
    with pytest.raises(ValueError, match="train part is empty"):
        degree_score(DEGREE_TABLE, [], TEST)
    with pytest.raises(ValueError, match="label of pair 2 is not 0/1"):
        degree_score(DEGREE_TABLE.assign(label=[1, 0, 2, 1, 0, 1, 0, 1, 0]), TRAIN, TEST)


def test_degree_is_anti_correlated_when_every_molecule_has_half_positives():
    """The mechanism behind sub-chance scores: hold out one pair of a molecule with exactly half
    positives and its remaining training pairs lean to the *other* label."""
    n = 12  # RNA i binds proteins i, i+1 (positive) and i+2, i+3 (negative), mod n
    rows = [(f"r{i}", f"p{(i + d) % n}", int(d < 2)) for i in range(n) for d in range(4)]
    table = pairs(rows)
    assert (table.groupby("protein_id").label.mean() == 0.5).all()
    assert (table.groupby("rna_id").label.mean() == 0.5).all()
    everything = np.arange(len(table))
    scores = [degree_score(table, np.delete(everything, i), [i])[0] for i in everything]
    assert roc_auc_score(table.label, scores) == 0.0


# --- label propagation ---------------------------------------------------------------------------

PROPAGATION_TABLE = pairs(
    [
        ("r1", "pA", 1),  # 0 train
        ("r1", "pB", 1),  # 1 train
        ("r2", "pC", 0),  # 2 train
        ("r3", "pA", 0),  # 3 test: neighbours 0 (pos) and 4 (test)
        ("r2", "pA", 1),  # 4 test: neighbours 2 (neg), 0 (pos) and 3 (test)
        ("r9", "p9", 1),  # 5 test: isolated
        ("r7", "p7", 0),  # 6 test: component of test pairs only
        ("r7", "p8", 1),  # 7 test
        ("r5", "pB", 0),  # 8 test: only neighbour is 1 (pos)
    ]
)


def test_propagation_by_hand():
    # f3 = (1 + f4) / 2 and f4 = (0 + 1 + f3) / 3  =>  f3 = 0.8, f4 = 0.6; prior = 2/3
    score = propagation_score(PROPAGATION_TABLE, [0, 1, 2], [3, 4, 5, 6, 7, 8])
    np.testing.assert_allclose(score, [0.8, 0.6, 2 / 3, 2 / 3, 2 / 3, 1.0], atol=1e-8)
    _, pred = baseline_scores(
        "degree_propagation", PROPAGATION_TABLE, [0, 1, 2], [3, 4, 5, 6, 7, 8], seed=0, params={}
    )
    assert pred.tolist() == [1, 0, 0, 0, 0, 1]


def random_network(seed: int, n_pairs: int = 60) -> pd.DataFrame:
    """Unique random pairs among 15 RNAs and 10 proteins with random labels."""
    rng = np.random.default_rng(seed)
    rows = {(f"r{rng.integers(15)}", f"p{rng.integers(10)}") for _ in range(n_pairs)}
    rows = sorted(rows)
    return pairs([(r, p, int(rng.integers(2))) for r, p in rows])


def dense_harmonic(table: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """The harmonic solution from the explicit pair graph (dense), for a connected graph."""
    nodes = np.concatenate([train, test])
    sub = table.iloc[nodes]
    A = (sub.rna_id.to_numpy()[:, None] == sub.rna_id.to_numpy()[None, :]).astype(float) + (
        sub.protein_id.to_numpy()[:, None] == sub.protein_id.to_numpy()[None, :]
    )
    np.fill_diagonal(A, 0)
    L = np.diag(A.sum(1)) - A
    n = len(train)
    return np.linalg.solve(L[n:, n:], A[n:, :n] @ table.label.to_numpy(float)[train])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_propagation_equals_the_dense_solution_and_networkx_labels(seed):
    table = random_network(seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(table))
    train, test = order[: len(table) // 2], order[len(table) // 2 :]
    score = propagation_score(table, train, test)
    np.testing.assert_allclose(score, dense_harmonic(table, train, test), atol=1e-8)

    nx = pytest.importorskip("networkx")
    from networkx.algorithms import node_classification

    graph = nx.Graph()
    graph.add_nodes_from(range(len(table)))
    for column in ("rna_id", "protein_id"):
        for members in table.groupby(column).groups.values():
            graph.add_edges_from((a, b) for a in members for b in members if a < b)
    for i in train:
        graph.nodes[int(i)]["label"] = int(table.label[i])
    labels = np.asarray(node_classification.harmonic_function(graph, max_iter=5000))
    clear = np.abs(score - 0.5) > 1e-6  # networkx breaks exact ties by class order
    assert clear.sum() > 10
    np.testing.assert_array_equal(labels[test][clear], (score[clear] > 0.5).astype(int))


# --- nearest neighbour ---------------------------------------------------------------------------

NN_TABLE = pairs(
    [
        ("r1", "pA", 1),  # 0 train
        ("r2", "pA", 0),  # 1 train
        ("r3", "pB", 0),  # 2 train
        ("r5", "pA", 1),  # 3 test: r5 ~ r1 (0.9), ~ r2 (0.3)
        ("r1", "pB", 1),  # 4 test: pB ~ pA (0.5)
        ("r9", "pZ", 1),  # 5 test: nothing similar
        ("r6", "pA", 0),  # 6 test: r6 ~ r1 and r2 equally (0.5)
    ]
)
RNA_ID = pd.DataFrame(
    {
        # r1 -> r5 in one direction only; r2 <-> r5 both; a self hit; r6 ties
        "query": ["r1", "r2", "r5", "r5", "r6", "r2"],
        "target": ["r5", "r5", "r2", "r5", "r1", "r6"],
        "identity": np.array([0.9, 0.3, 0.3, 1.0, 0.5, 0.5], dtype=np.float32),
    }
)
PROTEIN_ID = pd.DataFrame({"query": ["pB"], "target": ["pA"], "identity": [0.5]})


def test_identity_matrix_is_symmetric_with_unit_diagonal():
    ids = pd.Index(["r1", "r2", "r5", "r6", "r7"])
    m = identity_matrix(RNA_ID, ids).toarray()
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m), 1.0)
    assert m[0, 2] == pytest.approx(0.9) and m[1, 2] == pytest.approx(0.3)
    assert m[4, :4].sum() == 0  # r7 has no hit
    with pytest.raises(ValueError, match=r"'r1' -> 'r5' is 1.5"):
        identity_matrix(RNA_ID.assign(identity=[1.5, 0, 0, 0, 0, 0]), ids, name="rna.parquet")
    with pytest.raises(ValueError, match="lacks column"):
        identity_matrix(RNA_ID.drop(columns="identity"), ids)


def test_nearest_neighbour_picks_the_most_identical_partner():
    train, test = [0, 1, 2], [3, 4, 5, 6]
    one = nearest_neighbour_score(NN_TABLE, train, test, RNA_ID, PROTEIN_ID, k=1)
    # 3: pair 0 (0.9 * 1) beats pair 1 (0.3); 4: only pair 0 (1 * 0.5); 5: prior 1/3;
    # 6: pairs 0 and 1 tie at 0.5 and both count
    np.testing.assert_allclose(one, [1.0, 1.0, 1 / 3, 0.5])
    two = nearest_neighbour_score(NN_TABLE, train, test, RNA_ID, PROTEIN_ID, k=2)
    np.testing.assert_allclose(two, [0.9 / 1.2, 1.0, 1 / 3, 0.5])
    _, pred = baseline_scores(
        "nearest_neighbour",
        NN_TABLE,
        train,
        test,
        seed=0,
        params={"k": 1},
        identities={"rna": RNA_ID, "protein": PROTEIN_ID},
    )
    assert pred.tolist() == [1, 1, 0, 1]
    with pytest.raises(ValueError, match="needs the RNA and protein identity"):
        baseline_scores("nearest_neighbour", NN_TABLE, train, test, seed=0, params={})


def test_nearest_neighbour_does_not_depend_on_training_order():
    train, test = np.array([0, 1, 2]), np.array([3, 4, 5, 6])
    a = nearest_neighbour_score(NN_TABLE, train, test, RNA_ID, PROTEIN_ID, k=1)
    b = nearest_neighbour_score(NN_TABLE, train[::-1], test, RNA_ID, PROTEIN_ID, k=1)
    np.testing.assert_array_equal(a, b)


# --- one-partner forests -------------------------------------------------------------------------


def rna_signal_case(seed: int = 0):
    """80 RNAs × random proteins; the label is whether the RNA's first feature exceeds 0.5."""
    rng = np.random.default_rng(seed)
    rna = pd.DataFrame(rng.random((80, 6)), columns=[f"f{i}" for i in range(6)])
    rna.insert(0, "id", [f"r{i}" for i in range(80)])
    protein = pd.DataFrame(rng.random((30, 6)), columns=[f"g{i}" for i in range(6)])
    protein.insert(0, "id", [f"p{i}" for i in range(30)])
    rows = [
        (f"r{i}", f"p{j}", int(rna.f0[i] > 0.5))
        for i in range(80)
        for j in rng.choice(30, 5, replace=False)
    ]
    table = pairs(rows)
    held_out = table.rna_id.isin([f"r{i}" for i in range(60, 80)]).to_numpy()  # RNA-cold
    return table, rna, protein, np.flatnonzero(~held_out), np.flatnonzero(held_out)


def test_one_partner_forests_see_only_their_partner():
    table, rna, protein, train, test = rna_signal_case()
    y = table.label.to_numpy()[test]
    params = {"n_estimators": 50}
    rna_score, rna_pred = one_partner_forest(
        table, train, test, rna, molecule="rna", params=params, seed=0
    )
    protein_score, _ = one_partner_forest(
        table, train, test, protein, molecule="protein", params=params, seed=0
    )
    assert roc_auc_score(y, rna_score) > 0.95
    assert 0.35 < roc_auc_score(y, protein_score) < 0.65
    assert rna_score.dtype == np.float64 and rna_pred.dtype == np.int8
    np.testing.assert_array_equal(rna_pred, (rna_score > 0.5).astype(np.int8))
    score, _ = baseline_scores(
        "rna_only", table, train, test, seed=0, params=params, features={"rna": rna}
    )
    np.testing.assert_array_equal(score, rna_score)
    with pytest.raises(ValueError, match="needs the protein feature table"):
        baseline_scores(
            "protein_only", table, train, test, seed=0, params={}, features={"rna": rna}
        )
    with pytest.raises(KeyError, match="no feature row"):
        one_partner_forest(table, train, test, rna.iloc[1:], molecule="rna", params={}, seed=0)


# --- the task on files ---------------------------------------------------------------------------


@pytest.fixture
def task_files(tmp_path):
    """The one-partner case as Parquet files, with a 2-fold split and identity tables."""
    table, rna, protein, _, _ = rna_signal_case(seed=1)
    table = table.iloc[:120].reset_index(drop=True)
    fold = np.arange(len(table)) % 2
    split = pd.concat(
        [
            pd.DataFrame(
                {
                    "pair_index": np.arange(len(table), dtype=np.int64),
                    "fold": np.int16(f),
                    "partition": np.where(fold == f, "test", "train"),
                }
            )
            for f in (0, 1)
        ]
    )
    rna_identity = pd.DataFrame({"query": ["r0", "r1"], "target": ["r1", "r0"], "identity": 0.8})
    protein_identity = pd.DataFrame({"query": ["p0"], "target": ["p1"], "identity": [0.4]})
    files = {}
    for name, frame in {
        "pairs": table,
        "split": split,
        "rna_features": rna,
        "protein_features": protein,
        "rna_identity": rna_identity,
        "protein_identity": protein_identity,
    }.items():
        files[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(files[name])
    return files, table, split


def test_train_baselines_writes_model_like_prediction_files(task_files, tmp_path):
    files, table, split = task_files
    out = {name: tmp_path / f"{name}.parquet" for name in BASELINES}
    params = {"rna_only": {"n_estimators": 20}, "protein_only": {"n_estimators": 20}}
    results = train_baselines(
        files["pairs"],
        files["split"],
        out=out,
        params=params,
        seeds=[0, 1],
        **{k: v for k, v in files.items() if k not in ("pairs", "split")},
    )
    reference = cross_validate(
        np.zeros((len(table), 1), np.float32),
        table.label.to_numpy(np.int8),
        split,
        kind="rpiseq_rf",
        params={"n_estimators": 2},
        seeds=[0],
    )
    for name in BASELINES:
        written = pd.read_parquet(out[name])
        pd.testing.assert_frame_equal(written, results[name])
        pd.testing.assert_series_equal(written.dtypes, reference.dtypes)
        # every pair is tested once per seed; a deterministic baseline has the first seed only
        n_seeds = 1 if name in DETERMINISTIC else 2
        assert len(written) == n_seeds * len(table) and written.seed.nunique() == n_seeds
        assert not written.duplicated(["seed", "pair_index"]).any()
        assert read_prediction_metadata(out[name]) == {"kind": name, "baseline": True}
        np.testing.assert_array_equal(written.label, table.label.to_numpy()[written.pair_index])
    assert DETERMINISTIC == {"degree", "degree_propagation", "nearest_neighbour"}
    forest = results["rna_only"]  # seeded: the two seeds' forests differ
    assert not np.array_equal(forest.score[forest.seed == 0], forest.score[forest.seed == 1])
    degree = results["degree"]
    expected = degree_score(
        table, np.flatnonzero(np.arange(len(table)) % 2 == 1), np.arange(0, len(table), 2)
    )
    np.testing.assert_allclose(degree.score[(degree.seed == 0) & (degree.fold == 0)], expected)


def test_train_baselines_names_a_missing_input(task_files, tmp_path):
    files, _, _ = task_files
    with pytest.raises(ValueError, match="'rna_only' needs rna_features"):
        train_baselines(files["pairs"], files["split"], out={"rna_only": tmp_path / "x"}, seeds=[0])
    with pytest.raises(ValueError, match="'nearest_neighbour' needs rna_identity and protein"):
        train_baselines(
            files["pairs"], files["split"], out={"nearest_neighbour": tmp_path / "x"}, seeds=[0]
        )
    with pytest.raises(ValueError, match="unknown baseline"):
        train_baselines(files["pairs"], files["split"], out={"coin": tmp_path / "x"}, seeds=[0])
    with pytest.raises(ValueError, match="no fold"):
        train_baselines(
            files["pairs"], files["split"], out={"degree": tmp_path / "x"}, seeds=[0], folds=[7]
        )
    assert not (tmp_path / "x").exists()


def test_the_schema_the_config_and_the_registry_name_the_same_baselines():
    """targets.baselines is validated against the schema's list, the default config runs them
    all with their settings, and the workflow plans them from the registry."""
    import yaml

    repo = Path(__file__).resolve().parents[1]
    schema = yaml.safe_load((repo / "workflow/schemas/config.schema.yaml").read_text())
    targets = schema["properties"]["targets"]["properties"]["baselines"]
    assert targets["items"]["enum"] == list(BASELINES)
    assert list(schema["properties"]["baselines"]["properties"]) == list(BASELINES)
    config = yaml.safe_load((repo / "config/config.yaml").read_text())
    assert config["targets"]["baselines"] == list(config["baselines"]) == list(BASELINES)
