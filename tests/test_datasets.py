import json

import numpy as np
import pandas as pd
import pytest

from rnainteract.dataset.assemble import (
    DATASET_COLUMNS,
    assemble_dataset,
    build_interaction_dataset,
    molecule_tables,
)
from rnainteract.dataset.cards import write_card
from rnainteract.dataset.splits import make_split
from rnainteract.io.files import sha256_file


def inputs(tmp_path, n_rna=40, n_prot=30, n_pairs=60, categories=False, drop_family=None):
    """Pair, annotation and cluster files of a random dataset (half positive)."""
    rng = np.random.default_rng(5)
    r, p = rng.integers(0, n_rna, n_pairs), rng.integers(0, n_prot, n_pairs)
    pairs = pd.DataFrame(
        {"rna_id": [f"r{i}" for i in r], "protein_id": [f"p{i}" for i in p]}
    ).drop_duplicates()
    pairs["label"] = (np.arange(len(pairs)) % 2).astype("int8")
    pairs["source"] = "test_pairs"
    if categories:
        pairs["rna_category"] = ["miRNA" if int(x[1:]) % 2 else "snoRNA" for x in pairs.rna_id]
        pairs["protein_category"] = ["TF" if int(x[1:]) % 3 else "RBP" for x in pairs.protein_id]
    pairs.to_parquet(tmp_path / "pairs.parquet")
    rnas, prots = sorted(set(pairs.rna_id)), sorted(set(pairs.protein_id))
    fam = pd.DataFrame({"rna_id": rnas, "family": [f"RF{int(x[1:]) % 12:05d}" for x in rnas]})
    fam["family_source"] = "rfam"
    if drop_family:
        fam = fam[fam.family != drop_family]
    fam.to_csv(tmp_path / "fam.tsv", sep="\t", index=False)
    clan = pd.DataFrame({"protein_id": prots, "clan": [f"CL{int(x[1:]) % 10:04d}" for x in prots]})
    clan["clan_source"] = "pfam"
    clan.to_csv(tmp_path / "clan.tsv", sep="\t", index=False)
    pd.DataFrame({"id": rnas, "cluster": rnas}).to_csv(tmp_path / "rc.tsv", sep="\t", index=False)
    pd.DataFrame({"id": prots, "cluster": prots}).to_csv(tmp_path / "pc.tsv", sep="\t", index=False)
    return pairs


def build(tmp_path, name="d", **kwargs):
    return build_interaction_dataset(
        tmp_path / "pairs.parquet", tmp_path / "fam.tsv", tmp_path / "clan.tsv",
        tmp_path / "rc.tsv", tmp_path / "pc.tsv", dataset=name,
        out_pairs=tmp_path / f"{name}.parquet", out_stats=tmp_path / f"{name}.json", **kwargs,
    )  # fmt: skip


def test_given_negatives_keep_the_pairs_with_annotation(tmp_path):
    pairs = inputs(tmp_path)
    stats = build(tmp_path, negatives="given", seed=0, fallback="none")
    table = pd.read_parquet(tmp_path / "d.parquet")
    assert list(table.columns) == DATASET_COLUMNS
    assert table[["rna_id", "protein_id", "label"]].equals(
        pairs[["rna_id", "protein_id", "label"]].reset_index(drop=True)
    )
    assert (table.rna_category == "unknown").all() and table.negative_tier.isna().all()
    assert (table.family == table.rna_id.map(lambda x: f"RF{int(x[1:]) % 12:05d}")).all()
    assert stats["sha256"] == sha256_file(tmp_path / "d.parquet")
    assert json.loads((tmp_path / "d.json").read_text())["n_pairs"] == len(pairs)


def test_rnainteract_negatives_replace_the_given_ones(tmp_path):
    pairs = inputs(tmp_path, categories=True)
    stats = build(tmp_path, negatives="rnainteract", seed=3, fallback="none")
    table = pd.read_parquet(tmp_path / "d.parquet")
    n_pos = int(pairs.label.sum())
    assert stats["n_given_negatives_discarded"] == len(pairs) - n_pos
    assert stats["n_positive"] == n_pos
    assert stats["n_negative"] + stats["n_negative_unfilled"] == 2 * n_pos
    assert stats["n_negative_unfilled"] < n_pos // 4
    negatives = table[table.label == 0]
    assert (negatives.source == "rnainteract_negatives").all()
    assert set(negatives.negative_side) == {"keep_rna", "keep_protein"}
    # the molecules keep their annotation and category in the negative rows
    by_rna = table.drop_duplicates(["rna_id", "family", "rna_category", "rna_cluster"])
    assert not by_rna.rna_id.duplicated().any()
    assert stats["categories_used"]
    # same seed: same bytes; other seed: other negatives, equally valid
    first = sha256_file(tmp_path / "d.parquet")
    build(tmp_path, name="again", negatives="rnainteract", seed=3, fallback="none")
    assert sha256_file(tmp_path / "again.parquet") == first
    other = build(tmp_path, name="other", negatives="rnainteract", seed=4, fallback="none")
    assert other["sha256"] != first
    assert other["n_negative"] + other["n_negative_unfilled"] == 2 * n_pos


def test_unannotated_pairs_are_dropped_and_counted(tmp_path):
    pairs = inputs(tmp_path, drop_family="RF00000")  # policy drop: family RF00000 unannotated
    stats = build(tmp_path, negatives="given", seed=0, fallback="none")
    gone = pairs.rna_id.map(lambda x: int(x[1:]) % 12 == 0)
    assert gone.any()
    assert stats["n_positive_unannotated_dropped"] == int((gone & (pairs.label == 1)).sum())
    assert stats["n_negative_unannotated_dropped"] == int((gone & (pairs.label == 0)).sum())
    assert stats["n_pairs"] == int((~gone).sum())


def test_unclustered_molecule_is_an_error(tmp_path):
    inputs(tmp_path)
    rc = pd.read_csv(tmp_path / "rc.tsv", sep="\t")
    rc.iloc[1:].to_csv(tmp_path / "rc.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match="rc.tsv: 1 rna_id.s. not clustered"):
        build(tmp_path, negatives="given", seed=0, fallback="none")


def test_a_molecule_with_two_categories_is_an_error_naming_the_pair_table(tmp_path):
    pairs = inputs(tmp_path, categories=True)
    first = pairs.rna_id.iloc[0]
    extra = pairs[pairs.rna_id == first].head(1).assign(protein_id="p999", rna_category="lncRNA")
    pd.concat([pairs, extra]).to_parquet(tmp_path / "pairs.parquet")
    with pytest.raises(ValueError, match=rf"pairs\.parquet: rna_id '{first}' has two categories"):
        build(tmp_path, negatives="given", seed=0, fallback="none")


def test_bad_method(tmp_path):
    pairs = inputs(tmp_path)
    rna, prot = molecule_tables(pairs, tmp_path / "fam.tsv", tmp_path / "clan.tsv",
                                tmp_path / "rc.tsv", tmp_path / "pc.tsv")  # fmt: skip
    with pytest.raises(ValueError, match="negatives must be one of"):
        assemble_dataset(pairs, rna, prot, negatives="random")


def test_card_counts(tmp_path):
    inputs(tmp_path, categories=True)
    build(tmp_path, negatives="rnainteract", seed=0, fallback="none")
    table = pd.read_parquet(tmp_path / "d.parquet")
    make_split(table, "rna_family", n_folds=3, seed=0).to_parquet(tmp_path / "s.parquet")
    card = write_card(
        tmp_path / "d.parquet", tmp_path / "d.json", {"rna_family": tmp_path / "s.parquet"},
        dataset="d", out_html=tmp_path / "c.html", out_json=tmp_path / "c.json",
        out_heatmap=tmp_path / "h.png",
    )  # fmt: skip
    t1 = pd.DataFrame(card["table1"]["rna_family"]).set_index("partition")
    assert t1.loc["train", "total"] + t1.loc["test", "total"] == len(table)
    assert t1.loc["test", "positive"] == int(table.label.sum()) - t1.loc["train", "positive"]
    t5 = pd.DataFrame(card["table5"]).set_index("type")
    assert t5.loc["RNA", "annotated"] == table.rna_id.nunique()
    assert t5.loc["Protein", "families_or_clans"] == table.clan.nunique()
    t6 = {k: pd.DataFrame(v) for k, v in card["table6"].items()}
    assert t6["rna_category"].percent.sum() == pytest.approx(100, abs=0.05)
    heat = card["heatmap"]
    assert card["heatmap_axes"] == ["rna_category", "protein_category"]
    assert sum(sum(col.values()) for col in heat["positive"].values()) == int(table.label.sum())
    assert sum(sum(col.values()) for col in heat["negative"].values()) == int(
        (table.label == 0).sum()
    )
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"
    assert "Table 7" in (tmp_path / "c.html").read_text()
