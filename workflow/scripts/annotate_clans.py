"""Adapter: rule annotate_clans."""

from rnainteract.annotate.families import assign_protein_clans
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    assign_protein_clans(
        snakemake.input.hits,
        snakemake.input.clusters,
        snakemake.output.table,
        unannotated=snakemake.params.unannotated,
    )
