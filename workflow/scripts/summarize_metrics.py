"""Adapter: rules summarize_metrics and summarize_ppi (the table only)."""

from rnainteract.evaluation.binary import summarize
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    summarize(
        snakemake.input.metrics,
        snakemake.output.table,
        out_gap=snakemake.output.get("gap"),
        out_confusion=snakemake.output.get("confusion"),
    )
