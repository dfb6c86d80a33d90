"""Adapter: rule plot_roc."""

from rnainteract.logs import log_to
from rnainteract.metrics import plot_roc

with log_to(snakemake.log[0]):
    plot_roc(
        dict(snakemake.input.items()),
        snakemake.output[0],
        title=f"{snakemake.wildcards.dataset} / {snakemake.wildcards.split}",
    )
