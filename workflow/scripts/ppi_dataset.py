"""Adapter: rule ppi_dataset."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.ppi import build_ppi_dataset

with log_to(snakemake.log[0]):
    spec = snakemake.params.spec
    build_ppi_dataset(
        snakemake.input.positives,
        snakemake.input.negatives,
        snakemake.input.proteins,
        max_pairs=spec.get("max_pairs"),
        n_folds=spec.get("n_folds", 5),
        seed=spec.get("seed", 42),
        out_pairs=snakemake.output.pairs,
        out_fasta=snakemake.output.fasta,
        out_split=snakemake.output.split,
        out_stats=snakemake.output.stats,
    )
