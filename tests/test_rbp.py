"""Tests of the RBP branch (rnainteract.tasks.rbp, evaluation.multilabel): MMFA's three RNA views,
the multi-label matrix and the metrics.

The expected values are worked out by hand from the MMFA paper's description of Fig. 3
(Han et al. 2024, ../shared/seeds/mmfa_multilabel_rna_rbp_paper.txt) and written next to each
test; the real-data test reads EDCNN's RBP-47 files and checks the counts stated in
../shared/data/AURA_multilabel/PROVENANCE.md.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from Bio.Data import CodonTable
from Bio.Seq import Seq
from conftest import SHARED_DATA

from rnainteract.evaluation.multilabel import multilabel_metrics
from rnainteract.tasks.rbp import data, views
from rnainteract.tasks.rbp.views import AMINO_ORDER, DIPEPTIDES, PAD_AMINO, PAD_BASE

EDCNN_ROOT = SHARED_DATA / "AURA_multilabel" / "EDCNN_RBP47_partial"
EDCNN_RBPS = ["ADAR1", "HNRNPA2B1", "PABPC1", "PUM1", "RC3H1", "STAU1", "U2AF2", "YTHDF2"]
PAD_O = PAD_AMINO  # the amino code of the letter O (untranslatable)


def aa(letter: str) -> int:
    return AMINO_ORDER.index(letter)


# ------------------------------------------------------------------------------------------
# constants


def test_constants_follow_the_paper():
    assert (views.RNA_MAX_LENGTH, views.FLANK, views.ENCODED_LENGTH) == (2700, 5, 2710)
    assert views.RNA_ORDER == "ACGU"
    # paper: "for amino acid A, the first column ...; C the second; G the sixth; I the eighth"
    assert (aa("A"), aa("C"), aa("G"), aa("I")) == (0, 1, 5, 7)
    assert sorted(AMINO_ORDER) == list(AMINO_ORDER) and len(set(AMINO_ORDER)) == 20
    assert (PAD_BASE, PAD_AMINO, views.HISTOGRAM_DEPTH) == (4, 20, 30)
    assert views.NEGATIVE_LABEL == "negative"


def test_dipeptides_are_21_by_21_without_oo():
    assert len(DIPEPTIDES) == 440 and len(set(DIPEPTIDES)) == 440
    assert "OO" not in DIPEPTIDES
    assert DIPEPTIDES[:2] == ("AA", "AC")
    assert DIPEPTIDES[19:22] == ("AY", "AO", "CA")
    assert DIPEPTIDES[-2:] == ("OW", "OY")
    alphabet = AMINO_ORDER + "O"
    for i in (0, 7, 20):
        for j in (0, 13, 20):
            if (i, j) != (20, 20):
                assert DIPEPTIDES[21 * i + j] == alphabet[i] + alphabet[j]


def test_genetic_code_is_the_standard_table():
    table = CodonTable.standard_rna_table
    assert len(views.GENETIC_CODE) == 64
    for codon, amino in views.GENETIC_CODE.items():
        if codon in table.stop_codons:
            assert amino is None, codon
        else:
            assert amino == table.forward_table[codon], codon
    assert sorted(c for c, a in views.GENETIC_CODE.items() if a is None) == ["UAA", "UAG", "UGA"]


# ------------------------------------------------------------------------------------------
# view 1: RNA


def test_rna_tokens_acgu_layout():
    tokens = views.rna_tokens("ACGU")
    assert tokens.dtype == np.uint8 and tokens.shape == (2710,)
    assert tokens.tolist() == [4] * 5 + [0, 1, 2, 3] + [4] * 2701


def test_rna_tokens_reads_t_lower_case_and_n():
    assert views.rna_tokens("acgtN")[3:11].tolist() == [4, 4, 0, 1, 2, 3, 4, 4]
    assert (views.rna_tokens("") == 4).all()


def test_rna_tokens_truncates_to_2700():
    tokens = views.rna_tokens("A" * 2700 + "CCCCC")
    assert (tokens[5:2705] == 0).all()
    assert (tokens[:5] == 4).all() and (tokens[2705:] == 4).all()
    assert not (tokens == 1).any()


@pytest.mark.parametrize(
    ("sequence", "match"),
    [("ACGX", r"'X' at position 4"), ("AC-G", r"'-' at position 3"), ("ACé", r"'é' at position 3")],
)
def test_rna_tokens_rejects_other_letters(sequence, match):
    with pytest.raises(ValueError, match=match):
        views.rna_tokens(sequence)


def test_one_hot_rna_columns():
    onehot = views.one_hot_rna(views.rna_tokens("ACGU"))
    assert onehot.dtype == np.float32 and onehot.shape == (4, 2710)
    assert onehot[:, 5].tolist() == [1, 0, 0, 0]
    assert onehot[:, 6].tolist() == [0, 1, 0, 0]
    assert onehot[:, 7].tolist() == [0, 0, 1, 0]
    assert onehot[:, 8].tolist() == [0, 0, 0, 1]
    for padded in (0, 4, 9, 2709):
        assert onehot[:, padded].tolist() == [0.25] * 4
    np.testing.assert_allclose(onehot.sum(axis=0), 1.0)
    batch = views.one_hot_rna(np.stack([views.rna_tokens("ACGU"), views.rna_tokens("U")]))
    assert batch.shape == (2, 4, 2710)
    np.testing.assert_array_equal(batch[0], onehot)
    assert batch[1, :, 5].tolist() == [0, 0, 0, 1]


def test_one_hot_rna_rejects_bad_codes():
    with pytest.raises(ValueError, match=r"0\.\.4"):
        views.one_hot_rna(np.array([0, 5], dtype=np.uint8))


# ------------------------------------------------------------------------------------------
# view 2: codons


def test_amino_tokens_hand_translation():
    # padded positions: 0-4 B, then A5 U6 G7 G8 C9 U10 U11 A12 A13 G14, then B
    amino = views.amino_tokens(views.rna_tokens("AUGGCUUAAG"))
    assert amino.dtype == np.uint8 and amino.shape == (2710,)
    expected = np.full(2710, PAD_O)
    # frame 0 (codons at 0,3,6,9,12,15): BBB, BBA, UGG=W, CUU=L, AAG=K, BBB
    expected[2:5] = [aa("W"), aa("L"), aa("K")]
    # frame 1 (codons at 1,4,7,10,13) from 903: BBB, BAU, GGC=G, UUA=L, AGB
    expected[903 + 2 : 903 + 4] = [aa("G"), aa("L")]
    # frame 2 (codons at 2,5,8,11,14) from 1806: BBB, AUG=M, GCU=A, UAA=stop, GBB
    expected[1806 + 1 : 1806 + 3] = [aa("M"), aa("A")]
    np.testing.assert_array_equal(amino, expected)


def test_amino_tokens_frame_boundaries_at_903_and_1806():
    # "GCU" * 900 fills padded 5..2704: frame 2 reads GCU=A (900 codons at 5..2702),
    # frame 0 CUG=L (899 at 6..2700), frame 1 UGC=C (899 at 7..2701)
    amino = views.amino_tokens(views.rna_tokens("GCU" * 900))
    expected = np.full(2710, PAD_O)
    expected[2:901] = aa("L")
    expected[903 + 2 : 903 + 901] = aa("C")
    expected[1806 + 1 : 1806 + 901] = aa("A")
    np.testing.assert_array_equal(amino, expected)
    assert amino[2708:].tolist() == [PAD_O, PAD_O]
    assert amino[[902, 903, 1805, 1806]].tolist() == [PAD_O] * 4


def test_amino_tokens_matches_biopython_translation():
    rng = np.random.default_rng(7)
    seq = "".join(rng.choice(list("ACGU"), size=2700))
    amino = views.amino_tokens(views.rna_tokens(seq))
    letters = AMINO_ORDER + "O"
    for frame_start, offset in ((1806 + 1, 0), (0 + 2, 1), (903 + 2, 2)):
        n = (2700 - offset) // 3
        expected = str(Seq(seq[offset : offset + 3 * n]).translate()).replace("*", "O")
        got = "".join(letters[c] for c in amino[frame_start : frame_start + n])
        assert got == expected, offset


def test_amino_tokens_batch_equals_single():
    seqs = ["AUGGCUUAAG", "GCU" * 50, "NAUNGCN", "NAUGN"]
    tokens = np.stack([views.rna_tokens(s) for s in seqs])
    batch = views.amino_tokens_batch(tokens)
    assert batch.shape == (4, 2710) and batch.dtype == np.uint8
    for i in range(4):
        np.testing.assert_array_equal(batch[i], views.amino_tokens(tokens[i]))
    np.testing.assert_array_equal(views.amino_tokens(tokens), batch)
    assert (batch[2] == PAD_O).all()  # every codon of NAUNGCN holds an N (read as B)
    # NAUGN: padded 5 N, 6-8 AUG (frame 0, codon 2) = M, everything else holds N or B
    assert np.flatnonzero(batch[3] != PAD_O).tolist() == [2] and batch[3, 2] == aa("M")
    with pytest.raises(ValueError, match=r"\(n, L\)"):
        views.amino_tokens_batch(tokens[0])


def test_one_hot_amino_o_column_is_0_05():
    amino = views.amino_tokens(views.rna_tokens("AUGGCUUAAG"))
    onehot = views.one_hot_amino(amino)
    assert onehot.dtype == np.float32 and onehot.shape == (20, 2710)
    np.testing.assert_array_equal(onehot[:, 0], np.full(20, 0.05, dtype=np.float32))
    m_column = np.zeros(20, dtype=np.float32)
    m_column[aa("M")] = 1
    np.testing.assert_array_equal(onehot[:, 1807], m_column)
    assert onehot[aa("W"), 2] == 1 and onehot[:, 2].sum() == 1
    np.testing.assert_allclose(onehot.sum(axis=0), 1.0, rtol=1e-6)
    assert views.one_hot_amino(amino[None, :]).shape == (1, 20, 2710)
    with pytest.raises(ValueError, match=r"0\.\.20"):
        views.one_hot_amino(np.array([21]))


# ------------------------------------------------------------------------------------------
# view 3: dipeptides


def test_dipeptide_counts_hand_sequence():
    # A A A O O A C: pairs AA, AA, AO, OO (not counted), OA, AC
    amino = np.array([aa("A"), aa("A"), aa("A"), PAD_O, PAD_O, aa("A"), aa("C")], dtype=np.uint8)
    counts = views.dipeptide_counts(amino)
    assert counts.dtype == np.int32 and counts.shape == (440,)
    expected = {"AA": 2, "AO": 1, "OA": 1, "AC": 1}
    assert {DIPEPTIDES[j]: int(c) for j, c in enumerate(counts) if c} == expected
    batch = views.dipeptide_counts(np.stack([amino, amino[::-1]]))
    assert batch.shape == (2, 440)
    np.testing.assert_array_equal(batch[0], counts)
    # reversed: C A O O A A A -> CA, AO, OO, OA, AA, AA
    assert {DIPEPTIDES[j]: int(c) for j, c in enumerate(batch[1]) if c} == {
        "CA": 1,
        "AO": 1,
        "OA": 1,
        "AA": 2,
    }


def test_dipeptide_counts_of_an_encoded_rna():
    amino = views.amino_tokens(views.rna_tokens("AUGGCUUAAG"))
    counts = views.dipeptide_counts(amino)
    # non-O runs: W L K (0..4), G L (905..906), M A (1807..1808), all flanked by O
    expected = {"OW": 1, "WL": 1, "LK": 1, "KO": 1, "OG": 1, "GL": 1, "LO": 1}
    expected.update({"OM": 1, "MA": 1, "AO": 1})
    assert {DIPEPTIDES[j]: int(c) for j, c in enumerate(counts) if c} == expected


def test_dipeptide_histogram_columns():
    counts = np.zeros(440, dtype=np.int32)
    counts[DIPEPTIDES.index("AA")] = 5  # paper Fig. 3C: AA five times -> top five ones
    counts[DIPEPTIDES.index("AC")] = 40  # saturates at the depth
    counts[DIPEPTIDES.index("OY")] = 1
    hist = views.dipeptide_histogram(counts)
    assert hist.dtype == np.float32 and hist.shape == (30, 440)
    assert hist[:, 0].tolist() == [1] * 5 + [0] * 25
    assert hist[:, 1].tolist() == [1] * 30
    assert hist[:, 439].tolist() == [1] + [0] * 29
    assert hist.sum() == 36
    batch = views.dipeptide_histogram(np.stack([counts, np.zeros(440, dtype=np.int32)]), depth=8)
    assert batch.shape == (2, 8, 440)
    assert batch[0, :, 0].tolist() == [1] * 5 + [0] * 3 and batch[1].sum() == 0
    with pytest.raises(ValueError, match="non-negative"):
        views.dipeptide_histogram(-counts)
    with pytest.raises(ValueError, match=r"\(440,\)"):
        views.dipeptide_histogram(counts[:400])


# ------------------------------------------------------------------------------------------
# FASTA and the label matrix


def test_read_fasta_sequences_plain_and_gzip(tmp_path):
    text = ">r1 desc\nacgt\nNNAC\n>r2\nGGU\n"
    plain = tmp_path / "a.fa"
    plain.write_text(text)
    packed = tmp_path / "b.fasta"  # gzip detected by magic bytes, not by the name
    packed.write_bytes(gzip.compress(text.encode()))
    assert data.read_fasta_sequences(plain) == ["ACGUNNAC", "GGU"]
    assert data.read_fasta_sequences(packed) == ["ACGUNNAC", "GGU"]


def test_read_fasta_sequences_names_file_and_record(tmp_path):
    bad = tmp_path / "bad.fa"
    bad.write_text(">ok\nACGU\n>utr7 x\nACRU\n")
    with pytest.raises(ValueError, match=r"bad\.fa: record 'utr7' contains 'R' at position 3"):
        data.read_fasta_sequences(bad)
    junk = tmp_path / "junk.fa"
    junk.write_text("ACGU\n>r\nACGU\n")
    with pytest.raises(ValueError, match="not FASTA"):
        data.read_fasta_sequences(junk)


HAND_POSITIVES = {"P1": ["AAA", "CCC", "AAA"], "P2": ["CCC", "GGG"]}
HAND_NEGATIVES = ["GGG", "UUU", "UUU", "ACG", "CAG", "GUC"]


def test_build_multilabel_from_sets_hand_case():
    seqs, labels, names, stats = data.build_multilabel_from_sets(HAND_POSITIVES, HAND_NEGATIVES)
    assert names == ["P1", "P2", "negative"]
    assert labels.dtype == np.int8
    # positives first-appearance order, then all 4 available negatives (None) in file order;
    # GGG is also a negative candidate but stays a positive only
    assert seqs == ["AAA", "CCC", "GGG", "UUU", "ACG", "CAG", "GUC"]
    assert labels.tolist() == [
        [1, 0, 0],
        [1, 1, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 1],
        [0, 0, 1],
        [0, 0, 1],
    ]
    assert stats["label_counts"] == {"P1": 2, "P2": 2, "negative": 4}
    assert stats["cardinality_histogram"] == {1: 2, 2: 1}
    assert stats["negatives_also_positive"] == 1
    assert (stats["negative_distinct"], stats["negatives_available"]) == (5, 4)
    assert (stats["positive_records"], stats["positive_rows"]) == (5, 3)
    assert (stats["duplicates_collapsed"], stats["duplicates_within_sets"]) == (2, 1)


def test_build_multilabel_negative_sampling_seeded_and_sized():
    def run(seed):
        seqs, labels, _, stats = data.build_multilabel_from_sets(
            HAND_POSITIVES, HAND_NEGATIVES, n_negatives=2, seed=seed
        )
        assert stats["negatives_kept"] == 2 and labels.shape == (5, 3)
        assert labels[3:].tolist() == [[0, 0, 1]] * 2
        return seqs[3:]

    available = ["UUU", "ACG", "CAG", "GUC"]
    picks = {seed: run(seed) for seed in range(6)}
    assert all(len(set(p)) == 2 and set(p) <= set(available) for p in picks.values())
    assert run(3) == picks[3]  # same seed, same sample
    assert len({tuple(p) for p in picks.values()}) > 1  # the seed matters
    order = np.random.default_rng(0).choice(4, size=2, replace=False)
    assert picks[0] == [available[i] for i in order]  # documented: default_rng(seed).choice
    with pytest.raises(ValueError, match="only 4 distinct negative"):
        data.build_multilabel_from_sets(HAND_POSITIVES, HAND_NEGATIVES, n_negatives=5)
    with pytest.raises(ValueError, match="reserved"):
        data.build_multilabel_from_sets({"negative": ["A"]}, [])


@pytest.fixture(scope="module")
def edcnn():
    if not (EDCNN_ROOT / "PUM1" / "positive.fa.gz").is_file():
        pytest.skip(f"EDCNN RBP-47 files not found at {EDCNN_ROOT}")
    return data.read_edcnn_sets(EDCNN_ROOT, EDCNN_RBPS, seed=0)


def test_read_edcnn_sets_real_counts(edcnn):
    seqs, labels, names, stats = edcnn
    assert names == [*EDCNN_RBPS, "negative"]
    # PROVENANCE.md part 3: 11,452 distinct positives; cardinality 1/2/3/4
    assert stats["positive_rows"] == 11452
    assert stats["cardinality_histogram"] == {1: 9973, 2: 1333, 3: 132, 4: 14}
    distinct = {"ADAR1": 1225, "HNRNPA2B1": 1274, "PABPC1": 1482, "PUM1": 2365}
    distinct.update({"RC3H1": 2012, "STAU1": 2229, "U2AF2": 1411, "YTHDF2": 1093})
    counts = stats["label_counts"]
    assert {k: counts[k] for k in EDCNN_RBPS} == distinct  # the table's "n distinct seqs"
    # PROVENANCE: 35,865 distinct negatives over 24 files, 234 of them also positive
    assert len(stats["negative_files"]) == 24
    assert (stats["negative_distinct"], stats["negatives_also_positive"]) == (35865, 234)
    # "max_label": the negative class as large as the largest label (PUM1 here)
    assert stats["negatives_kept"] == counts["negative"] == max(distinct.values()) == 2365
    assert labels.shape == (11452 + 2365, 9) and len(seqs) == labels.shape[0]
    assert len(set(seqs)) == len(seqs)  # keyed by exact sequence
    negatives = labels[:, -1] == 1
    assert (labels[negatives, :-1] == 0).all() and (labels[~negatives].sum(axis=1) >= 1).all()
    assert not negatives[:11452].any() and negatives[11452:].all()


def test_real_sequences_through_the_three_views(edcnn):
    seqs = edcnn[0][:3]
    tokens = np.stack([views.rna_tokens(s) for s in seqs])
    amino = views.amino_tokens_batch(tokens)
    assert views.one_hot_rna(tokens).shape == (3, 4, 2710)
    assert views.one_hot_amino(amino).shape == (3, 20, 2710)
    counts = views.dipeptide_counts(amino)
    assert views.dipeptide_histogram(counts).shape == (3, 30, 440)
    # every one of the 2709 adjacent pairs is counted unless it is OO
    for i in range(3):
        oo = int(((amino[i, :-1] == PAD_O) & (amino[i, 1:] == PAD_O)).sum())
        assert counts[i].sum() == 2709 - oo


def test_read_edcnn_sets_missing_positive(tmp_path):
    (tmp_path / "X1").mkdir()
    with pytest.raises(FileNotFoundError, match=r"X1/positive\.fa\.gz"):
        data.read_edcnn_sets(tmp_path, ["X1"])


def test_read_rnacommender_tiny(tmp_path, caplog):
    interactions = tmp_path / "interactions_HT.txt"
    interactions.write_text("P1 u1 x 3\nP2 u1\n\nP1 u2\nP2 u3\nP1 u1\nP2 u9\n")
    utrs = tmp_path / "utrs.fa"
    utrs.write_text(">u1 chr1\nACGU\n>u2\nacgt\n>u3\nGGGG\n")
    negatives = tmp_path / "UTR_hg19.fasta"
    negatives.write_text(">n1\nCCCC\n>n2\nACGU\n>u3\nAAAA\n>n3\nUUUU\n>n4\nCCCC\n")

    seqs, labels, names, stats = data.read_rnacommender(interactions, utrs, negatives)
    assert names == ["P1", "P2", "negative"]
    # rows by UTR id: u1 {P1,P2}, u2 {P1} (same sequence as u1, kept apart), u3 {P2}; u9 missing
    assert seqs[:3] == ["ACGU", "ACGU", "GGGG"]
    assert labels[:3].tolist() == [[1, 1, 0], [1, 0, 0], [0, 1, 0]]
    # negatives: n2 is a bound sequence, u3 a bound id, n4 repeats n1 -> CCCC, UUUU left;
    # max_label = 2 (P1: u1, u2; P2: u1, u3) -> both kept
    assert sorted(seqs[3:]) == ["CCCC", "UUUU"] and labels[3:].tolist() == [[0, 0, 1]] * 2
    assert stats["missing_utrs"] == 1 and stats["missing_utr_interactions"] == 1
    assert "u9" in caplog.text
    assert stats["duplicate_interactions"] == 1 and stats["interaction_lines"] == 6
    assert stats["rows_sharing_a_sequence"] == 1
    assert (stats["negatives_also_positive"], stats["negatives_bound_by_id"]) == (1, 1)
    assert (stats["negatives_available"], stats["negatives_kept"]) == (2, 2)
    assert stats["label_counts"] == {"P1": 2, "P2": 2, "negative": 2}

    seqs, labels, names, stats = data.read_rnacommender(interactions, utrs)
    assert names[-1] == "negative" and labels.shape == (3, 3)
    assert (labels[:, -1] == 0).all() and stats["negatives_kept"] == 0

    interactions.write_text("P1 u1\nP2\n")
    with pytest.raises(ValueError, match=r"interactions_HT\.txt: line 2"):
        data.read_rnacommender(interactions, utrs)


# ------------------------------------------------------------------------------------------
# metrics

Y_TRUE = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 1, 0]])
SCORES = np.array([[0.9, 0.2, 0.1], [0.6, 0.4, 0.3], [0.3, 0.8, 0.2], [0.1, 0.7, 0.05]])


def test_multilabel_metrics_hand_case():
    m = multilabel_metrics(Y_TRUE, SCORES)
    # label 0: positives .9,.3 vs negatives .6,.1 -> 3 of 4 pairs; label 1: .4,.8,.7 vs .2 -> 1;
    # label 2 has no positive -> skipped
    assert m["per_label_auc"][:2] == pytest.approx([0.75, 1.0])
    assert np.isnan(m["per_label_auc"][2]) and m["auc_skipped_labels"] == [2]
    assert m["weighted_auc"] == pytest.approx((2 * 0.75 + 3 * 1.0) / 5)  # weights = positives
    # pooled: 5 positives x 7 negatives, 32 wins + one tie (.3 vs .3)
    assert m["micro_auc"] == pytest.approx(32.5 / 35)
    # predictions at 0.5: s0 right, s1 [1,0,0] wrong, s2 [0,1,0] wrong, s3 right
    assert m["exact_match"] == pytest.approx(0.5)
    assert m["one_error_paper"] == pytest.approx(0.5)
    # top-scored label: s0 0 (true), s1 0 (false), s2 1 (true), s3 1 (true)
    assert m["one_error"] == pytest.approx(0.25)
    assert m["hamming_loss"] == pytest.approx(3 / 12)
    # F1 label 0: tp1 fp1 fn1 -> .5; label 1: tp2 fp0 fn1 -> .8; label 2 weight 0
    assert m["weighted_f1"] == pytest.approx((2 * 0.5 + 3 * 0.8) / 5)
    assert (m["n_samples"], m["n_labels"]) == (4, 3)


def test_multilabel_metrics_threshold_ties_and_errors():
    # ties in the top score go to the first index: label 0, not a true label
    m = multilabel_metrics(np.array([[0, 1], [1, 0]]), np.array([[0.5, 0.5], [0.7, 0.2]]))
    assert m["one_error"] == pytest.approx(0.5)
    # score == threshold is predicted positive: row 0 predicts [1,1] (wrong), row 1 [1,0] right
    assert m["exact_match"] == pytest.approx(0.5) and m["hamming_loss"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="must both be"):
        multilabel_metrics(Y_TRUE, SCORES[:, :2])
    with pytest.raises(ValueError, match="only 0 and 1"):
        multilabel_metrics(Y_TRUE * 2, SCORES)
