"""Adapter: rule annotate_families."""

from rnainteract.annotate.families import assign_rna_families
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    assign_rna_families(
        snakemake.input.hits,
        snakemake.input.clusters,
        snakemake.output.table,
        unannotated=snakemake.params.unannotated,
    )
