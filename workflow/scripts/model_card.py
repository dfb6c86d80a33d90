"""Adapter: rule model_card."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.final import write_model_card

with log_to(snakemake.log[0]):
    write_model_card(
        snakemake.input.training,
        snakemake.input.metrics,
        out_json=snakemake.output.json,
        out_md=snakemake.output.md,
    )
