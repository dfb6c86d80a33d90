"""Adapter: rule evaluate_multilabel."""

from rnainteract.logs import log_to
from rnainteract.rbp_train import evaluate_multilabel

with log_to(snakemake.log[0]):
    evaluate_multilabel(
        snakemake.input.predictions,
        snakemake.output.metrics,
        dataset=snakemake.wildcards.task,
        model=snakemake.wildcards.model,
    )
