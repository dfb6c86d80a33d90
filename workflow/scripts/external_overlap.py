"""Adapter: rule external_overlap."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.external import external_overlap

with log_to(snakemake.log[0]):
    external_overlap(
        snakemake.input.test_pairs,
        snakemake.input.train_pairs,
        snakemake.input.test_rna,
        snakemake.input.train_rna,
        snakemake.input.test_proteins,
        snakemake.input.train_proteins,
        identity_threshold=snakemake.params.identity_threshold,
        sensitivity=snakemake.params.sensitivity,
        out=snakemake.output.table,
        out_counts=snakemake.output.counts,
    )
