"""Sequence-identity clusters: the first notion of RNA family and protein clan.

* RNA: CD-HIT-EST at 80 % identity, word size 5, plus strand only (the RNA is single-stranded and
  its orientation is known) — the setting ../shared/TOOLS.md found to recover planted families.
* Protein: MMseqs2 ``easy-cluster --min-seq-id 0.3 -c 0.8`` (30 % identity over 80 % coverage).

Each cluster is named after its representative sequence's id. A sequence that the tool leaves out
(CD-HIT-EST throws away sequences of 10 nt or less) becomes its own cluster, and is counted.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pandas as pd

from rnainteract.io.fasta import read_fasta, write_fasta
from rnainteract.io.files import write_tsv
from rnainteract.io.tools import ToolError, run_tool

log = logging.getLogger(__name__)

CLUSTER_COLUMNS = ["id", "cluster"]


def word_size_for(identity: float) -> int:
    """CD-HIT-EST word size for an identity threshold (cd-hit user guide, ``-n`` table)."""
    for threshold, word in ((0.95, 10), (0.9, 8), (0.88, 7), (0.85, 6), (0.8, 5), (0.75, 4)):
        if identity >= threshold:
            return word
    raise ValueError(f"cd-hit-est needs identity >= 0.75, got {identity}")


def parse_cdhit_clstr(path: str | os.PathLike) -> dict[str, str]:
    """Parse a CD-HIT ``.clstr`` file into ``{member id: representative id}``."""
    members: list[str] = []
    rep: str | None = None
    assignment: dict[str, str] = {}

    def flush():
        if members:
            if rep is None:
                raise ToolError(f"{path}: cluster without representative ('*') near {members[0]!r}")
            assignment.update({m: rep for m in members})

    with open(path) as handle:
        for line in handle:
            if line.startswith(">Cluster"):
                flush()
                members, rep = [], None
                continue
            if not line.strip():
                continue
            name = line.split(">", 1)[1].split("...", 1)[0]
            members.append(name)
            if line.rstrip().endswith("*"):
                rep = name
    flush()
    return assignment


def cluster_rna(
    fasta: str | os.PathLike, out: str | os.PathLike, *, identity: float = 0.8, threads: int = 1
) -> pd.DataFrame:
    """Cluster RNA sequences with ``cd-hit-est`` and write ``id``/``cluster`` as TSV.

    Args:
        fasta: canonical RNA FASTA (ACGU+N).
        identity: sequence-identity threshold (fraction, 0.75–1.0).

    Returns:
        The table written: one row per input id, in input order.
    """
    records = read_fasta(fasta)
    with tempfile.TemporaryDirectory() as tmp:
        dna = Path(tmp) / "in.fa"
        write_fasta(((rid, seq.replace("U", "T")) for rid, seq in records.items()), dna)
        prefix = Path(tmp) / "out"
        run_tool(
            [
                "cd-hit-est",
                "-i",
                str(dna),
                "-o",
                str(prefix),
                "-c",
                str(identity),
                "-n",
                str(word_size_for(identity)),
                "-r",
                "0",
                "-d",
                "0",
                "-M",
                "0",
                "-T",
                str(threads),
            ]
        )
        assignment = parse_cdhit_clstr(f"{prefix}.clstr")
    return _write_clusters(records, assignment, out, "RNA")


def cluster_proteins(
    fasta: str | os.PathLike,
    out: str | os.PathLike,
    *,
    min_seq_id: float = 0.3,
    coverage: float = 0.8,
    threads: int = 1,
) -> pd.DataFrame:
    """Cluster proteins with ``mmseqs easy-cluster`` and write ``id``/``cluster`` as TSV.

    Args:
        min_seq_id: minimum sequence identity (fraction).
        coverage: minimum alignment coverage (fraction, ``-c``; MMseqs2 default coverage mode 0).
    """
    records = read_fasta(fasta)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "out"
        run_tool(
            [
                "mmseqs",
                "easy-cluster",
                str(fasta),
                str(prefix),
                str(Path(tmp) / "work"),
                "--min-seq-id",
                str(min_seq_id),
                "-c",
                str(coverage),
                "--threads",
                str(threads),
                "-v",
                "1",
            ]
        )
        table = pd.read_csv(
            f"{prefix}_cluster.tsv", sep="\t", header=None, names=["rep", "member"], dtype=str
        )
    # MMseqs2 keeps the FASTA id as written; ours are already normalized
    assignment = dict(zip(table.member, table.rep, strict=True))
    return _write_clusters(records, assignment, out, "protein")


def _write_clusters(records: dict, assignment: dict[str, str], out, what: str) -> pd.DataFrame:
    unknown = set(assignment) - set(records)
    if unknown:
        raise ToolError(f"{what} clustering returned ids not in the input: {sorted(unknown)[:5]}")
    left_out = [rid for rid in records if rid not in assignment]
    if left_out:
        log.warning(
            "%d %s sequence(s) left out by the clustering tool became singletons: %s",
            len(left_out),
            what,
            left_out[:10],
        )
    table = pd.DataFrame({"id": list(records), "cluster": [assignment.get(r, r) for r in records]})
    log.info(
        "%s: %d sequences in %d clusters (%d singletons added)",
        what,
        len(table),
        table.cluster.nunique(),
        len(left_out),
    )
    write_tsv(table, out)
    return table
