"""Adapter: rule evaluate_model."""

from rnainteract.logs import log_to
from rnainteract.metrics import evaluate_file

with log_to(snakemake.log[0]):
    evaluate_file(
        snakemake.input.predictions,
        snakemake.output.metrics,
        dataset=snakemake.wildcards.dataset,
        split=snakemake.wildcards.split,
        model=snakemake.wildcards.model,
    )
