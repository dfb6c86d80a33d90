"""Adapter: rule summarize_multilabel."""

from rnainteract.evaluation.multilabel import summarize_multilabel
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    summarize_multilabel(list(snakemake.input.metrics), snakemake.output.table)
