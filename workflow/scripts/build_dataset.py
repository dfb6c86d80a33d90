"""Adapter: rule build_dataset."""

from rnainteract.dataset.assemble import build_interaction_dataset
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    negatives = snakemake.params.negatives
    build_interaction_dataset(
        snakemake.input.pairs,
        snakemake.input.families,
        snakemake.input.clans,
        snakemake.input.rna_clusters,
        snakemake.input.protein_clusters,
        dataset=snakemake.wildcards.dataset,
        negatives=negatives["method"],
        seed=negatives["seed"],
        fallback=negatives["fallback"],
        sampler=negatives["sampler"],
        out_pairs=snakemake.output.pairs,
        out_stats=snakemake.output.stats,
    )
