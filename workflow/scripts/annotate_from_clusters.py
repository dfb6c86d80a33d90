"""Adapter: rules annotate_families and annotate_clans."""

from rnainteract.annotation import clusters_to_annotation
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    clusters_to_annotation(
        snakemake.input.clusters, snakemake.output.table, molecule=snakemake.params.molecule
    )
