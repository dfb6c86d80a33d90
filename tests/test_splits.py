import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract.dataset.leakage import COLD_MOLECULES, LeakageError, leakage_report
from rnainteract.dataset.splits import (
    COLD_SIDES,
    SPLITS,
    homology_groups,
    make_split,
    split_dataset,
    split_groups,
)


def synthetic_pairs(n_families=12, n_clans=10, n_pairs=400, seed=1):
    """Random pairs over planted families/clans (ids encode their family/clan); each molecule is
    its own sequence cluster."""
    rng = np.random.default_rng(seed)
    fam = rng.integers(0, n_families, n_pairs)
    clan = rng.integers(0, n_clans, n_pairs)
    rna = [f"r{f}_{i}" for f, i in zip(fam, rng.integers(0, 4, n_pairs), strict=True)]
    prot = [f"p{c}_{i}" for c, i in zip(clan, rng.integers(0, 4, n_pairs), strict=True)]
    table = pd.DataFrame(
        {
            "rna_id": rna,
            "protein_id": prot,
            "label": rng.integers(0, 2, n_pairs).astype("int8"),
            "family": [f"F{f}" for f in fam],
            "clan": [f"C{c}" for c in clan],
        }
    )
    table["rna_cluster"] = table.rna_id
    table["protein_cluster"] = table.protein_id
    return table.drop_duplicates(["rna_id", "protein_id"]).reset_index(drop=True)


def _parts(table, split):
    for fold, part in split.groupby("fold"):
        yield (
            fold,
            table.loc[part.pair_index[part.partition == "train"]],
            table.loc[part.pair_index[part.partition == "test"]],
        )


@pytest.mark.parametrize("kind", SPLITS)
def test_split_is_seeded(kind):
    table = synthetic_pairs()
    a = make_split(table, kind, n_folds=4, seed=3)
    b = make_split(table, kind, n_folds=4, seed=3)
    c = make_split(table, kind, n_folds=4, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("kind", ["rna_family", "protein_cold", "both_cold"])
def test_cold_splits_share_nothing(kind):
    table = synthetic_pairs()
    split = make_split(table, kind, n_folds=4, seed=0)
    report, _ = leakage_report(table, split, kind)  # raises LeakageError on a broken promise
    for fold in report["folds"]:
        assert fold["n_test"] > 0
        if kind in ("rna_family", "both_cold"):
            assert fold["shared_rna_families"] == 0 and fold["shared_rna_ids"] == 0
        if kind in ("protein_cold", "both_cold"):
            assert fold["shared_protein_clans"] == 0 and fold["shared_protein_ids"] == 0
    # independent check, not through leakage_report
    for _, part in split.groupby("fold"):
        train = table.iloc[part.pair_index[part.partition == "train"]]
        test = table.iloc[part.pair_index[part.partition == "test"]]
        if kind != "protein_cold":
            assert not set(train.family) & set(test.family)
        if kind != "rna_family":
            assert not set(train.clan) & set(test.clan)


@pytest.mark.parametrize("kind", ["rna_cold_id", "protein_cold_id", "both_cold_id"])
def test_id_cold_splits_never_share_an_id_but_share_families(kind):
    """The ladder's middle rung: a test RNA/protein id never occurs in training, while its RNA
    family / protein clan (and so similar sequences) does, unlike in the homology-cold splits."""
    table = synthetic_pairs()
    split = make_split(table, kind, n_folds=4, seed=0)
    report, _ = leakage_report(table, split, kind)  # raises LeakageError on a broken promise
    sides = COLD_SIDES[kind]
    shared_labels = 0
    for _, train, test in _parts(table, split):
        assert len(test) > 0
        for side in sides:
            assert not set(train[f"{side}_id"]) & set(test[f"{side}_id"])
            label = "family" if side == "rna" else "clan"
            shared_labels += len(set(train[label]) & set(test[label]))
    assert shared_labels > 0  # same family / clan on both sides: not homology-cold
    assert report["promised_zero"] == [f"shared_{side}_ids" for side in sides]
    if kind != "both_cold_id":  # one cold side: every pair is tested exactly once
        test = split[split.partition == "test"]
        assert sorted(test.pair_index) == list(range(len(table)))


def test_split_groups_are_the_cold_sides_groups():
    table = synthetic_pairs()
    assert split_groups(table, "random") == {}
    ids = split_groups(table, "both_cold_id")
    assert set(ids) == {"rna", "protein"}
    assert ids["rna"].dtype == np.int64
    # equal codes exactly for equal ids
    codes = pd.Series(ids["rna"]).groupby(table.rna_id.to_numpy()).nunique()
    assert (codes == 1).all() and len(set(ids["rna"])) == table.rna_id.nunique()
    homology = split_groups(table, "rna_family")["rna"]
    per_family = pd.Series(homology).groupby(table.family.to_numpy()).nunique()
    assert (per_family == 1).all()  # a family never spans two groups
    with pytest.raises(ValueError, match="unknown split"):
        split_groups(table, "cold")


def test_random_split_is_a_stratified_partition():
    table = synthetic_pairs()
    split = make_split(table, "random", n_folds=5, seed=0)
    test = split[split.partition == "test"]
    assert sorted(test.pair_index) == list(range(len(table)))  # each pair tested exactly once
    assert (split.groupby("pair_index").size() == 5).all()
    rates = test.groupby("fold").pair_index.apply(lambda ix: table.label.iloc[ix].mean())
    assert rates.max() - rates.min() < 0.05
    report, _ = leakage_report(table, split, "random")
    assert report["promised_zero"] == []
    assert sum(f["shared_rna_families"] for f in report["folds"]) > 0  # random leaks, as expected


def test_both_cold_train_and_test_exclude_the_fold_group():
    table = synthetic_pairs()
    split = make_split(table, "both_cold", n_folds=3, seed=0)
    report, _ = leakage_report(table, split, "both_cold")
    for fold in report["folds"]:
        assert fold["n_train"] + fold["n_test"] + fold["n_unused"] == len(table)
        assert fold["n_unused"] > 0


def test_leakage_report_detects_a_broken_promise():
    table = synthetic_pairs()
    split = make_split(table, "random", n_folds=3, seed=0)
    with pytest.raises(LeakageError, match="rna_families shared"):
        leakage_report(table, split, "rna_family")


def test_too_few_groups():
    table = synthetic_pairs(n_families=3)
    with pytest.raises(ValueError, match="rpi9: split 'rna_family' needs at least 5 homology"):
        make_split(table, "rna_family", n_folds=5, name="rpi9")


def test_unknown_split():
    with pytest.raises(ValueError, match="unknown split"):
        make_split(synthetic_pairs(), "scaffold")


def test_homology_groups_join_families_through_clusters_and_similar_sequences():
    labels = pd.Series(["F1", "F2", "F3", "F4", "F5"])
    clusters = pd.Series(["c1", "c1", "c3", "c4", "c5"])  # r1 and r2: one cluster, two families
    ids = pd.Series(["r1", "r2", "r3", "r4", "r5"])
    assert list(homology_groups(labels, clusters)) == [0, 0, 1, 2, 3]
    similar = pd.DataFrame({"query": ["r3", "r9"], "target": ["r5", "r4"]})  # r9 unknown
    assert list(homology_groups(labels, clusters, ids, similar)) == [0, 0, 1, 2, 1]


def test_rna_family_split_keeps_a_shared_cluster_together():
    table = synthetic_pairs()
    # r0_0 (family F0) and every RNA of family F1 are one cd-hit-est cluster
    table.loc[table.family.isin(["F1"]) | (table.rna_id == "r0_0"), "rna_cluster"] = "cl"
    for seed in range(5):
        split = make_split(table, "rna_family", n_folds=4, seed=seed)
        for _, train, test in _parts(table, split):
            assert not set(train.rna_cluster) & set(test.rna_cluster)
            # hence all of F0 travels with F1
            assert not ({"F0", "F1"} & set(train.family) and {"F0", "F1"} & set(test.family))


def test_rna_family_split_draws_families_at_random_to_about_one_kth():
    table = synthetic_pairs(n_families=40, n_pairs=2000)
    first_test_families = set()
    for seed in range(4):
        split = make_split(table, "rna_family", n_folds=10, seed=seed)
        sizes = split[split.partition == "test"].groupby("fold").size()
        assert len(sizes) == 10
        assert sizes.iloc[:-1].between(0.06 * len(table), 0.16 * len(table)).all()  # ±1 family
        fold0 = split[(split.fold == 0) & (split.partition == "test")]
        first_test_families.add(frozenset(table.family[fold0.pair_index]))
    assert len(first_test_families) == 4  # each seed draws other test families


def test_identity_threshold_is_a_promise():
    table = synthetic_pairs()
    # r0_0 and r1_0 (different families, different clusters) are 95 % identical
    hits = pd.DataFrame(
        {"query": ["r0_0", "r1_0"], "target": ["r1_0", "r0_0"], "identity": [0.95, 0.95]}
    )
    none = pd.DataFrame({"query": [], "target": [], "identity": []})
    identities = {"rna": hits, "protein": none}
    leaky = None
    for seed in range(20):  # without the identity edge, some seed separates them
        split = make_split(table, "rna_family", n_folds=4, seed=seed)
        try:
            leakage_report(table, split, "rna_family", identities, 0.9)
        except LeakageError as err:
            leaky = err
            break
    assert leaky is not None and "identity" in str(leaky)
    for seed in range(20):  # with it, never
        split = make_split(table, "rna_family", n_folds=4, seed=seed, similar={"rna": hits})
        report, items = leakage_report(table, split, "rna_family", identities, 0.9)
        assert all(f["max_identity"]["rna"]["n_at_least_threshold"] == 0 for f in report["folds"])
        assert set(items.molecule) == {"rna", "protein"}


@st.composite
def pair_tables(draw):
    n = draw(st.integers(30, 150))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    n_rna, n_prot = draw(st.integers(8, 40)), draw(st.integers(8, 40))
    rna_fam = rng.integers(0, draw(st.integers(4, 12)), n_rna)
    rna_clu = rng.integers(0, n_rna, n_rna)  # random clusters cross families
    prot_clan = rng.integers(0, draw(st.integers(4, 12)), n_prot)
    prot_clu = rng.integers(0, n_prot, n_prot)
    r, p = rng.integers(0, n_rna, n), rng.integers(0, n_prot, n)
    table = pd.DataFrame(
        {
            "rna_id": [f"r{i}" for i in r],
            "protein_id": [f"p{i}" for i in p],
            "label": rng.integers(0, 2, n).astype("int8"),
            "family": [f"F{rna_fam[i]}" for i in r],
            "rna_cluster": [f"c{rna_clu[i]}" for i in r],
            "clan": [f"C{prot_clan[i]}" for i in p],
            "protein_cluster": [f"d{prot_clu[i]}" for i in p],
        }
    ).drop_duplicates(["rna_id", "protein_id"])
    similar = {}
    for mol, k in (("rna", n_rna), ("protein", n_prot)):
        a, b = rng.integers(0, k, 4), rng.integers(0, k, 4)
        prefix = "r" if mol == "rna" else "p"
        q, t = [f"{prefix}{i}" for i in a], [f"{prefix}{i}" for i in b]
        similar[mol] = pd.DataFrame(
            {"query": q + t, "target": t + q, "identity": np.full(8, 0.9, dtype=np.float32)}
        )
    return table.reset_index(drop=True), similar, seed


@settings(max_examples=60, deadline=None)
@given(pair_tables(), st.sampled_from(["rna_family", "protein_cold", "both_cold"]))
def test_property_cold_splits_never_leak(data, kind):
    table, similar, seed = data
    try:
        split = make_split(table, kind, n_folds=3, seed=seed, similar=similar)
    except ValueError as err:  # too few groups or no test fold: refused, not leaked
        assert "groups" in str(err) or "no fold" in str(err)
        return
    leakage_report(table, split, kind, similar, 0.85)  # raises on any broken promise
    for _, train, test in _parts(table, split):
        for mol in COLD_MOLECULES[kind]:
            id_col = f"{mol}_id"
            label = "family" if mol == "rna" else "clan"
            assert not set(train[id_col]) & set(test[id_col])
            assert not set(train[label]) & set(test[label])
            assert not set(train[f"{mol}_cluster"]) & set(test[f"{mol}_cluster"])
            pairs = set(zip(similar[mol]["query"], similar[mol]["target"], strict=True))
            assert not {(a, b) for a in test[id_col] for b in train[id_col]} & pairs


def test_split_dataset_files(tmp_path):
    table = synthetic_pairs()
    table.to_parquet(tmp_path / "d.parquet")
    hits = pd.DataFrame({"query": ["r0_0"], "target": ["r1_1"], "identity": [0.5]})
    hits = pd.concat([hits, hits.rename(columns={"query": "target", "target": "query"})])
    hits.to_parquet(tmp_path / "rna.parquet")
    hits.iloc[:0].to_parquet(tmp_path / "prot.parquet")
    report = split_dataset(
        tmp_path / "d.parquet",
        kind="rna_family",
        n_folds=3,
        seed=1,
        out_split=tmp_path / "s.parquet",
        out_leakage=tmp_path / "s.json",
        rna_identity=tmp_path / "rna.parquet",
        protein_identity=tmp_path / "prot.parquet",
        out_identity=tmp_path / "i.parquet",
        identity_threshold=0.8,
        out_groups=tmp_path / "g.parquet",
    )
    assert report["n_rna_families"] == 12 and len(report["sha256"]) == 64
    split = pd.read_parquet(tmp_path / "s.parquet")
    groups = pd.read_parquet(tmp_path / "g.parquet")
    assert list(groups.columns) == ["pair_index", "rna_group"]
    assert groups.pair_index.tolist() == list(range(len(table)))
    for _, part in split.groupby("fold"):  # whole groups on each side of every fold
        side = part.set_index("pair_index").partition
        assert not set(groups.rna_group[side.index[side == "train"]]) & set(
            groups.rna_group[side.index[side == "test"]]
        )
    assert list(split.columns) == ["pair_index", "fold", "partition"]
    assert set(split.partition) == {"train", "test"}
    items = pd.read_parquet(tmp_path / "i.parquet")
    assert list(items.columns) == ["fold", "molecule", "id", "max_identity", "nearest_train_id"]
    test_rnas = split[(split.partition == "test")].merge(items, left_on="fold", right_on="fold")
    assert len(test_rnas) > 0
    r0 = items[(items.molecule == "rna") & (items.id == "r0_0")]
    if len(r0) and (r0.nearest_train_id == "r1_1").any():
        assert r0.max_identity.max() == pytest.approx(0.5)
