"""Adapter: rule annotate_clans."""

from rnainteract.annotation import assign_protein_clans
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    assign_protein_clans(
        snakemake.input.hits,
        snakemake.input.clusters,
        snakemake.output.table,
        unannotated=snakemake.params.unannotated,
    )
