import pytest

from rnainteract.io.fasta import read_fasta, write_fasta
from rnainteract.io.sequences import AlphabetReport, SequenceError, normalize_id, normalize_sequence


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1drz-A", "1DRZ-A"),  # RPITER lower-case PDB code
        ("1DRZ-a", "1DRZ-a"),  # chain case is kept (IPMiner: lower-case chain = other molecule)
        ("1ffk_0", "1FFK_0"),  # RPI488 ids use '_'
        (" Q13148 ", "Q13148"),  # UniProt accession: unchanged
        ("n121", "n121"),  # NONCODE-style id: unchanged
    ],
)
def test_normalize_id(raw, expected):
    assert normalize_id(raw) == expected


def test_rna_t_to_u_and_case():
    report = AlphabetReport("rna")
    assert normalize_sequence("acgtT", "rna", report=report) == "ACGUU"
    assert report.n_t_to_u == 2
    assert report.n_sequences_with_unknown == 0


def test_unknown_letters_replace_counts():
    report = AlphabetReport("rna")
    assert normalize_sequence("ACIGF", "rna", policy="replace", report=report) == "ACNGN"
    assert report.unknown_letters == {"I": 1, "F": 1}
    assert report.n_sequences_with_unknown == 1


def test_unknown_letters_drop_counts():
    report = AlphabetReport("protein")
    assert normalize_sequence("MKUB", "protein", policy="drop", record="P1", report=report) is None
    assert report.as_dict()["dropped_ids"] == ["P1"]
    assert report.as_dict()["n_dropped_unknown_letters"] == 1


def test_unknown_letters_error_names_file_record_position():
    with pytest.raises(
        SequenceError, match=r"proteins.fasta: record 'P12345' contains 'J' at position 3"
    ):
        normalize_sequence(
            "MKJ", "protein", policy="error", record="P12345", source="proteins.fasta"
        )


def test_protein_x_is_allowed():
    assert normalize_sequence("mkx", "protein", policy="error") == "MKX"


def test_empty_sequence_is_an_error():
    with pytest.raises(SequenceError, match="empty rna sequence"):
        normalize_sequence("  ", "rna", record="r1")


def test_read_fasta_normalizes_ids_and_keeps_order(write):
    path = write("a.fa", ">1abc-A desc\nACG\nU\n>Q9\nMK\n")
    assert read_fasta(path) == {"1ABC-A": "ACGU", "Q9": "MK"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty FASTA file"),
        ("\n\n", "empty FASTA file"),
        ("ACGU\n>a\nACGU\n", "does not start with '>'"),
        (">a\nACGU\n>b\n>c\nAC\n", "record 'b' has an empty sequence"),
        (">\nACGU\n", "empty header"),
        (">1abc-A\nACGU\n>1ABC-A\nACGU\n", "duplicate id '1ABC-A'"),
    ],
)
def test_read_fasta_refuses_malformed(write, text, message):
    path = write("bad.fa", text)
    with pytest.raises(SequenceError, match=message) as info:
        read_fasta(path)
    assert "bad.fa" in str(info.value)


def test_write_fasta_roundtrip(tmp_path):
    records = {"a": "ACGU" * 30, "b": "MK"}
    assert write_fasta(records, tmp_path / "x.fa", width=60) == 2
    assert read_fasta(tmp_path / "x.fa") == records
    assert not list(tmp_path.glob(".*tmp"))
