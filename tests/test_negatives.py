import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract.dataset.negatives import build_negatives


def positives_table(rows):
    """rows: (rna_id, family, rna_category, protein_id, clan, protein_category)."""
    return pd.DataFrame(
        rows,
        columns=["rna_id", "family", "rna_category", "protein_id", "clan", "protein_category"],
    )


def test_two_family_two_clan_network_by_hand():
    pos = positives_table(
        [
            ("r1", "F1", "unknown", "p1", "C1", "unknown"),
            ("r2", "F2", "unknown", "p2", "C2", "unknown"),
        ]
    )
    neg, stats = build_negatives(pos, seed=0)
    # keep_rna: r1 may only take p2 (C2 never meets F1), r2 only p1; keep_protein for p1 would be
    # r2 and for p2 r1 -- both already keep_rna negatives, so they stay unfilled (no duplicates)
    assert set(zip(neg.rna_id, neg.protein_id, neg.negative_side, strict=True)) == {
        ("r1", "p2", "keep_rna"),
        ("r2", "p1", "keep_rna"),
    }
    assert stats.n_negative == 2 and stats.n_unfilled == 2
    assert stats.by_side_tier["keep_protein"] == {"unfilled": 2}
    assert not stats.categories_used and set(neg.negative_tier) == {2}


def test_family_interacting_with_every_clan_gets_no_negative_unless_fallback():
    pos = positives_table(
        [
            ("r1", "F1", "unknown", "p1", "C1", "unknown"),
            ("r1", "F1", "unknown", "p2", "C2", "unknown"),
            ("r2", "F1", "unknown", "p3", "C1", "unknown"),
        ]
    )
    neg, stats = build_negatives(pos, seed=0)
    assert neg.empty and stats.n_unfilled == 6  # F1 meets both clans; one family only
    neg, stats = build_negatives(pos, seed=0, fallback="interacting")
    assert set(neg.negative_tier) == {3}
    got = set(zip(neg.rna_id, neg.protein_id, strict=True))
    assert not got & set(zip(pos.rna_id, pos.protein_id, strict=True))
    # r2 takes p1 or p2 (keep_rna) and the other through keep_protein; p3 could only take r1,
    # which keep_rna already paired with it
    assert got == {("r2", "p1"), ("r2", "p2"), ("r1", "p3")}


def test_categories_are_avoided_when_possible():
    # F1 (miRNA) meets TF proteins of clan C1; candidates outside C1: p_rbp (RBP, C2) and
    # p_tf (TF, C3). Tier 1 prefers the RBP: F1 never met an RBP.
    pos = positives_table(
        [
            ("r1", "F1", "miRNA", "p1", "C1", "TF"),
            ("r2", "F2", "snoRNA", "p_rbp", "C2", "RBP"),
            ("r3", "F3", "snoRNA", "p_tf", "C3", "TF"),
        ]
    )
    for seed in range(10):
        neg, stats = build_negatives(pos, seed=seed)
        assert stats.categories_used
        row = neg[(neg.rna_id == "r1") & (neg.negative_side == "keep_rna")]
        assert list(row.protein_id) == ["p_rbp"] and list(row.negative_tier) == [1]


def test_seeded_and_independent_of_row_order():
    rng = np.random.default_rng(0)
    rows = [
        (f"r{i}", f"F{i % 20}", "unknown", f"p{j}", f"C{j % 15}", "unknown")
        for i, j in zip(rng.integers(0, 40, 60), rng.integers(0, 30, 60), strict=True)
    ]
    pos = positives_table(rows).drop_duplicates(["rna_id", "protein_id"])
    a, _ = build_negatives(pos, seed=1)
    b, _ = build_negatives(pos.sample(frac=1, random_state=3), seed=1)
    c, _ = build_negatives(pos, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) > 60 and not a.equals(c)


def test_bad_input_is_refused():
    pos = positives_table([("r1", "F1", "x", "p1", "C1", "y"), ("r1", "F2", "x", "p2", "C2", "y")])
    with pytest.raises(ValueError, match="one id with two family"):
        build_negatives(pos, seed=0)
    dup = positives_table([("r1", "F1", "x", "p1", "C1", "y")] * 2)
    with pytest.raises(ValueError, match="duplicate positive"):
        build_negatives(dup, seed=0)
    with pytest.raises(ValueError, match="fallback"):
        build_negatives(dup.head(1), seed=0, fallback="random")
    with pytest.raises(ValueError, match="lack column"):
        build_negatives(dup.drop(columns="clan"), seed=0)


@st.composite
def networks(draw):
    """Random positives over a random family/clan graph, with or without categories."""
    seed = draw(st.integers(0, 100_000))
    rng = np.random.default_rng(seed)
    n_rna, n_prot = draw(st.integers(2, 30)), draw(st.integers(2, 30))
    n_fam, n_clan = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    use_categories = draw(st.booleans())
    rna_fam = rng.integers(0, n_fam, n_rna)
    prot_clan = rng.integers(0, n_clan, n_prot)
    rna_cat = rng.integers(0, 3, n_rna) if use_categories else np.zeros(n_rna, dtype=int)
    prot_cat = rng.integers(0, 3, n_prot) if use_categories else np.zeros(n_prot, dtype=int)
    n = draw(st.integers(1, 120))
    r, p = rng.integers(0, n_rna, n), rng.integers(0, n_prot, n)
    rcat_names = ["miRNA", "snoRNA", "lncRNA"] if use_categories else ["unknown"] * 3
    pcat_names = ["TF", "RBP", "Protein"] if use_categories else ["unknown"] * 3
    rows = [
        (f"r{i}", f"F{rna_fam[i]}", rcat_names[rna_cat[i]],
         f"p{j}", f"C{prot_clan[j]}", pcat_names[prot_cat[j]])
        for i, j in zip(r, p, strict=True)
    ]  # fmt: skip
    return positives_table(rows).drop_duplicates(["rna_id", "protein_id"]), seed


@settings(max_examples=150, deadline=None)
@given(networks(), st.sampled_from(["none", "interacting"]))
def test_property_negatives_follow_app_b5(data, fallback):
    pos, seed = data
    neg, stats = build_negatives(pos, seed=seed, fallback=fallback)
    fam = dict(zip(pos.rna_id, pos.family, strict=False))
    clan = dict(zip(pos.protein_id, pos.clan, strict=False))
    rcat = dict(zip(pos.rna_id, pos.rna_category, strict=False))
    pcat = dict(zip(pos.protein_id, pos.protein_category, strict=False))
    network = set(zip(pos.family, pos.clan, strict=True))
    fam_pcats = pos.groupby("family").protein_category.agg(set).to_dict()
    clan_rcats = pos.groupby("clan").rna_category.agg(set).to_dict()
    positives = set(zip(pos.rna_id, pos.protein_id, strict=True))
    pairs = list(zip(neg.rna_id, neg.protein_id, strict=True))

    # a set: no duplicates, never a known positive, only molecules of the positives
    assert len(set(pairs)) == len(pairs)
    assert not set(pairs) & positives
    assert set(neg.rna_id) <= set(fam) and set(neg.protein_id) <= set(clan)
    # tiers 1-2 avoid interacting family-clan pairs; tier 1 also the interacting categories
    for row in neg.itertuples():
        fc = (fam[row.rna_id], clan[row.protein_id])
        assert (fc in network) == (row.negative_tier == 3)
        if row.negative_tier == 1:
            if row.negative_side == "keep_rna":
                assert pcat[row.protein_id] not in fam_pcats[fam[row.rna_id]]
            else:
                assert rcat[row.rna_id] not in clan_rcats[clan[row.protein_id]]
    # every negative that has a valid choice is filled (so 1:2 whenever possible)
    keep_rna = neg[neg.negative_side == "keep_rna"]
    for r, n_r in pos.rna_id.value_counts().items():
        valid = [p for p in clan if (fam[r], clan[p]) not in network]
        if fallback == "interacting":
            valid = [p for p in clan if (r, p) not in positives]
        got = keep_rna[keep_rna.rna_id == r]
        assert len(got) == min(n_r, len(valid))
        tier1 = [
            p
            for p in valid
            if pcat[p] not in fam_pcats[fam[r]] and (fam[r], clan[p]) not in network
        ]
        if stats.categories_used and len(tier1) >= n_r:
            assert (got.negative_tier == 1).all()
    taken = set(zip(keep_rna.rna_id, keep_rna.protein_id, strict=True))
    keep_protein = neg[neg.negative_side == "keep_protein"]
    for p, n_p in pos.protein_id.value_counts().items():
        valid = [r for r in fam if (fam[r], clan[p]) not in network and (r, p) not in taken]
        if fallback == "interacting":
            valid = [r for r in fam if (r, p) not in positives and (r, p) not in taken]
        assert (keep_protein.protein_id == p).sum() == min(n_p, len(valid))
    assert stats.n_negative + stats.n_unfilled == 2 * len(pos)
    if stats.n_unfilled == 0:
        assert stats.as_dict()["negative_to_positive_ratio"] == 2.0
