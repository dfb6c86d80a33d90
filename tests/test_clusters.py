import shutil
from pathlib import Path

import pytest

from rnainteract.annotate.clusters import (
    cluster_proteins,
    cluster_rna,
    parse_cdhit_clstr,
    word_size_for,
)
from rnainteract.io.fasta import read_fasta, write_fasta

TINY = Path(__file__).parent / "data" / "mirror" / "tiny"


def test_parse_cdhit_clstr(write):
    text = (
        ">Cluster 0\n0\t76nt, >1ABC-R... *\n1\t70nt, >2XYZ-R... at +/95.00%\n"
        ">Cluster 1\n0\t40nt, >3AAA-R... *\n"
    )
    assert parse_cdhit_clstr(write("x.clstr", text)) == {
        "1ABC-R": "1ABC-R",
        "2XYZ-R": "1ABC-R",
        "3AAA-R": "3AAA-R",
    }


def test_word_size():
    assert word_size_for(0.8) == 5 and word_size_for(0.95) == 10
    with pytest.raises(ValueError):
        word_size_for(0.5)


def _canonical(tmp_path, name):
    write_fasta(read_fasta(TINY / name), tmp_path / name)
    return tmp_path / name


@pytest.mark.skipif(shutil.which("cd-hit-est") is None, reason="cd-hit-est not installed")
def test_cdhit_recovers_planted_rna_families(tmp_path):
    fasta = _canonical(tmp_path, "rna.fa")
    table = cluster_rna(fasta, tmp_path / "rna.tsv", identity=0.8)
    # fixture: 6 families x 3 members, ids start with the family number
    planted = table.id.str[0]
    assert table.cluster.nunique() == 6
    assert (table.groupby("cluster").id.apply(lambda s: s.str[0].nunique()) == 1).all()
    assert planted.nunique() == 6


@pytest.mark.skipif(shutil.which("mmseqs") is None, reason="mmseqs not installed")
def test_mmseqs_recovers_planted_protein_clans(tmp_path):
    fasta = _canonical(tmp_path, "proteins.fa")
    table = cluster_proteins(fasta, tmp_path / "p.tsv", min_seq_id=0.3, coverage=0.8)
    assert len(table) == 18 and table.cluster.nunique() == 6
    assert (table.groupby("cluster").id.apply(lambda s: s.str[0].nunique()) == 1).all()


@pytest.mark.skipif(shutil.which("cd-hit-est") is None, reason="cd-hit-est not installed")
def test_too_short_rna_becomes_singleton(tmp_path):
    # cd-hit-est throws away sequences of <= 10 nt; they must still get a family
    seq = "ACGUACGUACGUACGUAGGC" * 3
    write_fasta({"a": seq, "b": seq, "short": "ACGUA"}, tmp_path / "r.fa")
    table = cluster_rna(tmp_path / "r.fa", tmp_path / "r.tsv")
    assert dict(zip(table.id, table.cluster, strict=True)) == {"a": "a", "b": "a", "short": "short"}
