"""Adapter: rule mirna_site_data."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.mirna.data import build_site_dataset

with log_to(snakemake.log[0]):
    build_site_dataset(
        list(snakemake.input.train),
        list(snakemake.input.test),
        snakemake.output.sites,
        snakemake.output.stats,
        n_folds=snakemake.params.n_folds,
        seed=snakemake.params.seed,
    )
