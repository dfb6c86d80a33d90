"""Adapter: rule plot_importance."""

from rnainteract.logs import log_to
from rnainteract.metrics import plot_importance

with log_to(snakemake.log[0]):
    w = snakemake.wildcards
    plot_importance(
        snakemake.input.interpretation,
        snakemake.output.figure,
        title=f"{w.model} on {w.dataset} ({w.split} split)",
    )
