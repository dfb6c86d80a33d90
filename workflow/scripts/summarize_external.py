"""Adapter: rule summarize_external."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.external import summarize_external

with log_to(snakemake.log[0]):
    summarize_external(
        dict(snakemake.params.files),
        dict(snakemake.params.settings),
        out=snakemake.output.table,
    )
