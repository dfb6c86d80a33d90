"""Annotation tables of the output contract: RNA families and protein clans, from the Rfam and
Pfam hits with sequence-identity clusters for the rest.

``results/annotation/{dataset}/rna_families.tsv``: ``rna_id, family, family_source`` and
``protein_clans.tsv``: ``protein_id, clan, clan_source`` (../shared/ARCHITECTURE.md). The source
is ``cluster`` for sequence-identity clusters (:mod:`rnainteract.annotate.clusters`); Rfam / Pfam
annotation (``rfam`` / ``pfam``, from :mod:`.rfam` and :mod:`.pfam`) takes precedence where it
exists.
"""

from __future__ import annotations

import logging
import os

import pandas as pd

from rnainteract.io.files import write_tsv

log = logging.getLogger(__name__)


UNANNOTATED_RNA_POLICIES = ("cluster", "drop")
UNANNOTATED_PROTEIN_POLICIES = ("cluster", "family", "drop")


def assign_rna_families(
    rfam_hits: str | os.PathLike,
    clusters: str | os.PathLike,
    out: str | os.PathLike,
    *,
    unannotated: str = "cluster",
) -> dict:
    """``rna_families.tsv``: the Rfam family where cmscan found one, else per ``unannotated``.

    ``cluster``: the cd-hit-est cluster (family_source ``cluster``); ``drop``: the RNA is left out
    (the paper's choice; its pairs are then dropped, and counted, by the split stage).

    Returns:
        Counts: ``n_rna``, ``n_rfam``, ``n_cluster``, ``n_dropped``, ``n_families``.
    """
    if unannotated not in UNANNOTATED_RNA_POLICIES:
        raise ValueError(f"unannotated RNA policy must be one of {UNANNOTATED_RNA_POLICIES}")
    cl = pd.read_csv(clusters, sep="\t", dtype=str)
    hits = pd.read_csv(rfam_hits, sep="\t", dtype=str)
    rfam = dict(zip(hits.rna_id, hits.family, strict=True))
    table = pd.DataFrame({"rna_id": cl.id})
    table["family"] = [rfam.get(r, c) for r, c in zip(cl.id, cl.cluster, strict=True)]
    table["family_source"] = ["rfam" if r in rfam else "cluster" for r in cl.id]
    return _finish(table, "family_source", "family", unannotated, out)


def assign_protein_clans(
    pfam_hits: str | os.PathLike,
    clusters: str | os.PathLike,
    out: str | os.PathLike,
    *,
    unannotated: str = "cluster",
) -> dict:
    """``protein_clans.tsv``: the Pfam clan of the best domain, else per ``unannotated``.

    ``cluster``: the MMseqs2 cluster (clan_source ``cluster``); ``family``: the Pfam family when
    it belongs to no clan (clan_source ``pfam_family``), proteins without any domain dropped;
    ``drop``: proteins without a clan left out (the paper's choice).
    """
    if unannotated not in UNANNOTATED_PROTEIN_POLICIES:
        raise ValueError(
            f"unannotated protein policy must be one of {UNANNOTATED_PROTEIN_POLICIES}"
        )
    cl = pd.read_csv(clusters, sep="\t", dtype=str)
    hits = pd.read_csv(pfam_hits, sep="\t", dtype=str, keep_default_na=False)
    clan = {p: c for p, c in zip(hits.protein_id, hits.clan, strict=True) if c}
    family = dict(zip(hits.protein_id, hits.pfam_family, strict=True))
    rows = []
    for pid, cluster in zip(cl.id, cl.cluster, strict=True):
        if pid in clan:
            rows.append((pid, clan[pid], "pfam"))
        elif unannotated == "family" and pid in family:
            rows.append((pid, family[pid], "pfam_family"))
        else:
            rows.append((pid, cluster, "cluster"))
    table = pd.DataFrame(rows, columns=["protein_id", "clan", "clan_source"])
    return _finish(table, "clan_source", "clan", unannotated, out)


def _finish(table: pd.DataFrame, source_col: str, group_col: str, policy: str, out) -> dict:
    counts = {f"n_{k}": int(v) for k, v in table[source_col].value_counts().items()}
    n_total = len(table)
    if policy != "cluster":
        table = table[table[source_col] != "cluster"]
    counts.update(
        n_total=n_total,
        n_dropped=n_total - len(table),
        n_groups=int(table[group_col].nunique()),
        policy=policy,
    )
    log.info("%s: %s", out, counts)
    write_tsv(table, out)
    return counts
