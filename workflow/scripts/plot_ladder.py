"""Adapter: rule plot_ladder."""

import pandas as pd

from rnainteract.evaluation.shortcuts import ladder_figure
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    ladder_figure(
        pd.read_csv(snakemake.input.metrics, sep="\t"),
        snakemake.wildcards.dataset,
        snakemake.output.figure,
        splits=list(snakemake.params.splits),
        baselines=list(snakemake.params.baselines),
    )
