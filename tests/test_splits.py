import numpy as np
import pandas as pd
import pytest

from rnainteract.splits import (
    LeakageError,
    attach_groups,
    leakage_report,
    make_split,
    split_dataset,
)


def synthetic_pairs(n_families=12, n_clans=10, n_pairs=400, seed=1):
    """Random pairs over planted families/clans (ids encode their family/clan)."""
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
    return table.drop_duplicates(["rna_id", "protein_id"]).reset_index(drop=True)


@pytest.mark.parametrize("kind", ["random", "rna_family", "protein_cold", "both_cold"])
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
    report = leakage_report(table, split, kind)  # raises LeakageError on a broken promise
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


def test_random_split_is_a_stratified_partition():
    table = synthetic_pairs()
    split = make_split(table, "random", n_folds=5, seed=0)
    test = split[split.partition == "test"]
    assert sorted(test.pair_index) == list(range(len(table)))  # each pair tested exactly once
    assert (split.groupby("pair_index").size() == 5).all()
    rates = test.groupby("fold").pair_index.apply(lambda ix: table.label.iloc[ix].mean())
    assert rates.max() - rates.min() < 0.05
    report = leakage_report(table, split, "random")
    assert report["promised_zero"] == []
    assert sum(f["shared_rna_families"] for f in report["folds"]) > 0  # random leaks, as expected


def test_both_cold_train_and_test_exclude_the_fold_group():
    table = synthetic_pairs()
    split = make_split(table, "both_cold", n_folds=3, seed=0)
    report = leakage_report(table, split, "both_cold")
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
    with pytest.raises(ValueError, match="only 3 groups for 5 folds"):
        make_split(table, "rna_family", n_folds=5)


def test_unknown_split():
    with pytest.raises(ValueError, match="unknown split"):
        make_split(synthetic_pairs(), "scaffold")


def test_split_dataset_files(tmp_path):
    table = synthetic_pairs()
    table[["rna_id", "protein_id", "label"]].assign(source="s").to_parquet(tmp_path / "p.parquet")
    fam = table[["rna_id", "family"]].drop_duplicates().assign(family_source="cluster")
    clan = table[["protein_id", "clan"]].drop_duplicates().assign(clan_source="cluster")
    fam.to_csv(tmp_path / "f.tsv", sep="\t", index=False)
    clan.to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    report = split_dataset(
        tmp_path / "p.parquet",
        tmp_path / "f.tsv",
        tmp_path / "c.tsv",
        kind="rna_family",
        n_folds=3,
        seed=1,
        out_split=tmp_path / "s.parquet",
        out_leakage=tmp_path / "s.json",
    )
    assert report["n_rna_families"] == 12
    split = pd.read_parquet(tmp_path / "s.parquet")
    assert list(split.columns) == ["pair_index", "fold", "partition"]
    assert set(split.partition) == {"train", "test"}


def test_unannotated_pairs_are_dropped_and_counted(tmp_path):
    table = synthetic_pairs()
    table[["rna_id", "protein_id", "label"]].assign(source="s").to_parquet(tmp_path / "p.parquet")
    fam = table[["rna_id", "family"]].drop_duplicates()
    fam = fam[fam.family != "F0"]  # policy drop: family F0 unannotated
    clan = table[["protein_id", "clan"]].drop_duplicates()
    fam.to_csv(tmp_path / "f.tsv", sep="\t", index=False)
    clan.to_csv(tmp_path / "c.tsv", sep="\t", index=False)
    report = split_dataset(tmp_path / "p.parquet", tmp_path / "f.tsv", tmp_path / "c.tsv",
                           kind="random", n_folds=3, seed=1, out_split=tmp_path / "s.parquet",
                           out_leakage=tmp_path / "s.json")  # fmt: skip
    n_f0 = int((table.family == "F0").sum())
    assert n_f0 > 0 and report["n_pairs_unannotated_dropped"] == n_f0
    split = pd.read_parquet(tmp_path / "s.parquet")
    kept = set(split.pair_index)
    assert kept == set(table.index[table.family != "F0"])  # original pair indices are kept
    with pytest.raises(ValueError, match="have no family"):
        attach_groups(table.drop(columns=["family", "clan"]), fam, clan)
