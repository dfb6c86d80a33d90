"""Adapter: rule train_mmfa."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.rbp.train import train_mmfa
from rnainteract.tasks.rbp.views import VIEW_NAMES

with log_to(snakemake.log[0]):
    train_mmfa(
        snakemake.input.labels,
        {name: path for name, path in snakemake.input.items() if name in VIEW_NAMES},
        snakemake.output.predictions,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        threads=snakemake.threads,
        kind=snakemake.wildcards.model,
    )
