"""The miRNA–target branch: miRAW parsers, canonical seed sites, candidate windows, the
CNN+transformer site model, attention MIL and the file-level pipeline (mirna_train)."""

import json
import re
import warnings

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from rnainteract.io.sequences import SequenceError
from rnainteract.tasks.mirna.data import (
    SEED_ANCHOR,
    SITE_TYPES,
    build_gene_dataset,
    build_site_dataset,
    candidate_windows,
    count_sites,
    encode_pairs,
    extended_seed_scores,
    gene_windows,
    read_gene_file,
    read_site_file,
    reverse_complement,
    site_orientation_check,
    site_pattern,
    training_sites_in_genes,
    unique_gene_pairs,
)

torch = pytest.importorskip("torch")

from rnainteract.models.neural.mirna_target import (  # noqa: E402
    AttentionMIL,
    MILClassifier,
    MirnaTargetClassifier,
    MirnaTargetNet,
    balanced_indices,
    make_bags,
    sinusoidal_positions,
)
from rnainteract.tasks.mirna.train import (  # noqa: E402
    load_site_models,
    score_gene_windows,
    seed_baselines,
    seed_match_counts,
    train_gene_mil,
    train_site_model,
)

SITES = "miRAW/site_level_40nt_TEC-miTarget"
GENES = "miRAW/TargetNet_format"

LET7A = "UGAGGUAGUAGGUUGUAUAGUU"  # hsa-let-7a-5p, 5'->3'
LET7C = "UGAGGUAGUAGGUUGUAUGGUU"  # hsa-let-7c-5p
LET7C_STORED = "UUGGUAUGUUGGAUGAUGGAGU"  # as TEC-miTarget stores it (3'->5')
MIR25 = "CAUUGCACUUGUCUCGGUCUGA"  # hsa-miR-25-3p
MIR25_STORED = "AGUCUGGCUCUGUUCACGUUAC"
# let-7a by hand: seed (positions 2-8) GAGGUAG, its reverse complement CUACCUC
LET7A_8MER, LET7A_7M8, LET7A_7A1, LET7A_6MER = "CUACCUCA", "CUACCUC", "UACCUCA", "UACCUC"
# miR-25 by hand: positions 2-8 AUUGCAC -> rc GUGCAAU; positions 2-7 AUUGCA -> rc UGCAAU
MIR25_8MER, MIR25_6MER = "GUGCAAUA", "UGCAAU"

_PAIRING = {("A", "U"), ("U", "A"), ("G", "C"), ("C", "G"), ("G", "U"), ("U", "G")}


def _occurrences(pattern: str, text: str) -> int:
    """Overlapping occurrences, counted independently of the library (regex look-ahead)."""
    return len(re.findall(f"(?={pattern})", text))


def _filler(rng, n: int, avoid=(LET7A_6MER, MIR25_6MER)) -> str:
    """A seeded random RNA string of ``n`` nt holding none of the ``avoid`` motifs."""
    while True:
        s = "".join(rng.choice(list("ACGU"), n))
        if not any(m in s for m in avoid):
            return s


def _assemble(rng, length: int, inserts: dict, avoid=(LET7A_6MER, MIR25_6MER)) -> str:
    """A random ``length``-nt string with ``inserts`` (position -> motif) and the ``avoid``
    motifs only where inserted (redrawn until the junctions create no extra occurrence)."""
    while True:
        s = list(_filler(rng, length, avoid))
        for p, motif in inserts.items():
            s[p : p + len(motif)] = motif
        s = "".join(s)
        expected = {m: sum(_occurrences(m, x) for x in inserts.values()) for m in avoid}
        if all(_occurrences(m, s) == expected[m] for m in avoid):
            return s


# --------------------------------------------------------------------------------------------
# parsers


def test_site_file_is_normalised(write):
    """TEC-miTarget rows: '>' stripped, the stored 3'->5' miRNA reversed, T->U, case folded,
    blank lines skipped, labels int8 in file order."""
    path = write(
        "sites.txt",
        f">{LET7C_STORED}\t>GGGTTTACTACCTCAAAAAA\t1\n\n>{MIR25_STORED}\t>acgtn\t0.0\r\n",
    )
    table = read_site_file(path)
    assert table.mirna_seq.tolist() == [LET7C, MIR25]
    assert LET7C == LET7C_STORED[::-1] and MIR25 == MIR25_STORED[::-1]
    assert table.site_seq.tolist() == ["GGGUUUACUACCUCAAAAAA", "ACGUN"]
    assert table.label.tolist() == [1, 0] and table.label.dtype == np.int8


_NO_GT = "both sequences must start with '>'"
_FIELDS = "expected 3 tab-separated fields .*got"


@pytest.mark.parametrize(
    "text, error, message",
    [
        (f">{LET7A}\t>ACGU\t1\n{LET7A}\t>ACGU\t1\n", ValueError, f"line 2: {_NO_GT}"),
        (f">{LET7A}\tACGU\t1\n", ValueError, f"line 1: {_NO_GT}"),
        (f">{LET7A}\t>ACGU\t2\n", ValueError, "line 1: label must be 0 or 1, got '2'"),
        (f"\n>{LET7A}\t>ACXU\t1\n", SequenceError, r"line 2: site has letters \['X'\]"),
        (f">{LET7A}E\t>ACGU\t1\n", SequenceError, r"line 1: miRNA has letters \['E'\]"),
        (">\t>ACGU\t1\n", SequenceError, "line 1: empty miRNA"),
        (f">{LET7A}\t>ACGU\n", ValueError, f"line 1: {_FIELDS} 2"),
        (f">{LET7A} >ACGU 1\n", ValueError, f"line 1: {_FIELDS} 1"),
        (f">{LET7A}\t>ACGU\t1\t1\n", ValueError, f"line 1: {_FIELDS} 4"),
    ],
)
def test_site_file_errors_name_file_and_line(write, text, error, message):
    """Malformed site rows raise the right error naming the file and the 1-based line."""
    with pytest.raises(error, match=r"bad\.txt: " + message):
        read_site_file(write("bad.txt", text))


GENE_HEADER = "mirna_id\tmirna_seq\tmrna_id\tmrna_seq\tlabel"


def test_gene_file_is_normalised_and_checked(write):
    """TargetNet rows: UTR T->U (and lower case), an optional 6th split column, the header
    checked; short rows and bad labels name file and line."""
    path = write(
        "genes.txt",
        f"{GENE_HEADER}\n"
        f"hsa-let-7a-5p\t{LET7A}\tENSG1\tacgtTTGCATN\t1\ttrain\n"
        f"hsa-miR-25-3p\t{MIR25}\tENSG2\tGGGCCC\t0\n",
    )
    table = read_gene_file(path)
    assert table.columns.tolist() == ["mirna_id", "mirna_seq", "gene_id", "utr_seq", "label"]
    assert table.utr_seq.tolist() == ["ACGUUUGCAUN", "GGGCCC"]
    assert table.gene_id.tolist() == ["ENSG1", "ENSG2"]
    assert table.label.tolist() == [1, 0] and table.label.dtype == np.int8
    bad_header = write("h.txt", "mirna\tmirna_seq\tmrna_id\tmrna_seq\tlabel\n")
    with pytest.raises(ValueError, match="h.txt: header must start with"):
        read_gene_file(bad_header)
    short = write("s.txt", f"{GENE_HEADER}\nm\t{LET7A}\tG\tACGU\t1\nm\t{LET7A}\tG\tACGU\n")
    with pytest.raises(ValueError, match=r"s.txt: line 3: expected >= 5 fields, got 4"):
        read_gene_file(short)
    label = write("l.txt", f"{GENE_HEADER}\nm\t{LET7A}\tG\tACGU\tyes\n")
    with pytest.raises(ValueError, match=r"l.txt: line 2: label must be 0 or 1"):
        read_gene_file(label)
    letter = write("x.txt", f"{GENE_HEADER}\nm\t{LET7A}\tG\tACGUZ\t1\n")
    with pytest.raises(SequenceError, match=r"x.txt: line 2: 3'UTR has letters \['Z'\]"):
        read_gene_file(letter)


# --------------------------------------------------------------------------------------------
# real data

_REAL = {}


@pytest.fixture
def real_test_sites(shared_data):
    path = shared_data / SITES / "test_seed_1234.txt"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    if "sites" not in _REAL:
        _REAL["sites"] = read_site_file(path)
    return _REAL["sites"]


def test_real_site_file_orientation(real_test_sites):
    """Real test split: counts of PROVENANCE.md, 40-nt U-alphabet sites, and positives hold a
    canonical 6mer far more often with the miRNA as read (5'->3') than reversed back."""
    table = real_test_sites
    assert len(table) == 12_532 and int(table.label.sum()) == 6_261
    assert (table.site_seq.str.len() == 40).all()
    assert not table.site_seq.str.contains("T").any()
    assert (table.mirna_seq == LET7C).sum() > 0  # let-7c, stored reversed, reads 5'->3'
    check = site_orientation_check(table)
    assert check["6mer_rate_as_read_label1"] > 0.6
    assert check["6mer_rate_as_stored_label1"] < 0.05
    assert check["6mer_rate_as_read_label0"] < 0.05
    assert check["6mer_rate_as_stored_label0"] < 0.05


def test_real_site_6mer_sits_at_the_seed_anchor(real_test_sites):
    """In the real positive sites the canonical 6mer most often starts at window position
    SEED_ANCHOR (29), the anchor of the canonical candidate windows."""
    positives = real_test_sites[real_test_sites.label == 1]
    pairs = zip(positives.mirna_seq, positives.site_seq, strict=True)
    where = [s.find(site_pattern(m, "6mer")) for m, s in pairs]
    where = np.array([w for w in where if w >= 0])
    assert SEED_ANCHOR == 29
    assert np.bincount(where).argmax() == SEED_ANCHOR
    assert np.isin(where, [29, 30]).mean() > 0.8


def test_real_mirnas_are_mirbase_mature_sequences(real_test_sites, shared_data):
    """Every miRNA as read is a mature 5'->3' miRBase sequence; almost none reversed is."""
    fasta = shared_data / "miRBase_samples" / "mature.fa"
    if not fasta.is_file():
        pytest.skip("no miRBase mature.fa")
    mature = {line.strip() for line in fasta.read_text().splitlines() if not line.startswith(">")}
    assert LET7A in mature and LET7C in mature and LET7C_STORED not in mature
    read = set(real_test_sites.mirna_seq)
    assert len(read) > 100
    assert read <= mature
    assert len({m[::-1] for m in read} & mature) / len(read) < 0.01


def test_real_gene_files(shared_data):
    """Real miRAW_Test0: 1,096 rows, 548 positives, first row as in PROVENANCE.md; Test0 and
    Test1 share all their 548 negative pairs (unique_gene_pairs membership)."""
    test0 = shared_data / GENES / "miRAW_Test0.txt"
    if not test0.is_file():
        pytest.skip(f"{test0} absent")
    t0 = read_gene_file(test0)
    assert len(t0) == 1096 and int(t0.label.sum()) == 548
    first = t0.iloc[0]
    assert (first.mirna_id, first.mirna_seq, first.gene_id) == (
        "hsa-miR-25-3p",
        MIR25,
        "ENSG00000177425",
    )
    assert first.utr_seq.startswith("AGGAUUCAAGACUCAAUGUGG") and first.label == 1
    assert set("".join(t0.utr_seq)) <= set("ACGUN")
    t1 = read_gene_file(shared_data / GENES / "miRAW_Test1.txt")
    pairs, membership = unique_gene_pairs([(0, t0), (1, t1)])
    times = membership.groupby("pair_index").size()
    labels = pairs.set_index("pair_index").label
    assert len(membership) == 2192
    assert int(((times == 2) & (labels == 0)).sum()) == 548
    assert int(((times == 1) & (labels == 0)).sum()) == 0


# --------------------------------------------------------------------------------------------
# canonical seed sites


def test_site_patterns_of_let7a_by_hand():
    """let-7a: seed 2-8 GAGGUAG, rc CUACCUC -> 8mer CUACCUCA, 7mer-m8 CUACCUC, 7mer-A1
    UACCUCA, 6mer UACCUC (Bartel 2009); miR-25 likewise; short miRNA/unknown type refused."""
    assert LET7A[1:8] == "GAGGUAG" and reverse_complement("GAGGUAG") == "CUACCUC"
    assert [site_pattern(LET7A, t) for t in SITE_TYPES] == [
        LET7A_8MER,
        LET7A_7M8,
        LET7A_7A1,
        LET7A_6MER,
    ]
    assert site_pattern(MIR25, "8mer") == MIR25_8MER and site_pattern(MIR25, "6mer") == MIR25_6MER
    assert reverse_complement("ACGUN") == "NACGU"
    with pytest.raises(ValueError, match="shorter than 8"):
        site_pattern("UGAGGUA", "6mer")
    with pytest.raises(ValueError, match="site type"):
        site_pattern(LET7A, "9mer")


def test_count_sites_hierarchy_and_overlaps():
    """An 8mer counts for all four types, a 7mer-m8 for 7mer_m8+6mer, a 7mer-A1 for
    7mer_a1+6mer; overlapping occurrences all count."""

    def counts(target):
        return [count_sites(LET7A, target, t) for t in SITE_TYPES]

    assert counts("GG" + LET7A_8MER + "GG") == [1, 1, 1, 1]
    assert counts("GG" + "CUACCUCG" + "GG") == [0, 1, 0, 1]  # 7mer-m8 only
    assert counts("GG" + "GUACCUCA" + "GG") == [0, 0, 1, 1]  # 7mer-A1 only
    assert counts("GG" + "GUACCUCG" + "GG") == [0, 0, 0, 1]  # 6mer only
    assert counts("GGGGGGGGG") == [0, 0, 0, 0]
    both = "CUACCUCA" + "GGG" + "GUACCUCG"
    assert counts(both) == [1, 1, 1, 2]
    # positions 2-7 = UUUUUU -> 6mer AAAAAA, 8mer = rc(UUUUUUU)+A = AAAAAAAA
    poly = "AUUUUUUUGCGC"
    assert site_pattern(poly, "6mer") == "AAAAAA"
    assert count_sites(poly, "A" * 8, "6mer") == 3  # starts 0, 1, 2
    assert count_sites(poly, "A" * 8, "8mer") == 1
    assert count_sites(poly, "A" * 9, "7mer_a1") == 3
    table = seed_match_counts([LET7A, LET7A], ["GG" + LET7A_8MER, both])
    assert table.columns.tolist() == list(SITE_TYPES)
    assert table.values.tolist() == [[1, 1, 1, 1], [1, 1, 1, 2]]


def test_orientation_check_on_hand_table():
    """site_orientation_check: share of pairs with a 6mer, by label, as read and reversed."""
    table = pd.DataFrame(
        {
            "mirna_seq": [LET7A, LET7A, LET7A, LET7A],
            "site_seq": ["GG" + LET7A_6MER, "GG" + LET7A_6MER, "GGGG", "GG" + LET7A_6MER],
            "label": np.array([1, 1, 1, 0], dtype=np.int8),
        }
    )
    check = site_orientation_check(table)
    assert check["6mer_rate_as_read_label1"] == pytest.approx(2 / 3)
    assert check["6mer_rate_as_read_label0"] == 1.0
    # reversed let-7a UUGAUAUGUUGGAUGAUGGAGU: positions 2-7 UGAUAU -> 6mer AUAUCA, absent
    assert check["6mer_rate_as_stored_label1"] == 0.0


# --------------------------------------------------------------------------------------------
# candidate windows


def test_stride_windows():
    """Stride mode: every stride plus a last flush window; a short UTR has the one window 0."""
    utr = "A" * 100
    assert candidate_windows(LET7A, utr, mode="stride", stride=25).tolist() == [0, 25, 50, 60]
    assert candidate_windows(LET7A, utr, mode="stride", stride=20).tolist() == [0, 20, 40, 60]
    assert candidate_windows(LET7A, "A" * 40, mode="stride", stride=7).tolist() == [0]
    assert candidate_windows(LET7A, "A" * 41, mode="stride", stride=7).tolist() == [0, 1]
    assert candidate_windows(LET7A, "A" * 25, mode="stride", stride=5).tolist() == [0]
    with pytest.raises(ValueError, match="stride"):
        candidate_windows(LET7A, utr, mode="stride", stride=0)
    with pytest.raises(ValueError, match="window mode"):
        candidate_windows(LET7A, utr, mode="sliding")


def test_canonical_windows_are_anchored_and_clamped():
    """Canonical mode: a 6mer at p gives start p-29, clamped to [0, L-40]; sorted, unique;
    none without a 6mer; a short UTR with a 6mer has window 0."""
    rng = np.random.default_rng(1)
    utr = _assemble(rng, 100, {10: LET7A_6MER, 50: LET7A_6MER, 94: LET7A_6MER})
    assert candidate_windows(LET7A, utr, mode="canonical").tolist() == [0, 21, 60]
    single = _assemble(rng, 100, {45: LET7A_6MER})
    assert candidate_windows(LET7A, single, mode="canonical").tolist() == [16]
    # two 6mers at 1 and 12 both clamp to 0: one window
    twice = _assemble(rng, 100, {1: LET7A_6MER, 12: LET7A_6MER})
    assert candidate_windows(LET7A, twice, mode="canonical").tolist() == [0]
    assert candidate_windows(LET7A, _filler(rng, 100), mode="canonical").tolist() == []
    short = _assemble(rng, 30, {20: LET7A_6MER})
    assert candidate_windows(LET7A, short, mode="canonical").tolist() == [0]


def _biopython_esa(mirna: str, utr: str) -> list[float]:
    """TargetNet's extended seed alignment with Biopython, window by window."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from Bio import pairwise2
    matrix = {(a, b): float((a, b) in _PAIRING) for a in "ACGUN" for b in "ACGUN"}
    rev, n = utr[::-1], len(utr)
    return [
        pairwise2.align.globaldx(mirna[:10], rev[n - s - 40 : n - s][5:15], matrix, score_only=True)
        for s in range(n - 40 + 1)
    ]


def test_extended_seed_scores_match_biopython():
    """extended_seed_scores equals Biopython pairwise2 globaldx (TargetNet's ESA) on seeded
    random miRNAs/UTRs; esa windows are the starts scoring >= esa_min."""
    pytest.importorskip("Bio")
    rng = np.random.default_rng(7)
    for n in (40, 57, 90):
        mirna = "".join(rng.choice(list("ACGU"), 22))
        utr = "".join(rng.choice(list("ACGU"), n))
        scores = extended_seed_scores(mirna, utr)
        reference = np.array(_biopython_esa(mirna, utr))
        assert scores.shape == (n - 39,)
        assert np.array_equal(scores, reference)
        for esa_min in (5, 7):
            assert candidate_windows(mirna, utr, mode="esa", esa_min=esa_min).tolist() == (
                np.flatnonzero(reference >= esa_min).tolist()
            )
    assert extended_seed_scores(LET7A, "A" * 39).shape == (0,)


def test_extended_seed_perfect_match_scores_ten():
    """A window whose positions 25-34 are the reverse complement of miRNA 1-10 scores 10 there
    (and is an esa window at esa_min=10); an all-C UTR pairs only the miRNA's G's."""
    rng = np.random.default_rng(3)
    utr = list(_filler(rng, 80, avoid=()))
    utr[20 + 25 : 20 + 35] = reverse_complement(LET7A[:10])
    utr = "".join(utr)
    scores = extended_seed_scores(LET7A, utr)
    assert scores[20] == 10
    assert 20 in candidate_windows(LET7A, utr, mode="esa", esa_min=10).tolist()
    # C pairs only with G; let-7a 1-10 UGAGGUAGUA has 4 G's
    assert set(extended_seed_scores(LET7A, "C" * 45).tolist()) == {4}


def test_esa_scans_only_full_windows_of_a_short_utr():
    """A 38-nt UTR whose positions 25-34 are rc(miRNA 1-10): canonical mode anchors the one
    padded window [0] on its 6mer, esa mode (TargetNet: full 40-nt windows only) has none."""
    utr = "C" * 25 + reverse_complement(LET7A[:10]) + "CCC"
    assert len(utr) == 38
    assert candidate_windows(LET7A, utr, mode="canonical").tolist() == [0]  # holds the 6mer
    assert candidate_windows(LET7A, utr, mode="esa", esa_min=6).tolist() == []
    assert candidate_windows(LET7A, utr + "CC", mode="esa", esa_min=6).tolist() == [0]


def test_gene_windows_concatenate_pairs_in_order():
    """gene_windows: pair index, start and the window string utr[s:s+40] of every window,
    pair by pair; a pair without a window contributes nothing."""
    rng = np.random.default_rng(5)
    utr_a = _assemble(rng, 120, {40: LET7A_6MER, 90: LET7A_6MER})
    utr_b = _filler(rng, 80)
    pairs = pd.DataFrame(
        {
            "pair_index": [3, 7, 9],
            "mirna_seq": [LET7A, LET7A, LET7A],
            "utr_seq": [utr_a, utr_b, utr_a[:70]],
        }
    )
    index, starts, sites = gene_windows(pairs, mode="canonical")
    assert index.tolist() == [3, 3, 9] and starts.tolist() == [11, 61, 11]
    assert sites == [utr_a[11:51], utr_a[61:101], utr_a[11:51]]
    assert all(s[29:35] == LET7A_6MER for s in sites)
    index, starts, sites = gene_windows(pairs.iloc[:0], mode="canonical")
    assert len(index) == len(starts) == len(sites) == 0


# --------------------------------------------------------------------------------------------
# encoding and pair tables


def test_encode_pairs_layout_and_errors():
    """miRNA in positions 0-29, site in 30-69, right-padded with 0, codes A1 C2 G3 U4 N5."""
    tokens = encode_pairs(["ACGUN", LET7A], ["UUN", "G" * 40])
    assert tokens.shape == (2, 70) and tokens.dtype == np.int64
    expected = np.zeros(70, dtype=np.int64)
    expected[:5] = [1, 2, 3, 4, 5]
    expected[30:33] = [4, 4, 5]
    assert tokens[0].tolist() == expected.tolist()
    assert tokens[1, :22].tolist() == [{"A": 1, "C": 2, "G": 3, "U": 4}[c] for c in LET7A]
    assert (tokens[1, 22:30] == 0).all() and (tokens[1, 30:] == 3).all()
    assert encode_pairs(["A"], ["C"], mirna_length=2, site_length=3).tolist() == [[1, 0, 2, 0, 0]]
    with pytest.raises(ValueError, match="miRNA length 31"):
        encode_pairs(["A" * 31], ["A"])
    with pytest.raises(ValueError, match="miRNA length 0"):
        encode_pairs([""], ["A"])
    with pytest.raises(ValueError, match="site length 41"):
        encode_pairs([LET7A], ["A" * 41])
    with pytest.raises(ValueError, match="2 miRNAs but 1 sites"):
        encode_pairs([LET7A, LET7A], ["A"])


def _gene_table(rows):
    table = pd.DataFrame(rows, columns=["mirna_id", "mirna_seq", "gene_id", "utr_seq", "label"])
    return table.assign(label=table.label.astype(np.int8))


def test_unique_gene_pairs_membership_and_conflicts():
    """A pair in two splits is one pair with two membership rows; two labels for one pair
    raise a ValueError naming both files."""
    a = _gene_table([("m1", LET7A, "G1", "ACGU", 1), ("m1", LET7A, "G2", "CCCC", 0)])
    b = _gene_table([("m1", LET7A, "G2", "CCCC", 0), ("m2", MIR25, "G1", "ACGU", 0)])
    pairs, membership = unique_gene_pairs([(0, a), (1, b)])
    assert pairs[["mirna_id", "gene_id", "label"]].values.tolist() == [
        ["m1", "G1", 1],
        ["m1", "G2", 0],
        ["m2", "G1", 0],
    ]
    assert pairs.pair_index.tolist() == [0, 1, 2]
    assert membership.values.tolist() == [[0, 0, 1], [0, 1, 0], [1, 1, 0], [1, 2, 0]]
    conflict = _gene_table([("m1", LET7A, "G2", "CCCC", 1)])
    with pytest.raises(ValueError, match=r"m1/G2 has two values of label in \['a.txt', 'c.txt'\]"):
        unique_gene_pairs([(0, a), (5, conflict)], sources=["a.txt", "c.txt"])
    utr_conflict = _gene_table([("m1", LET7A, "G1", "ACGA", 1)])
    with pytest.raises(ValueError, match="utr_seq"):
        unique_gene_pairs([(0, a), (1, utr_conflict)])


def test_training_sites_in_genes_counts_leaks():
    """A UTR containing a positive training site of the same miRNA is counted; one of another
    miRNA is not; a negative-only site counts as such."""
    site_pos, site_neg = "A" * 10 + LET7A_8MER + "C" * 22, "G" * 40
    sites = pd.DataFrame(
        {"mirna_seq": [LET7A, LET7A], "site_seq": [site_pos, site_neg], "label": [1, 0]}
    )
    pairs = pd.DataFrame(
        {
            "mirna_seq": [LET7A, MIR25, LET7A, LET7A],
            "utr_seq": ["UU" + site_pos + "UU", "UU" + site_pos, "C" + site_neg, "UUUU"],
            "label": [1, 0, 0, 1],
        }
    )
    counts = training_sites_in_genes(sites, pairs)
    assert counts == {
        "n_pairs": 4,
        "label1_with_positive_site": 1,
        "label0_with_negative_site_only": 1,
        "mirnas_seen_in_training": 3,
    }


# --------------------------------------------------------------------------------------------
# models


def test_sinusoidal_positions_by_hand():
    """sin in even, cos in odd columns, rate 10000^(-2i/d); odd widths are cut to width."""
    table = sinusoidal_positions(3, 4)
    assert table.shape == (3, 4) and table.dtype == torch.float32
    assert table[0].tolist() == [0.0, 1.0, 0.0, 1.0]
    expected = [np.sin(2), np.cos(2), np.sin(2 / 100), np.cos(2 / 100)]
    assert np.allclose(table[2].numpy(), expected, atol=1e-6)
    odd = sinusoidal_positions(2, 5)
    assert odd.shape == (2, 5)
    assert np.isclose(float(odd[1, 4]), np.sin(1 / 10000 ** (4 / 5)), atol=1e-6)


TINY_NET = dict(channels=8, d_model=8, n_heads=2, n_layers=1, dim_feedforward=16)


def test_site_net_shapes_and_segment_embedding():
    """Logits (n,), embeddings (n, d_model); segment embedding adds exactly 2*d_model
    parameters; even kernels refused."""
    torch.manual_seed(0)
    net = MirnaTargetNet(**TINY_NET).eval()
    tokens = torch.from_numpy(encode_pairs([LET7A, MIR25, "ACGU"], ["ACGU" * 10, "U" * 40, "GG"]))
    assert net(tokens).shape == (3,)
    assert net.embed(tokens).shape == (3, 8)
    plain = MirnaTargetNet(**TINY_NET, segment_embedding=False)
    n_with = sum(p.numel() for p in net.parameters())
    n_without = sum(p.numel() for p in plain.parameters())
    assert n_with - n_without == 2 * 8
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        MirnaTargetNet(**TINY_NET, kernel_size=4)


def test_site_net_rows_do_not_depend_on_their_batch():
    """In eval mode a pair's embedding is the same alone, batched with pairs of other padding
    patterns, or without its trailing padding (padding masked in attention and in the mean);
    the site matters."""
    torch.manual_seed(0)
    net = MirnaTargetNet(**TINY_NET, dropout=0.0).eval()
    tokens = torch.from_numpy(
        encode_pairs([LET7A, "ACGUACGU", MIR25 + "UUUU"], ["ACGU" * 10, "GGCA", "U" * 39])
    )
    with torch.inference_mode():
        together = net.embed(tokens)
        for i in range(3):
            alone = net.embed(tokens[i : i + 1])
            assert torch.allclose(alone[0], together[i], atol=1e-5)
        # with pointwise convolutions (kernel 1; wider kernels see neighbouring padding), the
        # same weights on a 34-position input without the site's 36 padding positions give the
        # same embedding: padding is masked in attention and in the mean
        torch.manual_seed(1)
        point = MirnaTargetNet(**TINY_NET, dropout=0.0, kernel_size=1).eval()
        short = MirnaTargetNet(**TINY_NET, dropout=0.0, kernel_size=1, site_length=4).eval()
        short.load_state_dict(point.state_dict())
        padded = point.embed(tokens[1:2])[0]
        assert torch.allclose(short.embed(tokens[1:2, :34])[0], padded, atol=1e-5)
        changed = tokens.clone()
        changed[0, 40] = 1 if int(tokens[0, 40]) != 1 else 2
        assert not torch.allclose(net.embed(changed)[0], together[0], atol=1e-5)


def test_site_classifier_learns_a_separable_toy_task():
    """On 300 let-7a pairs whose positives hold the full target site (rc(let-7a)+A) at a fixed
    place, the tiny classifier reaches AUROC > 0.9 on 200 new pairs; embed_and_score agrees
    with decision_function."""
    from sklearn.metrics import roc_auc_score

    site = reverse_complement(LET7A) + "A"
    rng = np.random.default_rng(0)

    def make(n):
        sites, labels = [], []
        while len(sites) < n:
            label = len(sites) % 2
            s = "".join(rng.choice(list("ACGU"), 40))
            if label:
                s = s[:13] + site + s[36:]
            if (count_sites(LET7A, s, "6mer") > 0) == bool(label):
                sites.append(s)
                labels.append(label)
        return encode_pairs([LET7A] * n, sites), np.array(labels)

    x_train, y_train = make(300)
    x_test, y_test = make(200)
    model = MirnaTargetClassifier(
        d_model=32,
        channels=16,
        n_heads=2,
        n_layers=1,
        dim_feedforward=32,
        dropout=0.0,
        lr=3e-3,
        warmup_steps=0,
        max_epochs=6,
        batch_size=16,
        patience=None,
        validation_fraction=0.0,
        seed=0,
    ).fit(x_train, y_train)
    proba = model.predict_proba(x_test)
    assert proba.shape == (200, 2) and np.allclose(proba.sum(1), 1.0)
    assert roc_auc_score(y_test, proba[:, 1]) > 0.9
    embedding, logit = model.embed_and_score(x_test[:5])
    assert embedding.shape == (5, 32)
    assert np.allclose(logit, model.decision_function(x_test[:5]), atol=1e-5)


def test_make_bags_keeps_best_windows_by_order():
    """Bags are filled best-first by ``order``, cut at max_instances, masked 1/0; an empty
    bag is all padding."""
    bag_index = np.array([0, 1, 0, 0, 2])
    features = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]], dtype=np.float32)
    order = np.array([0.1, 5.0, 0.9, 0.5, -1.0])
    instances, mask = make_bags(bag_index, features, order, 4, max_instances=2)
    assert instances.shape == (4, 2, 1) and mask.shape == (4, 2)
    assert instances[..., 0].tolist() == [[3.0, 4.0], [2.0, 0.0], [5.0, 0.0], [0.0, 0.0]]
    assert mask.tolist() == [[1, 1], [1, 0], [1, 0], [0, 0]]
    instances, mask = make_bags(bag_index, features, order, 4)
    assert instances.shape == (4, 3, 1)
    assert instances[0, :, 0].tolist() == [3.0, 4.0, 1.0]
    assert mask.sum(1).tolist() == [3, 1, 1, 0]
    instances, mask = make_bags(np.zeros(0, np.int64), np.zeros((0, 2), np.float32), np.zeros(0), 3)
    assert instances.shape == (3, 1, 2) and mask.sum() == 0


def test_attention_mil_masks_padding_and_empty_bags():
    """Attention sums to 1 over real instances and is 0 on padding; padded instances do not
    change a bag's logit; an empty bag gets empty_logit."""
    torch.manual_seed(0)
    model = AttentionMIL(5, hidden=8, attention_dim=4, dropout=0.0).eval()
    with torch.no_grad():
        model.empty_logit.fill_(3.5)
    instances = torch.randn(3, 4, 5)
    mask = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    with torch.no_grad():
        weights = model.attention(instances, mask)
        assert torch.allclose(weights.sum(1), torch.tensor([1.0, 0.0, 1.0]), atol=1e-6)
        assert (weights[0, 2:] == 0).all() and (weights[0, :2] > 0).all()
        logits = model(instances, mask)
        assert logits.shape == (3,) and float(logits[1]) == 3.5
        assert float(logits[0]) != 3.5
        other = instances.clone()
        other[0, 2:] = torch.randn(2, 5) * 10
        other[1] = torch.randn(4, 5)
        again = model(other, mask)
        assert torch.allclose(again[:2], logits[:2], atol=1e-6)


def test_mil_classifier_trains_with_empty_bags():
    """MILClassifier fits bags where positives hold one instance with a large first feature,
    with some empty bags, without NaN, ranking positives first (AUROC > 0.9)."""
    rng = np.random.default_rng(0)
    n, k = 80, 4
    instances = rng.normal(size=(n, k, 3)).astype(np.float32)
    mask = np.ones((n, k), np.float32)
    y = (np.arange(n) % 2).astype(np.float32)
    instances[y == 1, 0, 0] += 4.0
    mask[[0, 2, 4], :] = 0.0  # empty negative bags
    instances[[0, 2, 4]] = 0.0
    model = MILClassifier(hidden=8, attention_dim=4, max_epochs=15, batch_size=16, lr=1e-2, seed=0)
    model.fit(instances, mask, y)
    assert all(torch.isfinite(p).all() for p in model.module_.parameters())
    score = model.predict_proba(instances, mask)[:, 1]
    assert np.isfinite(score).all()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, score) > 0.9
    # the empty (negative) bags share the learned empty-bag logit, pushed below 0
    assert np.allclose(score[[0, 2, 4]], score[0]) and score[0] < 0.5


def test_balanced_indices_oversample_the_minority():
    """The minority class is drawn (seeded, with replacement) up to the majority count."""
    y = np.array([0, 0, 0, 0, 0, 1, 1])
    positions = np.arange(7)
    out = balanced_indices(y, positions, seed=0)
    assert len(out) == 10 and (y[out] == 1).sum() == 5 and (y[out] == 0).sum() == 5
    assert np.all(np.diff(out) >= 0) and set(positions) <= set(out)
    assert set(out[~np.isin(out, positions[:5])]) <= {5, 6}
    assert np.array_equal(out, balanced_indices(y, positions, seed=0))
    sub = np.array([0, 1, 5])
    assert sorted(y[balanced_indices(y, sub, seed=1)].tolist()) == [0, 0, 1, 1]
    assert balanced_indices(y, np.array([0, 5]), seed=0).tolist() == [0, 5]
    assert balanced_indices(y, np.array([0, 1]), seed=0).tolist() == [0, 1]


# --------------------------------------------------------------------------------------------
# the pipeline on tiny files

TINY_SITE_PARAMS = dict(
    d_model=8,
    channels=8,
    n_heads=2,
    n_layers=1,
    dim_feedforward=16,
    max_epochs=1,
    batch_size=16,
    warmup_steps=0,
)


def _embed(rng, site: str, before: int, after: int) -> str:
    """``site`` between random flanks, with no other let-7a or miR-25 6mer (redrawn)."""
    while True:
        utr = _filler(rng, before) + site + _filler(rng, after)
        if _occurrences(LET7A_6MER, utr) + _occurrences(MIR25_6MER, utr) == 1:
            return utr


def _site_line(mirna: str, site: str, label: int) -> str:
    """A TEC-miTarget row: miRNA stored 3'->5', site in the DNA alphabet."""
    return f">{mirna[::-1]}\t>{site.replace('U', 'T')}\t{label}\n"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Tiny site and gene files, the datasets built from them, one trained held-out site
    model and its window scores (shared by the pipeline tests)."""
    root = tmp_path_factory.mktemp("mirna")
    rng = np.random.default_rng(11)
    eights = {LET7A: LET7A_8MER, MIR25: MIR25_8MER}
    train_rows, test_rows = [], []
    for mirna in (LET7A, MIR25):
        for _ in range(4):  # positives: the 8mer at 28, so the 6mer at the anchor 29
            train_rows.append((mirna, _assemble(rng, 40, {28: eights[mirna]}), 1))
            train_rows.append((mirna, _filler(rng, 40), 0))
    test_rows = [(m, _assemble(rng, 40, {28: eights[m]}), 1) for m in (LET7A, MIR25, LET7A)]
    test_rows += [(m, _filler(rng, 40), 0) for m in (LET7A, MIR25)]
    test_rows.append(train_rows[1])  # a test pair also in train
    dropped = [(LET7A, _filler(rng, 39), 1), ("A" + LET7A + "CCCCCCCC", _filler(rng, 40), 0)]
    train_file = root / "train.txt"
    rows = train_rows[:8] + dropped + train_rows[8:]
    train_file.write_text("".join(_site_line(*r) for r in rows))
    test_file = root / "test.txt"
    test_file.write_text("".join(_site_line(*r) for r in test_rows))

    utr = {
        # G1 holds the first let-7a positive training site (a leak), its 6mer at 50 + 29
        "G1": _embed(rng, train_rows[0][1], 50, 60),
        "G2": _filler(rng, 120),
        "G3": _assemble(rng, 200, {30: MIR25_6MER, 150: MIR25_6MER}),
        "G4": _assemble(rng, 80, {10: LET7A_6MER}),
        "G5": _assemble(rng, 30, {5: LET7A_6MER}),
        "G6": _filler(rng, 100),
    }
    ids = {LET7A: "hsa-let-7a-5p", MIR25: "hsa-miR-25-3p"}
    pair_rows = {
        1: (LET7A, "G1", 1),
        2: (LET7A, "G2", 0),
        3: (MIR25, "G3", 1),
        4: (MIR25, "G2", 0),
        5: (LET7A, "G4", 1),
        6: (MIR25, "G6", 0),
        7: (LET7A, "G5", 1),
        8: (LET7A, "G6", 0),
        9: (MIR25, "G1", 0),
    }

    def gene_file(name, which):
        lines = [GENE_HEADER]
        for k in which:
            mirna, gene, label = pair_rows[k]
            lines.append(f"{ids[mirna]}\t{mirna}\t{gene}\t{utr[gene].replace('U', 'T')}\t{label}")
        path = root / name
        path.write_text("\n".join(lines) + "\n")
        return path

    genes = [
        gene_file("gene0.txt", [1, 2, 3, 4, 5, 6]),
        gene_file("gene1.txt", [1, 2, 4, 6, 7, 8, 9]),
    ]
    out = {
        name: root / name
        for name in (
            "sites.parquet",
            "site_stats.json",
            "pairs.parquet",
            "membership.parquet",
            "gene_stats.json",
            "site_pred.parquet",
            "site.pt",
            "windows.parquet",
            "max_pred.parquet",
        )
    }
    sites = build_site_dataset(
        [train_file], [test_file], out["sites.parquet"], out["site_stats.json"], n_folds=3, seed=1
    )
    pairs, membership = build_gene_dataset(
        genes,
        out["sites.parquet"],
        out["pairs.parquet"],
        out["membership.parquet"],
        out["gene_stats.json"],
    )
    site_pred = train_site_model(
        out["sites.parquet"],
        out["site_pred.parquet"],
        split="heldout",
        params=TINY_SITE_PARAMS,
        seeds=[0],
        out_checkpoint=out["site.pt"],
    )
    max_pred = score_gene_windows(
        out["pairs.parquet"],
        out["membership.parquet"],
        out["site.pt"],
        out["windows.parquet"],
        out["max_pred.parquet"],
        windows={"mode": "canonical"},
    )
    key = {(ids[m], g): k for k, (m, g, _) in pair_rows.items()}
    index = {
        key[(a, b)]: int(i)
        for a, b, i in zip(pairs.mirna_id, pairs.gene_id, pairs.pair_index, strict=True)
    }
    return dict(
        root=root,
        out=out,
        sites=sites,
        pairs=pairs,
        membership=membership,
        utr=utr,
        train_rows=train_rows,
        test_rows=test_rows,
        site_pred=site_pred,
        max_pred=max_pred,
        index=index,
        genes=genes,
    )


def test_build_site_dataset_folds_and_drops(tiny):
    """Training pairs get stratified folds 0..2, test pairs -1; the 39-nt site and the
    31-nt miRNA are dropped and counted; the test pair copied from train is counted."""
    sites = tiny["sites"]
    assert sites.site_index.tolist() == list(range(22))
    assert (sites.partition == "train").sum() == 16 and (sites.partition == "test").sum() == 6
    assert sites.fold.dtype == np.int16
    train = sites[sites.partition == "train"]
    assert set(train.fold) == {0, 1, 2}
    assert (sites.fold[sites.partition == "test"] == -1).all()
    for _, part in train.groupby("fold"):
        assert set(part.label) == {0, 1}
    assert train.mirna_seq.tolist() == [LET7A] * 8 + [MIR25] * 8
    assert (sites.site_seq.str.len() == 40).all() and (sites.mirna_seq.str.len() <= 30).all()
    stats = json.loads(tiny["out"]["site_stats.json"].read_text())
    assert stats["dropped"]["train.txt"] == {"site_not_40_nt": 1, "mirna_over_30_nt": 1}
    assert stats["dropped"]["test.txt"] == {"site_not_40_nt": 0, "mirna_over_30_nt": 0}
    assert stats["files"]["train.txt"] == {"partition": "train", "rows": 18, "positives": 9}
    assert (stats["n_train"], stats["n_test"], stats["test_pairs_also_in_train"]) == (16, 6, 1)
    assert stats["orientation"]["6mer_rate_as_read_label1"] == 1.0
    assert stats["orientation"]["6mer_rate_as_read_label0"] == 0.0
    assert pd.read_parquet(tiny["out"]["sites.parquet"]).equals(sites)


def test_build_gene_dataset_pairs_membership_and_leak(tiny):
    """Nine distinct pairs over 13 file rows; negatives shared by both splits counted; the
    UTR holding a let-7a training site is reported by the leakage check; UTRs in U."""
    pairs, membership = tiny["pairs"], tiny["membership"]
    assert len(pairs) == 9 and len(membership) == 13
    assert membership.groupby("split").size().tolist() == [6, 7]
    assert not pairs.utr_seq.str.contains("T").any()
    stats = json.loads(tiny["out"]["gene_stats.json"].read_text())
    assert stats["n_pairs"] == 9 and stats["n_positive_pairs"] == 4
    assert stats["pairs_in_every_split"] == {"label0": 3, "label1": 1}
    assert stats["splits"]["gene1.txt"] == {"rows": 7, "positives": 2}
    assert stats["training_sites_in_utrs"] == {
        "n_pairs": 9,
        "label1_with_positive_site": 1,
        "mirnas_seen_in_training": 9,
    }
    assert (stats["n_mirnas"], stats["n_genes"]) == (2, 6)


def test_train_site_model_heldout_predictions_and_checkpoint(tiny):
    """Held-out: one prediction per test pair (site_index, fold 0, seed 0), scores in [0,1],
    pred = score > 0.5; the checkpoint reloads to a model giving the same scores."""
    pred, sites = tiny["site_pred"], tiny["sites"]
    test = sites[sites.partition == "test"]
    assert pred.columns.tolist() == ["pair_index", "fold", "seed", "label", "score", "pred"]
    assert pred.pair_index.tolist() == test.site_index.tolist()
    assert pred.label.tolist() == test.label.tolist()
    assert (pred.fold == 0).all() and (pred.seed == 0).all()
    assert pred.score.between(0, 1).all()
    assert (pred.pred == (pred.score > 0.5)).all()
    meta = json.loads(pq.read_schema(tiny["out"]["site_pred.parquet"]).metadata[b"rnainteract"])
    assert meta["kind"] == "mirna_cnn_transformer"
    payload = torch.load(tiny["out"]["site.pt"], weights_only=True)
    assert list(payload["states"]) == ["0:0"] and len(payload["history"]["0:0"]) == 1
    models = load_site_models(tiny["out"]["site.pt"])
    assert list(models) == [0]
    tokens = encode_pairs(test.mirna_seq.tolist(), test.site_seq.tolist())
    assert np.allclose(models[0].predict_proba(tokens)[:, 1], pred.score, atol=1e-6)


def test_train_site_model_cv_fold_and_bad_split(tiny):
    """CV with folds=[1] predicts exactly the training pairs of fold 1; unknown split raises."""
    sites = tiny["sites"]
    pred = train_site_model(
        tiny["out"]["sites.parquet"],
        tiny["root"] / "cv.parquet",
        split="cv",
        params=TINY_SITE_PARAMS,
        seeds=[3],
        folds=[1],
    )
    assert sorted(pred.pair_index) == sites.site_index[sites.fold == 1].tolist()
    assert (pred.fold == 1).all() and (pred.seed == 3).all()
    with pytest.raises(ValueError, match="site-level split"):
        train_site_model(
            tiny["out"]["sites.parquet"],
            tiny["root"] / "x.parquet",
            split="random",
            params=TINY_SITE_PARAMS,
            seeds=[0],
        )


def test_score_gene_windows_is_max_over_canonical_windows(tiny):
    """Windows are the canonical ones by hand; a pair without a window scores 0 (pred 0);
    a pair's score is the max sigmoid(logit) of its windows; one row per membership row."""
    windows = pd.read_parquet(tiny["out"]["windows.parquet"])
    index = tiny["index"]
    starts = {int(p): sorted(w.start) for p, w in windows.groupby("pair_index")}
    assert starts == {
        index[1]: [50],  # 6mer at 79 -> 79 - 29
        index[3]: [1, 121],  # 6mers at 30 and 150
        index[5]: [0],  # 6mer at 10 -> clamped
        index[7]: [0],  # 30-nt UTR
    }
    assert (windows.seed == 0).all()
    assert all(len(e) == 8 for e in windows.embedding)
    pred = tiny["max_pred"]
    member = tiny["membership"]
    assert len(pred) == 13
    assert pred[["fold", "pair_index", "label"]].values.tolist() == (
        member[["split", "pair_index", "label"]].values.tolist()
    )
    prob = 1 / (1 + np.exp(-windows.logit.to_numpy(np.float64)))
    best = pd.Series(prob).groupby(windows.pair_index.to_numpy()).max()
    for _, row in pred.iterrows():
        p = int(row.pair_index)
        expected = best.get(p, 0.0)
        assert row.score == pytest.approx(expected, abs=1e-9)
        assert row.pred == int(expected > 0.5)
        if p not in starts:
            assert row.score == 0.0 and row.pred == 0
    # the window scores are the site model's on the window strings
    model = load_site_models(tiny["out"]["site.pt"])[0]
    pairs = tiny["pairs"].set_index("pair_index")
    rows = windows.sort_values(["pair_index", "start"])
    sites = [pairs.utr_seq[p][s : s + 40] for p, s in zip(rows.pair_index, rows.start, strict=True)]
    tokens = encode_pairs([pairs.mirna_seq[p] for p in rows.pair_index], sites)
    assert np.allclose(model.decision_function(tokens), rows.logit, atol=1e-5)
    assert sorted(len(s) for s in sites) == [30, 40, 40, 40, 40]  # G5 is 30 nt


def test_score_gene_windows_keep_and_chunks_do_not_change_scores(tiny):
    """keep=1 writes only each pair's best window (highest logit) and chunking the pairs
    changes nothing: the gene-level scores are still the max over all windows."""
    full = pd.read_parquet(tiny["out"]["windows.parquet"])
    out_windows, out_pred = tiny["root"] / "keep1.parquet", tiny["root"] / "keep1_pred.parquet"
    pred = score_gene_windows(
        tiny["out"]["pairs.parquet"],
        tiny["out"]["membership.parquet"],
        tiny["out"]["site.pt"],
        out_windows,
        out_pred,
        windows={"mode": "canonical"},
        keep=1,
        chunk_positions=150,
    )
    kept = pd.read_parquet(out_windows)
    best = full.loc[full.groupby("pair_index").logit.idxmax()]
    assert kept.pair_index.tolist() == sorted(best.pair_index.tolist())
    assert sorted(zip(kept.pair_index, kept.start, strict=True)) == sorted(
        zip(best.pair_index, best.start, strict=True)
    )
    assert len(full) == 5 and len(kept) == 4
    assert np.allclose(pred.score, tiny["max_pred"].score, atol=1e-6)
    assert (pred.pred == tiny["max_pred"].pred).all()


def test_train_gene_mil_cross_fitted(tiny):
    """One prediction per membership row, scores in [0,1], the same score for a pair in both
    splits, pred = score > 0.5."""
    out = tiny["root"] / "mil.parquet"
    pred = train_gene_mil(
        tiny["out"]["pairs.parquet"],
        tiny["out"]["membership.parquet"],
        tiny["out"]["windows.parquet"],
        out,
        params=dict(hidden=8, attention_dim=4, max_epochs=2, batch_size=4),
        n_splits=2,
    )
    member = tiny["membership"]
    assert len(pred) == len(member) == 13
    assert pred[["fold", "pair_index", "label"]].values.tolist() == (
        member[["split", "pair_index", "label"]].values.tolist()
    )
    assert pred.score.between(0, 1).all() and np.isfinite(pred.score).all()
    assert (pred.groupby("pair_index").score.nunique() == 1).all()
    assert (pred.pred == (pred.score > 0.5)).all()
    assert (pred.seed == 0).all()
    assert pd.read_parquet(out).equals(pred)


def test_seed_baselines_count_sites(tiny):
    """Gene level: the score is the number of 6mers in the UTR (hand counts); site level
    held-out: 8mer count = label on the hand-built test sites; CV: only the chosen fold;
    unknown rules and splits refused."""
    root, index = tiny["root"], tiny["index"]
    outputs = {
        "miraw_gene/balanced10/seed_6mer": root / "g6.parquet",
        "miraw_site/heldout/seed_8mer": root / "s8.parquet",
        "miraw_site/cv/seed_6mer": root / "cv6.parquet",
    }
    seed_baselines(
        tiny["out"]["sites.parquet"],
        tiny["out"]["pairs.parquet"],
        tiny["out"]["membership.parquet"],
        outputs,
        folds=[2],
    )
    gene = pd.read_parquet(outputs["miraw_gene/balanced10/seed_6mer"])
    hand = {1: 1, 2: 0, 3: 2, 4: 0, 5: 1, 6: 0, 7: 1, 8: 0, 9: 0}
    scores = dict(zip(gene.pair_index, gene.score, strict=True))
    assert scores == {index[k]: float(v) for k, v in hand.items()}
    assert (gene.pred == (gene.score > 0)).all() and len(gene) == 13
    site = pd.read_parquet(outputs["miraw_site/heldout/seed_8mer"])
    assert len(site) == 6 and site.score.tolist() == site.label.astype(float).tolist()
    cv = pd.read_parquet(outputs["miraw_site/cv/seed_6mer"])
    sites = tiny["sites"]
    assert sorted(cv.pair_index) == sites.site_index[sites.fold == 2].tolist()
    assert (cv.score == cv.label).all()  # 6mer exactly in the positives
    meta = json.loads(pq.read_schema(outputs["miraw_site/cv/seed_6mer"]).metadata[b"rnainteract"])
    assert meta["kind"] == "seed_6mer"
    for bad, message in (
        ("miraw_gene/balanced10/seed_9mer", "unknown seed-match"),
        ("miraw_gene/cv/seed_6mer", "no seed-match baseline"),
    ):
        with pytest.raises(ValueError, match=message):
            seed_baselines(
                tiny["out"]["sites.parquet"],
                tiny["out"]["pairs.parquet"],
                tiny["out"]["membership.parquet"],
                {bad: root / "bad.parquet"},
            )


def test_site_folds_keep_duplicate_pairs_in_one_fold(tmp_path):
    """A (miRNA, site) pair listed several times in the training files lands in one CV fold:
    stratified k-fold over rows would test some copies after training on others."""
    rng = np.random.default_rng(3)
    rows = []
    for copy in range(4):  # 30 distinct pairs, each listed 1-4 times
        for k in range(30):
            if k % 4 >= copy:
                rows.append(
                    (LET7A if k % 2 else MIR25, _filler(np.random.default_rng(k), 40), k % 2)
                )
    rng.shuffle(rows)
    train = tmp_path / "train.txt"
    train.write_text("".join(_site_line(*r) for r in rows))
    test = tmp_path / "test.txt"
    test.write_text("".join(_site_line(*r) for r in rows[:3]))
    sites = build_site_dataset(
        [train], [test], tmp_path / "sites.parquet", tmp_path / "stats.json", n_folds=5, seed=0
    )
    train_sites = sites[sites.partition == "train"]
    assert len(train_sites) == len(rows) and train_sites.duplicated(["mirna_seq", "site_seq"]).any()
    folds_per_pair = train_sites.groupby(["mirna_seq", "site_seq"]).fold.nunique()
    assert len(folds_per_pair) == 30 and (folds_per_pair == 1).all()
    assert set(train_sites.fold) == set(range(5))
    for _, part in train_sites.groupby("fold"):
        assert set(part.label) == {0, 1}
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["straddling_pairs"] == 0 and stats["duplicate_train_pairs"] == len(rows) - 30
