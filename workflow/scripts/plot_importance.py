"""Adapter: rule plot_importance."""

from rnainteract.evaluation.plots import plot_importance
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    w = snakemake.wildcards
    plot_importance(
        snakemake.input.interpretation,
        snakemake.output.figure,
        title=f"{w.model} on {w.dataset} ({w.split} split)",
    )
