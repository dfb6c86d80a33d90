"""Adapter: rule summarize_multilabel."""

from rnainteract.logs import log_to
from rnainteract.rbp_train import summarize_multilabel

with log_to(snakemake.log[0]):
    summarize_multilabel(list(snakemake.input.metrics), snakemake.output.table)
