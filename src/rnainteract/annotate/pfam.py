"""Pfam clans of proteins with pyhmmer's ``hmmscan`` at the gathering cut-offs (RNAInterAct,
App. B.3): each protein gets the clan of its best domain (``Pfam-A.clans.tsv``).
"""

from __future__ import annotations

import logging
import os

import pandas as pd

from rnainteract.io.files import write_tsv

log = logging.getLogger(__name__)


def read_pfam_clans(path: str | os.PathLike) -> dict[str, str]:
    """``Pfam-A.clans.tsv`` (family acc, clan acc, clan id, family id, description) →
    ``{family accession: clan accession}`` for families that belong to a clan."""
    table = pd.read_csv(
        path,
        sep="\t",
        header=None,
        dtype=str,
        keep_default_na=False,
        usecols=[0, 1],
        names=["family", "clan"],
    )
    return dict(zip(table.family, table.clan, strict=True))


def scan_pfam(
    fasta: str | os.PathLike,
    hmm_db: str | os.PathLike,
    clans_tsv: str | os.PathLike,
    *,
    out_hits: str | os.PathLike,
    cpus: int = 1,
) -> pd.DataFrame:
    """Best Pfam domain per protein with pyhmmer ``hmmscan`` at the gathering cut-offs.

    Equivalent to ``hmmscan --cut_ga`` (../shared/TOOLS.md). The best domain is the included
    domain with the lowest independent E-value; its family (accession without version) is mapped
    to a clan through ``Pfam-A.clans.tsv`` (empty when the family belongs to none).

    Returns:
        ``protein_id``, ``pfam_family``, ``pfam_name``, ``clan`` ("" if none), ``evalue``,
        ``score`` (bits) — one row per protein with a hit.
    """
    import pyhmmer
    from pyhmmer.easel import Alphabet, SequenceFile
    from pyhmmer.plan7 import HMMFile

    clans = read_pfam_clans(clans_tsv)
    with HMMFile(hmm_db) as handle:
        hmms = list(handle)
    with SequenceFile(fasta, digital=True, alphabet=Alphabet.amino()) as handle:
        sequences = handle.read_block()
    rows = []
    for hits in pyhmmer.hmmer.hmmscan(sequences, hmms, cpus=cpus, bit_cutoffs="gathering"):
        best = None
        for hit in hits:
            if not hit.included:
                continue
            for domain in hit.domains:
                if domain.included and (best is None or domain.i_evalue < best[0]):
                    best = (domain.i_evalue, domain.score, hit.accession or hit.name, hit.name)
        if best is not None:
            family = best[2].split(".")[0]
            rows.append((hits.query.name, family, best[3], clans.get(family, ""), best[0], best[1]))
    table = pd.DataFrame(
        rows, columns=["protein_id", "pfam_family", "pfam_name", "clan", "evalue", "score"]
    )
    log.info(
        "Pfam: %d of %d proteins with a domain hit, %d of them in a clan",
        len(table),
        len(sequences),
        int((table.clan != "").sum()),
    )
    write_tsv(table, out_hits)
    return table
