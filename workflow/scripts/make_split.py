"""Adapter: rule make_split."""

from rnainteract.dataset.splits import split_dataset
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    split_dataset(
        snakemake.input.dataset,
        kind=snakemake.wildcards.split,
        n_folds=snakemake.params.n_folds,
        seed=snakemake.params.seed,
        out_split=snakemake.output.split,
        out_leakage=snakemake.output.leakage,
        rna_identity=snakemake.input.rna_identity,
        protein_identity=snakemake.input.protein_identity,
        out_identity=snakemake.output.identity,
        identity_threshold=snakemake.params.identity_threshold,
        given=snakemake.input.get("given"),
        out_groups=snakemake.output.groups,
    )
