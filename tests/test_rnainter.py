"""RNAInter at full scale: ingest (real rows), each filtering step (DuckDB SQL), fused passes,
the SQL steps against the Arrow engine they replaced, spilling under a memory limit, the
contract."""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnainteract.io.fasta import read_fasta
from rnainteract.sources import rnainter as R
from rnainteract.sources import rnainter_sql as S

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))
import rnainter_arrow as A  # noqa: E402  (the frozen Arrow engine: the reference)

HEADER = "\t".join(R.RNAINTER_COLUMNS)


def rows_text(rows: list[tuple]) -> str:
    """An RNAInter table: header + rows of 13 fields (None -> N/A)."""
    lines = [HEADER]
    for row in rows:
        assert len(row) == 13, row
        lines.append("\t".join("N/A" if v is None else str(v) for v in row))
    return "\n".join(lines) + "\n"


def row(rid, rna, rna_cat, protein, protein_cat, rna_raw, protein_raw, score=0.5,
        species=("Homo sapiens", "Homo sapiens")):  # fmt: skip
    return (rid, rna, rna_cat, species[0], protein, protein_cat, species[1], rna_raw,
            protein_raw, score, None, "HITS-CLIP", None)  # fmt: skip


@pytest.fixture
def raw_table(tmp_path):
    """Ingest ``rows`` (a list of :func:`row` tuples) and return the Parquet path."""

    def make(rows, name="raw"):
        src = tmp_path / f"{name}.tsv"
        src.write_text(rows_text(rows))
        out = tmp_path / f"{name}.parquet"
        R.ingest_rnainter(src, out)
        return out

    return make


# --- ingest ---------------------------------------------------------------------------------


def test_real_rp_rows_parse(shared_data, tmp_path):
    """The three real RP rows (transcribed from the RNAInterAct notebook) parse column by column;
    pandas' printed NaN reads as null like RNAInter's N/A."""
    src = shared_data / "RNAInter_raw_sample" / "RNAInter_v4_RP_rows_transcribed.tsv"
    stats = R.ingest_rnainter(src, tmp_path / "raw.parquet")
    table = pd.read_parquet(tmp_path / "raw.parquet")
    assert stats["rows"] == 3 and list(table.columns) == R.RNAINTER_COLUMNS
    first = table.iloc[0]
    assert (first.RNAInterID, first["Interactor1.Symbol"], first.Category1) == (
        "RP34117562",
        "2010103J01Rik",
        "lncRNA",
    )
    assert (first.Raw_ID1, first.Raw_ID2, first.score) == ("NCBI:69889", "NCBI:56758", 0.1229)
    assert table.strong.isna().all() and table.weak.tolist()[2] == "HITS-CLIP"
    assert table.predict.tolist() == ["Scan pipeline widely used MATCH algorithm"] * 3
    counts = S.run_steps([("rna_protein", {}), ("map_ids", {})], tmp_path / "raw.parquet",
                         tmp_path / "mapped.parquet")  # fmt: skip
    assert [c["rows_out"] for c in counts] == [3, 3]
    mapped = pd.read_parquet(tmp_path / "mapped.parquet")
    assert sorted(mapped.rna_id) == ["ncbi:100503199", "ncbi:69522", "ncbi:69889"]
    assert set(mapped.protein_id) == {"ncbi:56758"}
    assert S.unique_ids(tmp_path / "mapped.parquet") == {
        ("protein", "ncbi"): ["56758"],
        ("rna", "ncbi"): ["100503199", "69522", "69889"],
    }


def test_real_rna_rna_rows_parse_and_are_not_rna_protein(shared_data, tmp_path):
    """26 real RNAInter RR rows (raw format, N/A evidence) parse; none has a protein."""
    src = shared_data / "RNAInter_raw_sample" / "RNAInter_RR_RNU4-2_rows.orientation_restored.tsv"
    assert R.ingest_rnainter(src, tmp_path / "rr.parquet")["rows"] == 26
    table = pd.read_parquet(tmp_path / "rr.parquet")
    assert table.strong.isna().all() and set(table.weak) >= {"PARIS"}
    counts = S.run_step("rna_protein", tmp_path / "rr.parquet", tmp_path / "out.parquet")
    assert counts["rows_out"] == 0 and counts["reasons"] == {"no protein interactor": 26}
    assert pq.read_schema(tmp_path / "out.parquet").names == [*A.PAIR_ROW_COLUMNS, "reoriented"]


def test_tar_gz_is_streamed_like_the_plain_table(shared_data, tmp_path):
    src = shared_data / "RNAInter_raw_sample" / "RNAInter_RR_RNU4-2_rows.orientation_restored.tsv"
    archive = tmp_path / "Download_data_RP.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="Download_data_RP.txt")
    R.ingest_rnainter(archive, tmp_path / "a.parquet")
    R.ingest_rnainter(src, tmp_path / "b.parquet")
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def test_bad_header_and_bad_rows_name_the_file(tmp_path):
    bad = tmp_path / "bad_header.tsv"
    bad.write_text(HEADER.replace("Raw_ID1", "RawID1") + "\n")
    with pytest.raises(R.RNAInterFormatError, match="bad_header.tsv.*missing \\['Raw_ID1'\\]"):
        R.ingest_rnainter(bad, tmp_path / "x.parquet")
    short = tmp_path / "short_row.tsv"
    good = row("RP1", "a", "lncRNA", "P", "RBP", "NCBI:1", "NCBI:2")
    short.write_text(rows_text([good]) + "RP2\tb\tlncRNA\n")
    with pytest.raises(R.RNAInterFormatError, match="short_row.tsv.*malformed row"):
        R.ingest_rnainter(short, tmp_path / "y.parquet")
    assert not (tmp_path / "y.parquet").exists()  # nothing half-written
    score = tmp_path / "score.tsv"
    score.write_text(rows_text([row("RP1", "a", "lncRNA", "P", "RBP", "NCBI:1", "NCBI:2", "x")]))
    with pytest.raises(R.RNAInterFormatError, match="score.tsv"):
        R.ingest_rnainter(score, tmp_path / "z.parquet")


def test_truncated_or_corrupt_archives_are_format_errors(tmp_path):
    """A download cut short must fail, naming the file, not ingest fewer rows."""
    table = tmp_path / "Download_data_RP.txt"
    table.write_text(rows_text([
        row(f"RP{i}", f"r{i}", "lncRNA", f"p{i}", "RBP", f"NCBI:{i}", f"NCBI:{i + 1}")
        for i in range(20_000)
    ]))  # fmt: skip
    archive = tmp_path / "full.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(table, arcname=table.name)
    assert R.ingest_rnainter(archive, tmp_path / "full.parquet")["rows"] == 20_000
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(b"<html>Service unavailable</html>")
    for bad in (cut, garbage):
        with pytest.raises(R.RNAInterFormatError, match=f"{bad.name}: truncated or corrupt"):
            R.ingest_rnainter(bad, tmp_path / "out.parquet")
        assert not (tmp_path / "out.parquet").exists()


def test_a_failing_parquet_write_fails_the_ingest(tmp_path, monkeypatch):
    """Row groups are written by a background thread: its error (here a full disk) must reach
    the caller, and no output file is left behind."""
    src = tmp_path / "t.tsv"
    src.write_text(rows_text([row("RP1", "a", "lncRNA", "P", "RBP", "NCBI:1", "NCBI:2")]))

    def disk_full(self, table, row_group_size=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", disk_full)
    with pytest.raises(OSError, match="No space left"):
        R.ingest_rnainter(src, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["t.tsv"]  # no temp file either


def test_row_groups_do_not_change_the_table(tmp_path):
    """Small CSV blocks grouped into row groups give the same rows as one block, and the steps
    (on two DuckDB threads, which read row groups in parallel) count the same and keep the rows
    in the same order."""
    rows = [
        row(f"RP{i}", f"r{i % 97}", ["lncRNA", "mRNA", "snoRNA"][i % 3], f"p{i % 13}", "RBP",
            f"NCBI:{i % 97}", f"UniProt:P{i % 13:05d}", round((i % 10) / 10, 1))
        for i in range(3000)
    ]  # fmt: skip
    src = tmp_path / "t.tsv"
    src.write_text(rows_text(rows))
    R.ingest_rnainter(src, tmp_path / "one.parquet")
    R.ingest_rnainter(src, tmp_path / "many.parquet", block_size=1 << 14, row_group_rows=500)
    one, many = pq.ParquetFile(tmp_path / "one.parquet"), pq.ParquetFile(tmp_path / "many.parquet")
    assert one.metadata.num_row_groups == 1 and many.metadata.num_row_groups > 3
    assert (
        min(many.metadata.row_group(i).num_rows for i in range(many.metadata.num_row_groups - 1))
        >= 500
    )
    assert one.read().equals(many.read())
    steps = [("rna_protein", {}), ("categories", {}), ("map_ids", {})]
    a = S.run_steps(steps, tmp_path / "one.parquet", tmp_path / "a.parquet", threads=2)
    b = S.run_steps(steps, tmp_path / "many.parquet", tmp_path / "b.parquet", threads=2)
    assert [c["reasons"] for c in a] == [c["reasons"] for c in b]
    assert a[1]["reasons"] == {"rna category mRNA": 1000}
    assert pd.read_parquet(tmp_path / "a.parquet").equals(pd.read_parquet(tmp_path / "b.parquet"))


# --- the row-wise steps ---------------------------------------------------------------------

ROWS = [
    row("RP1", "r1", "lncRNA", "p1", "RBP", "NCBI:11", "UniProt:P12345", 0.9),
    row("RP2", "p2", "TF", "r2", "snoRNA", "NCBI:22", "Ensembl:ENSG0001", 0.4),  # reversed
    row("RP3", "r3", "mRNA", "p1", "RBP", "NCBI:33", "UniProt:P12345"),
    row("RP4", "r4", None, "p1", "RBP", "NCBI:44", "UniProt:P12345"),  # no category
    row(
        "RP5",
        "r5",
        "miRNA",
        "p3",
        "Protein",
        "miRBase:hsa-let-7a-5p",
        "NCBI:55",
        species=("Mus musculus", "Homo sapiens"),
    ),  # fmt: skip
    row("RP6", "r6", "lncRNA", "p4", "RBP", "FlyBase:FBgn1", "NCBI:66"),  # unknown prefix
    row("RP7", "r7", "lncRNA", "p5", "RBP", "NONCODE:NONHSAT1.2", "Ensembl:ENSP1"),  # protein db
    row("RP8", "p6", "RBP", "p7", "TF", "NCBI:88", "NCBI:89"),  # protein-protein
    row("RP9", "r9", "snRNA", "p1", "RBP", "NCBI", "UniProt:P12345"),  # no prefix
    row("RP10", "r1", "lncRNA", "p1", "RBP", "ncbi: 11 ", "UniProt:P12345", 0.95),  # duplicate
]


def test_each_row_step_counts_what_it_drops(raw_table, tmp_path):
    raw = raw_table(ROWS)
    s1 = S.run_step("rna_protein", raw, tmp_path / "s1.parquet")
    assert (s1["rows_in"], s1["rows_out"], s1["reoriented"]) == (10, 9, 1)
    assert s1["reasons"] == {"protein-protein": 1}
    t1 = pd.read_parquet(tmp_path / "s1.parquet").set_index("row")
    assert list(t1.columns) == [*A.PAIR_ROW_COLUMNS[1:], "reoriented"]
    swapped = t1.loc[1]  # RP2: its RNA was listed second
    assert (swapped.rna_category, swapped.protein_category) == ("snoRNA", "TF")
    assert t1.reoriented.tolist() == [i == 1 for i in t1.index]
    assert (swapped.rna_raw_id, swapped.protein_raw_id) == ("Ensembl:ENSG0001", "NCBI:22")
    s2 = S.run_step("categories", tmp_path / "s1.parquet", tmp_path / "s2.parquet")
    assert s2["reasons"] == {"rna category mRNA": 1, "rna category missing": 1}
    s3 = S.run_step("species", tmp_path / "s2.parquet", tmp_path / "s3.parquet",
                    params={"species": ["Homo sapiens"]})  # fmt: skip
    assert s3["reasons"] == {"rna species Mus musculus": 1} and s3["rows_out"] == 6
    same = S.run_step("species", tmp_path / "s2.parquet", tmp_path / "s3b.parquet",
                      params={"species": None})  # fmt: skip
    assert same["rows_out"] == same["rows_in"] == 7
    s4 = S.run_step("map_ids", tmp_path / "s3.parquet", tmp_path / "s4.parquet")
    assert s4["reasons"] == {
        "rna prefix FlyBase": 1,
        "protein database ensembl not used": 1,
        "rna raw id without prefix": 1,
    }
    mapped = pd.read_parquet(tmp_path / "s4.parquet")
    assert list(mapped.columns) == S.MAPPED_COLUMNS
    assert sorted(zip(mapped.rna_id, mapped.protein_id, mapped.reoriented, strict=True)) == [
        ("ensembl:ENSG0001", "ncbi:22", True),  # RP2, listed protein first
        ("ncbi:11", "uniprot:P12345", False),
        ("ncbi:11", "uniprot:P12345", False),  # RP10's " 11 " is trimmed: a duplicate pair
    ]


def test_fused_pass_equals_the_steps_one_by_one(raw_table, tmp_path):
    raw = raw_table(ROWS * 3)
    steps = [
        ("rna_protein", {}),
        ("categories", {"exclude_rna_categories": ["mRNA", "lncRNA"]}),
        ("species", {"species": ["Homo sapiens"]}),
        ("map_ids", {}),
    ]
    fused = S.run_steps(steps, raw, tmp_path / "fused.parquet", out_counts=tmp_path / "c.json")
    src = raw
    for i, (name, params) in enumerate(steps):
        out = tmp_path / f"one{i}.parquet"
        alone = S.run_step(name, src, out, params=params)
        assert {k: alone[k] for k in ("rows_in", "rows_out", "reasons")} == {
            k: fused[i][k] for k in ("rows_in", "rows_out", "reasons")
        }
        src = out
    a = pd.read_parquet(tmp_path / "fused.parquet").sort_values("row").reset_index(drop=True)
    b = pd.read_parquet(src).sort_values("row").reset_index(drop=True)
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))
    assert [c["step"] for c in json.loads((tmp_path / "c.json").read_text())] == [
        s for s, _ in steps
    ]
    with pytest.raises(ValueError, match="unknown RNAInter step"):
        S.run_step("nope", raw, tmp_path / "x.parquet")
    with pytest.raises(ValueError, match="step species: unknown parameter.*'specie'"):
        S.run_step("species", raw, tmp_path / "x.parquet", params={"specie": ["Homo sapiens"]})
    with pytest.raises(ValueError, match="a step given twice"):
        S.run_steps([("length", {"max_rna_length": 800}), ("length", {})], raw,
                    tmp_path / "x.parquet")  # fmt: skip
    assert not (tmp_path / "x.parquet").exists()


def test_vectorized_prefix_mapping_matches_the_reference(tmp_path):
    """The map_ids SQL agrees with the plain-Python parse_raw_id of the Arrow engine on odd
    inputs (Unicode whitespace around the accession included)."""
    raw_ids = ["NCBI:69889", "ncbi: 12 ", "UniProt:P12345", "miRBase:hsa-miR-21-5p", "Foo:1",
               "NOPREFIX", None, "NCBI:", "Ensembl:ENSG1", "NONCODE:NONHSAT1.2",
               "RefSeq:NR_1:2", ":x", "MIRBASE:MIMAT0000062", "NCBI:1,2", "NCBI:1 2",
               "NCBI:\u00a0 77\u3000", " uniprot :P1", "NCBI:\t\n",
               "Ensembl:ENSG2\u2028"]  # fmt: skip
    n = len(raw_ids)
    table = pa.table({
        "row": pa.array(range(n), pa.int64()), "reoriented": [False] * n, "score": [0.5] * n,
        "rna_raw_id": pa.array(raw_ids, pa.string()), "protein_raw_id": ["UniProt:Q1"] * n,
    })  # fmt: skip
    pq.write_table(table, tmp_path / "in.parquet")
    counts = S.run_step("map_ids", tmp_path / "in.parquet", tmp_path / "out.parquet")
    out = pd.read_parquet(tmp_path / "out.parquet").set_index("row")
    expected_reasons: dict[str, int] = {}
    for i, raw in enumerate(raw_ids):
        database, accession, reason = A.parse_raw_id(raw, "rna")
        if reason is None:
            assert out.loc[i, "rna_id"] == f"{database}:{accession}"
        else:
            assert i not in out.index
            expected_reasons[reason] = expected_reasons.get(reason, 0) + 1
    assert counts["reasons"] == expected_reasons
    assert out.loc[15, "rna_id"] == "ncbi:77" and out.loc[18, "rna_id"] == "ensembl:ENSG2"
    assert counts["reasons"]["rna accession with comma or space"] == 2


# --- sequences, dedupe, length, cap ---------------------------------------------------------


def mapped_table(path, pairs, scores=None):
    """A map_ids-shaped table of (rna_id, protein_id) pairs, rows numbered in order, with the
    Arrow engine's categories and databases too (the SQL steps carry extra columns along)."""
    n = len(pairs)
    pq.write_table(pa.table({
        "row": pa.array(range(n), pa.int64()), "reoriented": [False] * n,
        "rna_category": ["lncRNA"] * n, "protein_category": ["RBP"] * n,
        "score": pa.array(scores if scores is not None else [0.5] * n, pa.float64()),
        "rna_database": [p[0].split(":")[0] for p in pairs], "rna_id": [p[0] for p in pairs],
        "protein_database": [p[1].split(":")[0] for p in pairs],
        "protein_id": [p[1] for p in pairs],
    }), path)  # fmt: skip
    return path


def test_sequence_tables_and_the_sequences_step(tmp_path):
    table, counts = R.sequence_table(
        "rna", "ncbi", {"1": "acgT", "2": "ACGN", "3": "AC GU\n"}, {"1": "NR_1.1"}, ["4"]
    )
    assert table.set_index("id").status.to_dict() == {
        "ncbi:1": "ok", "ncbi:2": "invalid letters", "ncbi:3": "ok", "ncbi:4": "not found",
    }  # fmt: skip
    assert table.set_index("id").sequence.to_dict()["ncbi:1"] == "ACGU"
    assert table.set_index("id").record.to_dict()["ncbi:1"] == "NR_1.1"
    assert counts["ok"] == 2 and counts["extraction_rate"] == 0.5
    R.write_parquet(table, tmp_path / "rna.parquet")
    proteins, _ = R.sequence_table("protein", "uniprot", {"P1": "MKV" * 400, "P2": "MKV"}, {}, [])
    R.write_parquet(proteins, tmp_path / "protein.parquet")
    empty, _ = R.sequence_table("rna", "ensembl", {}, {}, [])  # all-null columns: null type
    R.write_parquet(empty, tmp_path / "empty.parquet")
    pairs = [("ncbi:1", "uniprot:P2"), ("ncbi:2", "uniprot:P2"), ("ncbi:4", "uniprot:P2"),
             ("ncbi:9", "uniprot:P2"), ("ncbi:3", "uniprot:P1")]  # fmt: skip
    src = mapped_table(tmp_path / "m.parquet", pairs)
    counts = S.run_steps(
        [
            ("sequences", {"rna_tables": [tmp_path / "empty.parquet", tmp_path / "rna.parquet"],
                           "protein_tables": [tmp_path / "protein.parquet"]}),
            ("length", {"max_rna_length": 1024, "max_protein_length": 1024}),
        ],
        src,
        tmp_path / "out.parquet",
    )  # fmt: skip
    assert counts[0]["reasons"] == {
        "rna ncbi invalid letters": 1, "rna ncbi not found": 1, "rna ncbi not fetched": 1,
    }  # fmt: skip
    assert counts[1]["reasons"] == {"protein longer than 1024": 1}
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out[["rna_id", "rna_length", "protein_length"]].values.tolist() == [["ncbi:1", 4, 3]]
    # an id in two tables: the first table's row counts (as in the Arrow engine), no row doubles
    again, _ = R.sequence_table("rna", "ncbi", {"3": "ACGUACGU"}, {}, ["1"])
    R.write_parquet(again, tmp_path / "again.parquet")
    proteins = [tmp_path / "protein.parquet"]
    for order in ([tmp_path / "rna.parquet", tmp_path / "again.parquet"],
                  [tmp_path / "again.parquet", tmp_path / "rna.parquet"]):  # fmt: skip
        step = [("sequences", {"rna_tables": order, "protein_tables": proteins})]
        mine = S.run_steps(step, src, tmp_path / "s.parquet")[0]
        theirs = A.run_steps(step, src, tmp_path / "a.parquet")[0]
        assert (mine["rows_in"], mine["reasons"]) == (5, theirs["reasons"])
        a, b = (pd.read_parquet(tmp_path / f"{k}.parquet").sort_values("row") for k in "sa")
        assert a[["row", "rna_length"]].values.tolist() == b[["row", "rna_length"]].values.tolist()


def test_dedupe_keeps_the_highest_score_then_the_first_row(tmp_path):
    pairs = [("a:1", "b:1"), ("a:1", "b:1"), ("a:1", "b:2"), ("a:1", "b:1"), ("a:2", "b:2"),
             ("a:2", "b:2")]  # fmt: skip
    src = mapped_table(tmp_path / "m.parquet", pairs, [0.2, 0.7, 0.1, 0.7, None, 0.3])
    counts = S.run_step("dedupe", src, tmp_path / "d.parquet")
    assert counts["reasons"] == {"duplicate pair": 3}
    kept = pd.read_parquet(tmp_path / "d.parquet").sort_values("row").row.tolist()
    assert kept == [1, 2, 5]  # 0.7 (first of the tie), the single b:2 pair, 0.3 over null


def reference_cap(pairs, cap, seed):
    """Plain-Python cap: order rows by the seeded hash, keep per RNA, then per protein."""
    keys = S.row_hash(np.arange(len(pairs)), seed=seed)
    order = sorted(range(len(pairs)), key=lambda i: keys[i])
    per_rna: dict[str, int] = {}
    first = []
    for i in order:
        if per_rna.get(pairs[i][0], 0) < cap:
            per_rna[pairs[i][0]] = per_rna.get(pairs[i][0], 0) + 1
            first.append(i)
    per_protein: dict[str, int] = {}
    kept = []
    for i in first:
        if per_protein.get(pairs[i][1], 0) < cap:
            per_protein[pairs[i][1]] = per_protein.get(pairs[i][1], 0) + 1
            kept.append(i)
    return sorted(kept)


def cap(src, out, **params):
    return S.run_step("cap", src, out, params=params)


def test_cap_matches_a_plain_python_reference_and_is_seeded(tmp_path):
    rng = np.random.default_rng(0)
    rnas = rng.zipf(1.5, 3000) % 40
    proteins = rng.zipf(1.3, 3000) % 25
    pairs = [(f"r:{a}", f"p:{b}") for a, b in zip(rnas, proteins, strict=True)]
    src = mapped_table(tmp_path / "m.parquet", pairs)
    counts = cap(src, tmp_path / "c.parquet", max_per_interactor=20, seed=7)
    kept = pd.read_parquet(tmp_path / "c.parquet")
    assert sorted(kept.row) == reference_cap(pairs, 20, 7)
    assert kept.rna_id.value_counts().max() <= 20 and kept.protein_id.value_counts().max() <= 20
    assert sum(counts["reasons"].values()) == 3000 - len(kept)
    assert set(counts["reasons"]) == {
        "more than 20 interactions of the RNA", "more than 20 interactions of the protein",
    }  # fmt: skip
    cap(src, tmp_path / "c2.parquet", max_per_interactor=20, seed=8)
    assert sorted(pd.read_parquet(tmp_path / "c2.parquet").row) != sorted(kept.row)
    cap(src, tmp_path / "c3.parquet", max_per_interactor=20, seed=7)
    assert sorted(pd.read_parquet(tmp_path / "c3.parquet").row) == sorted(kept.row)
    everything = cap(src, tmp_path / "c4.parquet", max_per_interactor=None)
    assert everything["rows_out"] == 3000
    with pytest.raises(ValueError, match="max_per_interactor"):
        cap(src, tmp_path / "c5.parquet", max_per_interactor=0)


def test_row_hash_is_splitmix64():
    """Fixed values: the cap's subsampling must not change with numpy or the machine."""

    def splitmix64(x: int) -> int:
        mask = (1 << 64) - 1
        z = (x + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    rows = np.array([0, 1, 2, 12345678901], dtype=np.int64)
    assert S.row_hash(rows, seed=42).tolist() == [splitmix64(int(r) ^ 42) for r in rows]
    assert S.row_hash(np.array([0]), seed=0).tolist() == [0xE220A8397B1DCDAF]


def test_empty_inputs_give_empty_outputs_with_the_schema(raw_table, tmp_path):
    raw = raw_table([row("RP1", "r", "mRNA", "p", "RBP", "NCBI:1", "NCBI:2")])
    counts = S.run_steps(
        [("rna_protein", {}), ("categories", {}), ("species", {}), ("map_ids", {})],
        raw,
        tmp_path / "m.parquet",
    )
    assert counts[1]["rows_out"] == 0 and counts[3]["rows_in"] == 0
    assert pq.read_schema(tmp_path / "m.parquet").names == S.MAPPED_COLUMNS
    assert S.run_step("dedupe", tmp_path / "m.parquet", tmp_path / "d.parquet")["rows_out"] == 0
    assert S.run_step("cap", tmp_path / "d.parquet", tmp_path / "c.parquet")["rows_out"] == 0
    assert pq.read_schema(tmp_path / "c.parquet").names == S.MAPPED_COLUMNS


# --- the contract ---------------------------------------------------------------------------


def test_pairs_contract_symbols_from_the_raw_table(raw_table, tmp_path):
    raw = raw_table(ROWS[:2])  # RP1 as listed, RP2 with its protein listed first
    S.run_steps([("rna_protein", {}), ("map_ids", {})], raw, tmp_path / "m.parquet")
    rna, _ = R.sequence_table("rna", "ncbi", {"11": "ACGU"}, {}, [])
    rna2, _ = R.sequence_table("rna", "ensembl", {"ENSG0001": "GGGA"}, {}, [])
    prot, _ = R.sequence_table("protein", "uniprot", {"P12345": "MKV"}, {}, [])
    prot2, _ = R.sequence_table("protein", "ncbi", {"22": "MAAA"}, {}, [])
    paths = {}
    for name, table in (("r1", rna), ("r2", rna2), ("p1", prot), ("p2", prot2)):
        paths[name] = tmp_path / f"{name}.parquet"
        R.write_parquet(table, paths[name])
    out = {k: tmp_path / f"{k}.out" for k in ("pairs", "rna", "proteins")}
    stats = R.write_rnainter_pairs(
        tmp_path / "m.parquet", [paths["r1"], paths["r2"]], [paths["p1"], paths["p2"]], raw=raw,
        out_pairs=out["pairs"], out_rna=out["rna"], out_proteins=out["proteins"],
    )  # fmt: skip
    pairs = pd.read_parquet(out["pairs"])
    assert list(pairs.columns[:4]) == ["rna_id", "protein_id", "label", "source"]
    assert pairs.label.dtype == "int8" and set(pairs.label) == {1}
    by_rna = pairs.set_index("rna_id")
    assert by_rna.loc["ensembl:ENSG0001", ["interaction_id", "rna_symbol", "protein_symbol"]
                      ].tolist() == ["RP2", "r2", "p2"]  # fmt: skip
    assert by_rna.loc["ncbi:11", ["rna_category", "protein_category"]].tolist() == ["lncRNA", "RBP"]
    assert by_rna.loc["ensembl:ENSG0001", ["rna_category", "protein_category"]].tolist() == [
        "snoRNA",
        "TF",
    ]  # RP2, listed protein first
    assert read_fasta(out["rna"]) == {"ensembl:ENSG0001": "GGGA", "ncbi:11": "ACGU"}
    assert stats["n_pairs"] == 2 and stats["protein_categories"] == {"RBP": 0.5, "TF": 0.5}
    with pytest.raises(ValueError, match="without a sequence"):
        R.write_rnainter_pairs(
            tmp_path / "m.parquet", [paths["r1"]], [paths["p1"], paths["p2"]], raw=raw,
            out_pairs=out["pairs"], out_rna=out["rna"], out_proteins=out["proteins"],
        )  # fmt: skip
    old = pd.read_parquet(tmp_path / "m.parquet").drop(columns="reoriented")
    old.to_parquet(tmp_path / "old.parquet")  # a stage file of an earlier version
    with pytest.raises(ValueError, match=r"old.parquet: no column\(s\) \['reoriented'\]"):
        R.write_rnainter_pairs(
            tmp_path / "old.parquet", [paths["r1"]], [paths["p1"]], raw=raw,
            out_pairs=out["pairs"], out_rna=out["rna"], out_proteins=out["proteins"],
        )  # fmt: skip


def test_fetch_database_from_the_real_mirbase_file(shared_data, tmp_path):
    ids = tmp_path / "mirbase.rna.txt"
    ids.write_text("hsa-let-7a-5p\nMIMAT0000062\nhsa-miR-99999-5p\n")
    empty = tmp_path / "mirbase.protein.txt"
    empty.write_text("")
    outs = {"rna": tmp_path / "rna.parquet", "protein": tmp_path / "protein.parquet"}
    reports = R.fetch_database(
        "mirbase", {"rna": ids, "protein": empty}, outs, out_report=tmp_path / "r.json",
        cache_dir=tmp_path / "cache", local_fasta=shared_data / "miRBase_samples" / "mature.fa",
    )  # fmt: skip
    table = pd.read_parquet(outs["rna"]).set_index("id")
    assert table.loc["mirbase:hsa-let-7a-5p", "sequence"] == "UGAGGUAGUAGGUUGUAUAGUU"
    assert table.loc["mirbase:MIMAT0000062", "sequence"] == "UGAGGUAGUAGGUUGUAUAGUU"
    assert table.loc["mirbase:hsa-miR-99999-5p", "status"] == "not found"
    assert reports[0]["extraction_rate"] == round(2 / 3, 4) and reports[1]["unique_ids"] == 0
    assert len(pd.read_parquet(outs["protein"])) == 0


# --- the SQL steps against the Arrow engine they replaced -----------------------------------


def odd_rows(n: int, seed: int) -> list[tuple]:
    """RNAInter rows with many groups and everything odd RNAInter can hold: both orientations,
    protein-protein and RNA-RNA rows, missing categories and species, unknown and odd prefixes,
    Unicode whitespace and symbols, duplicate pairs with tied and missing scores."""
    rng = np.random.default_rng(seed)
    rna_categories = ["lncRNA", "miRNA", "mRNA", "snoRNA", "unknown", None, "circRNA"]
    protein_categories = ["RBP", "TF", "Protein", "RBP"]
    species = ["Homo sapiens", "Mus musculus", None, "Danio rerio"]
    rna_ids = ["NCBI:{}", "ncbi: {} ", "Ensembl:ENSG{}", "miRBase:hsa-miR-{}", "NONCODE:N{}",
               "FlyBase:F{}", "{}", "NCBI:{},9", "NCBI:\u00a0{}\u3000", None]  # fmt: skip
    protein_ids = ["NCBI:{}", "UniProt:P{}", "uniprot:p{}", "Ensembl:ENSP{}", "NCBI:{} 1"]
    rows = []
    for i in range(n):
        r, p = int(rng.zipf(1.4)) % 300, int(rng.zipf(1.3)) % 80
        rna = (f"r{r}·α", rna_categories[r % 7], species[r % 4 if r % 5 else 0],
               (rna_ids[r % 10] or "{}").format(r) if rna_ids[r % 10] else None)  # fmt: skip
        protein = (f"P{p}β", protein_categories[p % 4], species[0 if p % 7 else 1],
                   protein_ids[p % 5].format(p))  # fmt: skip
        if i % 97 == 0:  # protein-protein
            rna = (f"P{r}", "TF", species[0], f"NCBI:{r}")
        score = [None, 0.5, round(float(rng.random()), 1), 1.0][i % 4]
        first, second = (protein, rna) if i % 3 == 0 else (rna, protein)  # both orientations
        rows.append((f"RP{i}", first[0], first[1], first[2], second[0], second[1], second[2],
                     first[3], second[3], score, None, "HITS-CLIP", None))  # fmt: skip
    return rows


def same_in_both_engines(
    raw, tmp_path, *, species, max_per_interactor, spoil=True, seed=4
) -> list[dict]:
    """Run the workflow's passes (rows, sequences + length, dedupe, cap) over ``raw`` with the
    SQL steps and the Arrow engine; assert after each pass the same counts and the same rows
    (row, ids, score, and the Arrow engine's categories against the raw row's categories in the
    SQL passes' orientation). The sequence tables are made up from the mapped ids: random
    lengths around the limits and, with ``spoil``, every 11th id missing and every 7th with
    invalid letters (without it, every length is within the limits). Returns the SQL steps'
    records."""
    rows_pass = [("rna_protein", {}), ("categories", {}), ("species", {"species": species}),
                 ("map_ids", {})]  # fmt: skip
    categories = pd.read_parquet(raw, columns=["Category1", "Category2"])  # by row number
    sql = S.run_steps(rows_pass, raw, tmp_path / "sql_0.parquet")
    arrow = A.run_steps(rows_pass, raw, tmp_path / "arrow_0.parquet")
    tables = {"rna": [], "protein": []}
    rng = np.random.default_rng(seed)
    for (molecule, database), accessions in S.unique_ids(tmp_path / "sql_0.parquet").items():
        letters = "ACGU" if molecule == "rna" else "MKVL"
        missing = accessions[2::11] if spoil else []
        lengths = rng.integers(1, 1100 if spoil else 1000, len(accessions))
        sequences = {a: letters[0] * int(n) for a, n in zip(accessions, lengths, strict=True)}
        if spoil:
            sequences.update({a: "ACGN" for a in accessions[1::7]})  # invalid letters
        sequences = {a: s for a, s in sequences.items() if a not in missing}
        table, _ = R.sequence_table(molecule, database, sequences, {}, missing)
        path = tmp_path / f"{molecule}_{database}.parquet"
        R.write_parquet(table, path)
        tables[molecule].append(path)
    passes = [
        [("sequences", {"rna_tables": tables["rna"], "protein_tables": tables["protein"]}),
         ("length", {"max_rna_length": 1000, "max_protein_length": 1200})],
        [("dedupe", {})],
        [("cap", {"max_per_interactor": max_per_interactor, "seed": 5})],
    ]  # fmt: skip
    records = []
    for i, steps in enumerate([rows_pass, *passes]):
        if i:
            sql = S.run_steps(
                steps, tmp_path / f"sql_{i - 1}.parquet", tmp_path / f"sql_{i}.parquet"
            )
            arrow = A.run_steps(steps, tmp_path / f"arrow_{i - 1}.parquet",
                                tmp_path / f"arrow_{i}.parquet")  # fmt: skip
        records += sql
        for mine, theirs in zip(sql, arrow, strict=True):
            keys = ("step", "rows_in", "rows_out", "reasons", "reoriented")
            assert {k: mine.get(k) for k in keys} == {k: theirs.get(k) for k in keys}
        columns = ["row", "rna_category", "protein_category", "score", "rna_id", "protein_id"]
        a = pd.read_parquet(tmp_path / f"sql_{i}.parquet", columns=S.MAPPED_COLUMNS)
        # the SQL passes carry `reoriented`, not the categories: those come from the raw row
        first, second = (categories.loc[a.row, c].to_numpy() for c in ("Category1", "Category2"))
        a["rna_category"] = np.where(a.reoriented, second, first)
        a["protein_category"] = np.where(a.reoriented, first, second)
        b = pd.read_parquet(tmp_path / f"arrow_{i}.parquet", columns=columns)
        a, b = (t[columns].sort_values("row").reset_index(drop=True).astype(object) for t in (a, b))
        pd.testing.assert_frame_equal(a, b)
    return records


def test_sql_steps_keep_exactly_the_rows_of_the_arrow_engine(raw_table, tmp_path):
    """Every pass of the workflow keeps the same rows, with the same values and counts, as the
    Arrow stage engine it replaced, on a generated table where every step drops rows."""
    raw = raw_table(odd_rows(6000, seed=3))
    records = same_in_both_engines(
        raw, tmp_path, species=["Homo sapiens", "Mus musculus"], max_per_interactor=3
    )
    assert [r["step"] for r in records] == S.STEP_ORDER
    assert all(r["dropped"] > 0 for r in records if r["step"] != "species"), records
    reasons = {k for record in records for k in record["reasons"]}
    assert {"more than 3 interactions of the RNA", "more than 3 interactions of the protein"} <= (
        reasons
    )


def test_real_rnainter_rows_keep_the_same_rows_in_both_engines(shared_data, tmp_path):
    """The real RNAInter rows (RNAInter_raw_sample: 3 RP rows of Mbnl1, 26 RR rows of RNU4-2)
    go through every pass with the same rows and counts in both engines."""
    folder = shared_data / "RNAInter_raw_sample"
    lines = [HEADER]
    for name in ("RNAInter_v4_RP_rows_transcribed.tsv",
                 "RNAInter_RR_RNU4-2_rows.orientation_restored.tsv"):  # fmt: skip
        text = (folder / name).read_text().splitlines()
        assert text[0] == HEADER
        lines += [line for line in text[1:] if line.strip()]
    src = tmp_path / "real.tsv"
    src.write_text("\n".join(lines) + "\n")
    R.ingest_rnainter(src, tmp_path / "real.parquet")
    records = same_in_both_engines(
        tmp_path / "real.parquet", tmp_path, species=["Mus musculus"], max_per_interactor=1,
        spoil=False,
    )  # fmt: skip
    counts = {r["step"]: (r["rows_in"], r["rows_out"], r["reasons"]) for r in records}
    assert counts["rna_protein"] == (29, 3, {"no protein interactor": 26})  # RR rows: RNA-RNA
    # the three RP rows share their protein (Mbnl1, NCBI:56758): a cap of 1 keeps one
    assert counts["cap"] == (3, 1, {"more than 1 interactions of the protein": 2})


def test_a_small_memory_limit_still_finishes_by_spilling(tmp_path):
    """Under a memory limit smaller than the step's data, DuckDB spills to temp_directory and
    gives the same result; with spilling switched off the same limit fails."""
    import duckdb

    n = 1_500_000
    rng = np.random.default_rng(0)
    pq.write_table(pa.table({
        "row": pa.array(np.arange(n), pa.int64()), "reoriented": [False] * n,
        "score": pa.array(np.round(rng.random(n), 2)),
        "rna_id": pa.array([f"ncbi:{i}" for i in rng.integers(0, 400_000, n)]),
        "protein_id": pa.array([f"uniprot:P{i:06d}" for i in rng.integers(0, 300_000, n)]),
    }), tmp_path / "m.parquet")  # fmt: skip
    free = S.run_step("dedupe", tmp_path / "m.parquet", tmp_path / "free.parquet", threads=1)
    spill = tmp_path / "spill"
    limited = S.run_step("dedupe", tmp_path / "m.parquet", tmp_path / "limited.parquet",
                         threads=1, memory_limit="60MB", temp_directory=spill)  # fmt: skip
    assert {k: limited[k] for k in ("rows_in", "rows_out", "reasons")} == {
        k: free[k] for k in ("rows_in", "rows_out", "reasons")
    }
    a, b = (
        pd.read_parquet(tmp_path / f"{k}.parquet").sort_values("row") for k in ("free", "limited")
    )
    assert a.row.tolist() == b.row.tolist()
    con = S.connect(threads=1, memory_limit="60MB")
    con.execute("SET temp_directory = ''")  # no spilling
    S.table_view(con, tmp_path / "m.parquet")
    sql = (S.SQL_DIR / "dedupe.sql").read_text().replace("step_input", "step_0")
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute(f"CREATE TEMP TABLE t AS {sql}")
    con.close()


def test_step_counts_are_written_beside_the_output(raw_table, tmp_path):
    raw = raw_table(ROWS)
    counts = S.run_steps([("rna_protein", {}), ("categories", {})], raw, tmp_path / "o.parquet",
                         out_counts=tmp_path / "o.counts.json")  # fmt: skip
    written = json.loads((tmp_path / "o.counts.json").read_text())
    assert written == counts and [c["step"] for c in written] == ["rna_protein", "categories"]
    assert written[0]["reoriented"] == 1 and written[1]["rows_in"] == written[0]["rows_out"]
    assert all(c["seconds"] >= 0 for c in written)
