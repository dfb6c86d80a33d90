"""Adapter: rule evaluate_multilabel."""

from rnainteract.evaluation.multilabel import evaluate_multilabel
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    evaluate_multilabel(
        snakemake.input.predictions,
        snakemake.output.metrics,
        dataset=snakemake.wildcards.task,
        model=snakemake.wildcards.model,
    )
