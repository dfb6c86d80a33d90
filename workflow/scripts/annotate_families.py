"""Adapter: rule annotate_families."""

from rnainteract.annotation import assign_rna_families
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    assign_rna_families(
        snakemake.input.hits,
        snakemake.input.clusters,
        snakemake.output.table,
        unannotated=snakemake.params.unannotated,
    )
