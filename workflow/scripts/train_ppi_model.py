"""Adapter: rule train_ppi_model."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.ppi import train_ppi_model

with log_to(snakemake.log[0]):
    views = {n.split("__", 1)[1]: p for n, p in snakemake.input.items() if n.startswith("view__")}
    train_ppi_model(
        snakemake.input.pairs,
        snakemake.input.split,
        snakemake.input.fasta,
        views=views,
        kind=snakemake.params.kind,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        out=snakemake.output.predictions,
        threads=snakemake.threads,
        folds=snakemake.params.folds,
    )
