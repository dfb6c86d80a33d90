"""Adapter: rule summarize_datasets."""

from rnainteract.io.logs import log_to
from rnainteract.sources.benchmarks import dataset_table

with log_to(snakemake.log[0]):
    dataset_table(
        list(snakemake.input.stats),
        list(snakemake.input.families),
        list(snakemake.input.clans),
        snakemake.output.table,
        dataset_files=list(snakemake.input.datasets),
    )
