"""Adapter: rule cluster_rna."""

from rnainteract.annotate.clusters import cluster_rna
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    cluster_rna(
        snakemake.input.fasta,
        snakemake.output.clusters,
        identity=snakemake.params.identity,
        threads=snakemake.threads,
    )
