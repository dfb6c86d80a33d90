"""Rfam (cmscan) and Pfam (pyhmmer) annotation, checked against the command-line tools."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from rnainteract.annotate.families import assign_protein_clans, assign_rna_families
from rnainteract.annotate.pfam import read_pfam_clans, scan_pfam
from rnainteract.annotate.rfam import (
    best_rfam_hits,
    cm_model_names,
    filter_clanin,
    prepare_cm_database,
    read_cmscan_tblout,
    scan_rfam,
)
from rnainteract.sources.benchmarks import build_dataset

needs_infernal = pytest.mark.skipif(shutil.which("cmscan") is None, reason="infernal missing")
needs_hmmer = pytest.mark.skipif(shutil.which("hmmscan") is None, reason="hmmer missing")

TBL_LINE = (
    "1    tRNA                 RF00005   1ABC-R               -         CL00001    cm        1"
    "       71        1       72      +    no    1 0.53   0.0   65.8   3.4e-17  !   *       -"
    "      -      -      -      -      - tRNA with spaces in description\n"
)


def test_read_cmscan_tblout(write):
    table = read_cmscan_tblout(write("t.tbl", "#header\n" + TBL_LINE))
    row = table.iloc[0]
    assert (row.target_name, row.target_accession, row.query_name, row.clan) == (
        "tRNA", "RF00005", "1ABC-R", "CL00001")  # fmt: skip
    assert row.evalue == pytest.approx(3.4e-17) and row.score == pytest.approx(65.8)
    assert row.description == "tRNA with spaces in description"


def test_best_rfam_hit_is_lowest_evalue_included_not_overlapped():
    hits = pd.DataFrame({
        "query_name": ["r1", "r1", "r1", "r2"],
        "target_accession": ["RF1", "RF2", "RF3", "RF4"],
        "target_name": ["a", "b", "c", "d"],
        "evalue": [1e-5, 1e-9, 1e-20, 1e-3],
        "score": [10.0, 20.0, 50.0, 5.0],
        "inc": ["!", "!", "!", "?"],
        "olp": ["*", "^", "=", "*"],
    })  # fmt: skip
    best = best_rfam_hits(hits)
    assert best.to_dict("list")["rna_id"] == ["r1"]
    assert best.family.tolist() == ["RF2"]  # RF3 is overlapped (=), r2's hit not included (?)


def test_filter_clanin(write, tmp_path):
    clanin = write("c.clanin", "CL1\ta\tb\tz\nCL2\ta\ty\nCL3\tx\ty\n")
    assert filter_clanin(clanin, ["a", "b", "c"], tmp_path / "out") == 1
    assert (tmp_path / "out").read_text() == "CL1\ta\tb\n"


def test_assign_policies(write, tmp_path):
    clusters = write("cl.tsv", "id\tcluster\nr1\tr1\nr2\tr1\nr3\tr3\n")
    hits = write(
        "h.tsv", "rna_id\tfamily\tfamily_name\tevalue\tscore\nr2\tRF00005\ttRNA\t1e-9\t40\n"
    )
    counts = assign_rna_families(hits, clusters, tmp_path / "f.tsv", unannotated="cluster")
    table = pd.read_csv(tmp_path / "f.tsv", sep="\t")
    assert table.family.tolist() == ["r1", "RF00005", "r3"]
    assert table.family_source.tolist() == ["cluster", "rfam", "cluster"]
    assert counts["n_rfam"] == 1 and counts["n_dropped"] == 0
    counts = assign_rna_families(hits, clusters, tmp_path / "g.tsv", unannotated="drop")
    assert counts["n_dropped"] == 2
    assert pd.read_csv(tmp_path / "g.tsv", sep="\t").rna_id.tolist() == ["r2"]

    clusters = write("pc.tsv", "id\tcluster\np1\tp1\np2\tp1\np3\tp3\n")
    header = "protein_id\tpfam_family\tpfam_name\tclan\tevalue\tscore\n"
    rows = "p1\tPF00076\tRRM_1\tCL0221\t1e-9\t50\np2\tPF99999\tX\t\t1e-5\t20\n"
    hits = write("ph.tsv", header + rows)
    assign_protein_clans(hits, clusters, tmp_path / "k.tsv", unannotated="family")
    table = pd.read_csv(tmp_path / "k.tsv", sep="\t")
    # family: a Pfam family without clan stands in; no domain at all (p3) -> dropped
    assert table.to_dict("list") == {"protein_id": ["p1", "p2"], "clan": ["CL0221", "PF99999"],
                                     "clan_source": ["pfam", "pfam_family"]}  # fmt: skip
    assign_protein_clans(hits, clusters, tmp_path / "m.tsv", unannotated="cluster")
    table = pd.read_csv(tmp_path / "m.tsv", sep="\t")
    assert table.clan.tolist() == ["CL0221", "p1", "p3"]  # p2: no clan -> its MMseqs2 cluster
    counts = assign_protein_clans(hits, clusters, tmp_path / "d.tsv", unannotated="drop")
    assert counts["n_dropped"] == 2
    with pytest.raises(ValueError, match="policy"):
        assign_protein_clans(hits, clusters, tmp_path / "e.tsv", unannotated="maybe")


# --- real subsets from ../shared/data, against the command-line tools -------------------------


@pytest.fixture(scope="module")
def rpi369(tmp_path_factory, request):
    from conftest import SHARED_DATA

    if not (SHARED_DATA / "RPI369").is_dir():
        pytest.skip("real data not found")
    out = tmp_path_factory.mktemp("rpi369")
    d = SHARED_DATA / "RPI369"
    build_dataset("protein_rna_label_tsv",
                  {"pairs": d / "ipminer_RPI369_all.txt", "rna_fasta": d / "ipminer_RPI369_rna.fa",
                   "protein_fasta": d / "ipminer_RPI369_protein.fa"},
                  dataset="rpi369", source="s", out_pairs=out / "p.parquet",
                  out_rna=out / "rna.fasta", out_proteins=out / "proteins.fasta",
                  out_stats=out / "stats.json")  # fmt: skip
    return out, SHARED_DATA


@needs_infernal
def test_rfam_annotation_equals_cmscan_by_hand(rpi369, tmp_path):
    out, shared = rpi369
    db = shared / "Rfam_samples/cms_db"
    cm, clanin = tmp_path / "Rfam.cm", tmp_path / "Rfam.clanin"
    prepare_cm_database(db / "Rfam_RPI_mini.cm", db / "Rfam_RPI_mini.clanin", cm, clanin)
    assert len(cm_model_names(cm)) == 47
    best = scan_rfam(out / "rna.fasta", cm, clanin, out_hits=tmp_path / "hits.tsv",
                     out_tblout=tmp_path / "t.tbl", toponly=True)  # fmt: skip
    assert len(best) > 20  # tRNAs, 5S rRNA, ... in PDB complexes
    # by hand: the documented command line, parsed independently (lowest E-value per RNA)
    subprocess.run(["cmscan", "--rfam", "--cut_ga", "--nohmmonly", "--fmt", "2", "--toponly",
                    "--clanin", str(clanin), "--oclan", "--tblout", str(tmp_path / "hand.tbl"),
                    "-o", "/dev/null", str(cm), str(out / "rna.fasta")], check=True)  # fmt: skip
    by_hand = {}
    for line in (tmp_path / "hand.tbl").read_text().splitlines():
        if line.startswith("#"):
            continue
        f = line.split()
        if f[18] == "=":  # overlapped by a better hit of the same clan
            continue
        rna, acc, evalue = f[3], f[2], float(f[17])
        if rna not in by_hand or evalue < by_hand[rna][1]:
            by_hand[rna] = (acc, evalue)
    assert dict(zip(best.rna_id, best.family, strict=True)) == {
        r: a for r, (a, _) in by_hand.items()
    }
    assert "RF00005" in set(best.family)  # tRNA


@needs_hmmer
def test_pfam_annotation_equals_hmmscan_cut_ga(rpi369, tmp_path):
    out, shared = rpi369
    hmm = tmp_path / "db.hmm"
    shutil.copy(shared / "Pfam_samples/hmms_db/Pfam_RBP_mini.hmm", hmm)
    best = scan_pfam(out / "proteins.fasta", hmm, shared / "Pfam_samples/Pfam-A.clans.tsv",
                     out_hits=tmp_path / "pfam.tsv")  # fmt: skip
    assert len(best) > 20
    subprocess.run(["hmmpress", "-f", str(hmm)], check=True, capture_output=True)
    subprocess.run(["hmmscan", "--cut_ga", "--domtblout", str(tmp_path / "dom.tbl"), "-o",
                    "/dev/null", str(hmm), str(out / "proteins.fasta")], check=True)  # fmt: skip
    by_hand = {}
    for line in (tmp_path / "dom.tbl").read_text().splitlines():
        if line.startswith("#"):
            continue
        f = line.split()
        protein, acc, i_evalue = f[3], f[1].split(".")[0], float(f[12])
        if protein not in by_hand or i_evalue < by_hand[protein][1]:
            by_hand[protein] = (acc, i_evalue)
    assert dict(zip(best.protein_id, best.pfam_family, strict=True)) == {
        p: a for p, (a, _) in by_hand.items()}  # fmt: skip
    clans = read_pfam_clans(shared / "Pfam_samples/Pfam-A.clans.tsv")
    assert clans["PF00076"] == "CL0221"  # RRM_1 is in the RRM clan
    assert set(best.clan[best.pfam_family == "PF00076"]) <= {"CL0221"}


@pytest.mark.parametrize("hits", ["", "1 tRNA RF00005 r1\n"])
def test_tblout_copy_drops_the_dated_trailer(tmp_path, hits):
    from rnainteract.annotate.rfam import _copy_tblout_without_trailer

    header = "#idx target name\n#--- -----------\n"
    trailer = "#\n# Program:         cmscan\n# Date:            Fri Nov 27\n# [ok]\n"
    (tmp_path / "a.tbl").write_text(header + hits + trailer)
    _copy_tblout_without_trailer(tmp_path / "a.tbl", tmp_path / "b.tbl")
    assert (tmp_path / "b.tbl").read_text() == header + hits
