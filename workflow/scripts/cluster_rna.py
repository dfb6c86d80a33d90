"""Adapter: rule cluster_rna."""

from rnainteract.clusters import cluster_rna
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    cluster_rna(
        snakemake.input.fasta,
        snakemake.output.clusters,
        identity=snakemake.params.identity,
        threads=snakemake.threads,
    )
