"""Adapter: rule evaluate_model."""

from rnainteract.evaluation.binary import evaluate_file
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    evaluate_file(
        snakemake.input.predictions,
        snakemake.output.metrics,
        dataset=snakemake.wildcards.dataset,
        split=snakemake.wildcards.split,
        model=snakemake.wildcards.model,
    )
