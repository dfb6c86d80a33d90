"""Adapter: rule score_mirna_genes."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.mirna.train import score_gene_windows

with log_to(snakemake.log[0]):
    windows = dict(snakemake.params.windows)
    keep = windows.pop("keep", 64)
    score_gene_windows(
        snakemake.input.pairs,
        snakemake.input.membership,
        snakemake.input.checkpoint,
        snakemake.output.windows,
        snakemake.output.predictions,
        windows=windows,
        keep=keep,
        threads=snakemake.threads,
        kind=snakemake.wildcards.model,
    )
