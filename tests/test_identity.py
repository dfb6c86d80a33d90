import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA

from rnainteract.annotate.identity import pairwise_identity
from rnainteract.dataset.leakage import max_train_identity
from rnainteract.io.fasta import read_fasta
from rnainteract.io.tools import ToolError


def _real_proteins(n):
    records = read_fasta(SHARED_DATA / "RPI369" / "ipminer_RPI369_protein.fa")
    return dict(list(records.items())[:n])


def test_protein_identity_by_hand(tmp_path, shared_data):
    """A real protein, a copy with every 10th residue changed, its first half, and an unrelated
    one: identities 0.9 (same length), 1.0 (contained), nothing with the unrelated one."""
    real = _real_proteins(40)
    name, seq = max(real.items(), key=lambda kv: len(kv[1]))
    mutated = "".join(("W" if c != "W" else "C") if i % 10 == 0 else c for i, c in enumerate(seq))
    half = seq[: len(seq) // 2]
    unrelated = "MKT" + "".join(np.random.default_rng(0).choice(list("ACDEFGHIKLMNPQRSTVWY"), 200))
    fasta = tmp_path / "p.fa"
    fasta.write_text(f">a\n{seq}\n>b\n{mutated}\n>c\n{half}\n>z\n{unrelated}\n")
    table = pairwise_identity(fasta, tmp_path / "id.parquet", molecule="protein")
    got = {(q, t): v for q, t, v in table.itertuples(index=False)}
    assert got[("a", "b")] == pytest.approx(0.9, abs=0.01)
    assert got[("a", "c")] == pytest.approx(1.0)
    assert got[("b", "a")] == got[("a", "b")]  # symmetric
    assert not any("z" in key for key in got) and not any(q == t for q, t in got)
    assert pd.read_parquet(tmp_path / "id.parquet").equals(table)


def test_rna_identity_finds_a_contained_fragment(tmp_path):
    rng = np.random.default_rng(1)
    long = "".join(rng.choice(list("ACGU"), 300))
    other = "".join(rng.choice(list("ACGU"), 300))
    fasta = tmp_path / "r.fa"
    fasta.write_text(f">long\n{long}\n>frag\n{long[100:160]}\n>other\n{other}\n")
    table = pairwise_identity(fasta, tmp_path / "id.parquet", molecule="rna")
    got = {(q, t): v for q, t, v in table.itertuples(index=False)}
    assert got[("frag", "long")] == pytest.approx(1.0)
    assert ("other", "long") not in got or got[("other", "long")] < 0.5


def test_bad_molecule(tmp_path):
    with pytest.raises(ValueError, match="molecule"):
        pairwise_identity(tmp_path / "x.fa", tmp_path / "o", molecule="dna")


def test_missing_mmseqs_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "a.fa").write_text(">a\nMKV\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="mmseqs not found"):
        pairwise_identity(tmp_path / "a.fa", tmp_path / "o", molecule="protein")


def test_max_train_identity():
    hits = pd.DataFrame(
        {
            "query": ["t1", "t1", "t2", "x", "t1"],
            "target": ["a", "b", "t1", "t1", "c"],
            "identity": np.array([0.4, 0.7, 0.99, 0.9, 0.7], dtype=np.float32),
        }
    )
    out = max_train_identity(hits, np.array(["t2", "t1", "t3"]), np.array(["a", "b", "c", "x"]))
    assert list(out.id) == ["t1", "t2", "t3"]
    assert out.max_identity.tolist() == pytest.approx([0.7, 0.0, 0.0])  # t2-t1 is test-test
    assert out.nearest_train_id.tolist() == ["b", None, None]  # ties: the smallest id
