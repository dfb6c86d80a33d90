import pandas as pd
import pytest

from rnainteract.io.fasta import read_fasta
from rnainteract.io.sequences import SequenceError
from rnainteract.sources.benchmarks import (
    PairFileError,
    build_dataset,
    clean_pairs,
    parse,
    read_ipminer_triplets,
    read_positive_negative_pairs,
    read_protein_rna_label_pairs,
    read_user_pairs,
)

RNA_FA = ">1abc-R\nACGTTN\n>2XYZ-R\nGGGIAC\n>3AAA-R\nCCCC\n"
PROT_FA = ">1ABC-A\nMKVL\n>2xyz-A\nMKXW\n"


def _inputs(write, pairs_text, rna=RNA_FA, prot=PROT_FA):
    return {
        "pairs": str(write("pairs.txt", pairs_text)),
        "rna_fasta": str(write("rna.fa", rna)),
        "protein_fasta": str(write("prot.fa", prot)),
    }


def test_protein_rna_label_pairs_normalizes_case(write):
    path = write("p.txt", "1abc-A\t1ABC-R\t1\n2XYZ-A\t2xyz-R\t0\n")
    table = read_protein_rna_label_pairs(path)
    assert table.to_dict("list") == {
        "rna_id": ["1ABC-R", "2XYZ-R"],
        "protein_id": ["1ABC-A", "2XYZ-A"],
        "label": [1, 0],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no pairs"),
        ("1abc-A\t1ABC-R\n", "line 1: expected protein_id, rna_id, label"),
        ("1abc-A\t1ABC-R\t1\n1abc-A\t1ABC-R\tmaybe\n", "line 2: label 'maybe'"),
    ],
)
def test_protein_rna_label_pairs_errors(write, text, message):
    with pytest.raises(PairFileError, match=message):
        read_protein_rna_label_pairs(write("p.txt", text))


def test_positive_negative_pairs(write):
    pos = write("pos.csv", "Protein ID\tRNA ID\n1A9N-B\t1A9N-Q\n")
    neg = write("neg.csv", "Protein ID\tRNA ID\n1A9N-A\t1A9N-Q\n1a9n-C\t1A9N-Q\n")
    table = read_positive_negative_pairs(pos, neg)
    assert table.label.tolist() == [1, 0, 0]
    assert table.protein_id.tolist() == ["1A9N-B", "1A9N-A", "1A9N-C"]


def test_ipminer_triplets(write):
    text = ">1FFK_A_0|interactive\nMKV\nACGU\n>1ffk_C_0|non\nMKW\nACGU\n"
    parsed = read_ipminer_triplets(write("488.txt", text))
    assert parsed.pairs.to_dict("list") == {
        "rna_id": ["1FFK_0", "1FFK_0"],
        "protein_id": ["1FFK_A", "1FFK_C"],
        "label": [1, 0],
    }
    assert parsed.proteins == {"1FFK_A": "MKV", "1FFK_C": "MKW"}


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (">1FFK_A_0|interactive\nMKV\n", PairFileError, "not a multiple of 3"),
        (">1FFK_A|interactive\nMKV\nACGU\n", PairFileError, "not PDB_protChain_rnaChain"),
        (
            ">1FFK_A_0|interactive\nMKV\nACGU\n>1FFK_A_1|non\nMKW\nACGU\n",
            SequenceError,
            "two different sequences",
        ),
    ],
)
def test_ipminer_triplets_errors(write, text, error, message):
    with pytest.raises(error, match=message):
        read_ipminer_triplets(write("488.txt", text))


def test_user_pairs_any_column_order(write):
    path = write("u.tsv", "label\tprotein_id\trna_id\tnote\n1\tP1\tr1\tx\n0\tP2\tr1\ty\n")
    assert read_user_pairs(path).to_dict("list") == {
        "rna_id": ["r1", "r1"],
        "protein_id": ["P1", "P2"],
        "label": [1, 0],
    }
    with pytest.raises(PairFileError, match="lacks column"):
        read_user_pairs(write("v.tsv", "rna\tprotein_id\tlabel\nr\tp\t1\n"))


def test_user_pairs_with_categories(write):
    text = (
        "rna_id\tprotein_id\tlabel\trna_category\tprotein_category\n"
        "mir1\tP1\t1\tmiRNA\tTF\nmir1\tP2\t1\tmiRNA\t\n"
    )
    table = read_user_pairs(write("c.tsv", text))
    assert table.rna_category.tolist() == ["miRNA", "miRNA"]
    assert table.protein_category.tolist() == ["TF", "unknown"]  # empty field
    bad = text + "mir1\tP3\t0\tsnoRNA\tRBP\n"
    with pytest.raises(PairFileError, match=r"line 4: mir1 has rna_category 'snoRNA', but 'miRNA'"):
        read_user_pairs(write("d.tsv", bad))


def test_clean_pairs_counts_duplicates_conflicts_and_alphabet(write):
    pairs = (
        "1ABC-A\t1ABC-R\t1\n"
        "1abc-A\t1abc-R\t1\n"  # duplicate after case normalization
        "2XYZ-A\t2XYZ-R\t0\n"
        "1ABC-A\t2XYZ-R\t1\n"
        "1ABC-A\t2XYZ-R\t0\n"  # conflicting labels
    )
    parsed = parse("protein_rna_label_tsv", _inputs(write, pairs))
    table, rna, prot, stats = clean_pairs(parsed, dataset="t")
    assert stats["n_rows_read"] == 5
    assert stats["n_duplicate_rows_removed"] == 1
    assert stats["n_label_conflict_pairs_dropped"] == 1
    assert stats["label_conflict_pairs"] == [["2XYZ-R", "1ABC-A"]]
    assert table.to_dict("list") == {
        "rna_id": ["1ABC-R", "2XYZ-R"],
        "protein_id": ["1ABC-A", "2XYZ-A"],
        "label": [1, 0],
    }
    assert table.label.dtype == "int8"
    assert rna == {"1ABC-R": "ACGUUN", "2XYZ-R": "GGGNAC"}  # T->U, I->N
    assert stats["alphabet"]["rna"]["unknown_letters"] == {"I": 1}
    assert stats["alphabet"]["rna"]["n_t_to_u"] == 2
    assert stats["n_rna_records_unused"] == 1  # 3AAA-R


def test_label_conflict_error_policy(write):
    parsed = parse(
        "protein_rna_label_tsv", _inputs(write, "1ABC-A\t1ABC-R\t1\n1ABC-A\t1ABC-R\t0\n")
    )
    with pytest.raises(ValueError, match="both as positive and negative"):
        clean_pairs(parsed, dataset="t", label_conflicts="error")


def test_missing_sequence_error_and_drop(write):
    pairs = "1ABC-A\t1ABC-R\t1\n9NOP-A\t1ABC-R\t0\n2XYZ-A\t9NOP-R\t1\n"
    parsed = parse("protein_rna_label_tsv", _inputs(write, pairs))
    with pytest.raises(ValueError, match=r"t: 2 pair\(s\) lack a sequence .*'9NOP-A', '9NOP-R'"):
        clean_pairs(parsed, dataset="t")
    table, _, _, stats = clean_pairs(parsed, dataset="t", missing_sequence="drop")
    assert len(table) == 1
    assert stats["n_pairs_missing_sequence_dropped"] == 2
    assert stats["n_pairs_missing_rna_sequence"] == 1
    assert stats["n_pairs_missing_protein_sequence"] == 1


def test_unknown_letters_drop_removes_pairs(write):
    pairs = "1ABC-A\t1ABC-R\t1\n2XYZ-A\t2XYZ-R\t0\n"
    parsed = parse("protein_rna_label_tsv", _inputs(write, pairs))
    table, rna, _, stats = clean_pairs(parsed, dataset="t", unknown_letters="drop")
    assert list(rna) == ["1ABC-R"] and len(table) == 1
    assert stats["n_pairs_dropped_unknown_letters"] == 1
    with pytest.raises(SequenceError, match="'2XYZ-R' contains 'I' at position 4"):
        clean_pairs(parsed, dataset="t", unknown_letters="error")


def test_nothing_left_is_an_error(write):
    parsed = parse("protein_rna_label_tsv", _inputs(write, "9NOP-A\t1ABC-R\t1\n"))
    with pytest.raises(ValueError, match="no pair left"):
        clean_pairs(parsed, dataset="t", missing_sequence="drop")


def test_parser_checks_roles():
    with pytest.raises(ValueError, match="needs input"):
        parse("pairs_tsv", {"pairs": "x"})
    with pytest.raises(ValueError, match="unknown parser"):
        parse("nope", {})


def test_build_dataset_writes_contract(write, tmp_path):
    inputs = _inputs(write, "1ABC-A\t1ABC-R\t1\n2XYZ-A\t2XYZ-R\t0\n")
    out = tmp_path / "out"
    build_dataset(
        "protein_rna_label_tsv",
        inputs,
        dataset="t",
        source="t_pairs",
        out_pairs=out / "pairs.parquet",
        out_rna=out / "rna.fasta",
        out_proteins=out / "proteins.fasta",
        out_stats=out / "stats.json",
    )
    table = pd.read_parquet(out / "pairs.parquet")
    assert list(table.columns) == ["rna_id", "protein_id", "label", "source"]
    assert str(table.label.dtype) == "int8" and set(table.source) == {"t_pairs"}
    assert read_fasta(out / "proteins.fasta") == {"1ABC-A": "MKVL", "2XYZ-A": "MKXW"}
    assert set(read_fasta(out / "rna.fasta")["1ABC-R"]) <= set("ACGUN")


# --- real benchmark files (../shared/data) ---------------------------------------------------


def test_real_rpi488(shared_data):
    parsed = parse(
        "ipminer_triplets", {"records": shared_data / "RPI488/ipminer_lncRNA-protein-488.txt"}
    )
    table, rna, prot, stats = clean_pairs(parsed, dataset="rpi488")
    # PROVENANCE: 488 records, 243 interactive / 245 non; 25 RNAs, 247 proteins
    assert stats["n_rows_read"] == 488
    assert (len(rna), len(prot)) == (25, 247)
    assert stats["n_duplicate_rows_removed"] == 2 and stats["n_positive"] == 241
    # the same pairs as RPITER's copy of RPI488 (which uses the same ids)
    rpiter = pd.read_csv(shared_data / "RPI488/rpiter_RPI488_pairs.txt", sep="\t", header=None)
    assert set(zip(table.protein_id, table.rna_id, strict=True)) == set(
        zip(rpiter[0], rpiter[1], strict=True)
    )


def test_real_rpi1807_conflicts(shared_data):
    d = shared_data / "RPI1807"
    parsed = parse(
        "positive_negative_tsv",
        {
            "positives": d / "ipminer_RPI1807_PositivePairs.csv",
            "negatives": d / "ipminer_RPI1807_NegativePairs.csv",
            "rna_fasta": d / "rpiter_sequence_RPI1807_rna_seq.fa",
            "protein_fasta": d / "rpiter_sequence_RPI1807_protein_seq.fa",
        },
    )
    table, _, _, stats = clean_pairs(parsed, dataset="rpi1807")
    assert stats["n_rows_read"] == 1807 + 1436
    assert stats["n_label_conflict_pairs_dropped"] == 19
    assert len(table) == 1807 + 1436 - 2 * 19


def test_real_npinter_missing_rna_counted(shared_data):
    d = shared_data / "NPInter"
    parsed = parse(
        "protein_rna_label_tsv",
        {
            "pairs": d / "rpiter_NPInter_pairs.txt",
            "rna_fasta": d / "rpiedlcn_NPInter_rna_seq.fa",
            "protein_fasta": d / "rpiter_sequence_NPInter_protein_seq.fa",
        },
    )
    table, rna, _, stats = clean_pairs(parsed, dataset="npinter", missing_sequence="drop")
    assert stats["n_rows_read"] == 20824
    assert len(rna) == 1085  # the RPI-EDLCN RNA subset
    assert stats["n_pairs_missing_sequence_dropped"] == 20824 - len(table)
    assert (stats["n_positive"], stats["n_negative"]) == (3216, 3216)
