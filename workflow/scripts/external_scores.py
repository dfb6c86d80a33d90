"""Adapter: rule external_scores."""

from pathlib import Path

from rnainteract.io.logs import log_to
from rnainteract.tasks.external import external_scores

with log_to(snakemake.log[0]):
    external_scores(
        Path(snakemake.input.training).parent,
        snakemake.input.overlap,
        snakemake.input.rna_features,
        snakemake.input.protein_features,
        out=snakemake.output.scores,
    )
