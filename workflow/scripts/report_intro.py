"""Adapter: rule report_intro."""

from rnainteract.evaluation.report import write_report_intro
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    write_report_intro(
        snakemake.input.template,
        list(snakemake.input.tables),
        snakemake.output.intro,
        missing_weights=snakemake.params.missing_weights,
    )
