"""Adapter: rule mirna_gene_data."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.mirna.data import build_gene_dataset

with log_to(snakemake.log[0]):
    build_gene_dataset(
        list(snakemake.input.splits),
        snakemake.input.sites,
        snakemake.output.pairs,
        snakemake.output.membership,
        snakemake.output.stats,
    )
