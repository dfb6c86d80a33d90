"""Adapter: rule make_split."""

from rnainteract.logs import log_to
from rnainteract.splits import split_dataset

with log_to(snakemake.log[0]):
    split_dataset(
        snakemake.input.pairs,
        snakemake.input.families,
        snakemake.input.clans,
        kind=snakemake.wildcards.split,
        n_folds=snakemake.params.n_folds,
        seed=snakemake.params.seed,
        out_split=snakemake.output.split,
        out_leakage=snakemake.output.leakage,
    )
