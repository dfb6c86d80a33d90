"""Adapter: rule plot_roc."""

from rnainteract.evaluation.plots import plot_roc
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    plot_roc(
        dict(snakemake.input.items()),
        snakemake.output[0],
        title=f"{snakemake.wildcards.dataset} / {snakemake.wildcards.split}",
    )
