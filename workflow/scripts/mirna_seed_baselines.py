"""Adapter: rule mirna_seed_baselines (outputs named <dataset>__<split>__seed_<type>)."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.mirna.train import seed_baselines

with log_to(snakemake.log[0]):
    seed_baselines(
        snakemake.input.sites,
        snakemake.input.pairs,
        snakemake.input.membership,
        {"/".join(name.split("__")): path for name, path in snakemake.output.items()},
        folds=snakemake.params.folds,
    )
