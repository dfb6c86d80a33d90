"""Adapter: rule train_rbp_cnn."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.rbp.train import train_view_cnn

with log_to(snakemake.log[0]):
    train_view_cnn(
        snakemake.input.labels,
        snakemake.input.views,
        snakemake.output.predictions,
        snakemake.output.features,
        view=snakemake.wildcards.view,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        threads=snakemake.threads,
    )
