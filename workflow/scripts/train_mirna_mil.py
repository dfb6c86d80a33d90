"""Adapter: rule train_mirna_mil."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.mirna.train import train_gene_mil

with log_to(snakemake.log[0]):
    mil = dict(snakemake.params.mil)
    train_gene_mil(
        snakemake.input.pairs,
        snakemake.input.membership,
        snakemake.input.windows,
        snakemake.output.predictions,
        params=dict(mil.get("params", {})),
        n_splits=mil.get("n_splits", 5),
        max_instances=mil.get("max_instances", 64),
        split_seed=snakemake.params.seed,
        threads=snakemake.threads,
    )
