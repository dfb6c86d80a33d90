"""Adapter: rule train_mirna_site_model."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.mirna.train import train_site_model

with log_to(snakemake.log[0]):
    train_site_model(
        snakemake.input.sites,
        snakemake.output.predictions,
        split=snakemake.wildcards.split,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        folds=snakemake.params.folds,
        max_train_sites=snakemake.params.max_train_sites,
        out_checkpoint=snakemake.output.checkpoint,
        threads=snakemake.threads,
        kind=snakemake.wildcards.model,
    )
