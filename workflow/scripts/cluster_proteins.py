"""Adapter: rule cluster_proteins."""

from rnainteract.annotate.clusters import cluster_proteins
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    cluster_proteins(
        snakemake.input.fasta,
        snakemake.output.clusters,
        min_seq_id=snakemake.params.min_seq_id,
        coverage=snakemake.params.coverage,
        threads=snakemake.threads,
    )
