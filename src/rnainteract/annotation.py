"""Annotation tables of the output contract: RNA families and protein clans.

``results/annotation/{dataset}/rna_families.tsv``: ``rna_id, family, family_source`` and
``protein_clans.tsv``: ``protein_id, clan, clan_source`` (../shared/ARCHITECTURE.md). The source
is ``cluster`` for sequence-identity clusters (:mod:`rnainteract.clusters`); Rfam / Pfam
annotation (``rfam`` / ``pfam``) takes precedence where it exists, in a later stage.
"""

from __future__ import annotations

import os

import pandas as pd

from rnainteract.io import write_tsv


def clusters_to_annotation(
    clusters: str | os.PathLike, out: str | os.PathLike, *, molecule: str
) -> pd.DataFrame:
    """Turn a cluster table into the annotation contract.

    RNA → ``rna_id, family, family_source``; protein → ``protein_id, clan, clan_source``, with
    source ``cluster`` (Rfam/Pfam annotation, when present, takes precedence in later stages).
    """
    table = pd.read_csv(clusters, sep="\t", dtype=str)
    if molecule == "rna":
        cols = {"id": "rna_id", "cluster": "family"}
        source_col = "family_source"
    elif molecule == "protein":
        cols = {"id": "protein_id", "cluster": "clan"}
        source_col = "clan_source"
    else:
        raise ValueError(f"molecule must be 'rna' or 'protein', got {molecule!r}")
    result = table.rename(columns=cols)[list(cols.values())]
    result[source_col] = "cluster"
    write_tsv(result, out)
    return result
