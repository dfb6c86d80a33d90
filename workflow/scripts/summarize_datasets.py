"""Adapter: rule summarize_datasets."""

from rnainteract.benchmarks import dataset_table
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    dataset_table(
        list(snakemake.input.stats),
        list(snakemake.input.families),
        list(snakemake.input.clans),
        snakemake.output.table,
        dataset_files=list(snakemake.input.datasets),
    )
