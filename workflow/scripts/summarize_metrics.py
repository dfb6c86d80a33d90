"""Adapter: rule summarize_metrics."""

from rnainteract.logs import log_to
from rnainteract.metrics import summarize

with log_to(snakemake.log[0]):
    summarize(
        snakemake.input.metrics,
        snakemake.output.table,
        out_gap=snakemake.output.gap,
        out_confusion=snakemake.output.confusion,
    )
