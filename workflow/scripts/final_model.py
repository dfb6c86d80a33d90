"""Adapter: rule final_model."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.final import train_final_model

with log_to(snakemake.log[0]):
    train_final_model(
        snakemake.input.pairs,
        snakemake.input.rna_features,
        snakemake.input.protein_features,
        snakemake.input.rna_fasta,
        snakemake.input.protein_fasta,
        dataset=snakemake.wildcards.dataset,
        model_name=snakemake.wildcards.model,
        kind=snakemake.params.kind,
        params=dict(snakemake.params.hyperparameters),
        seed=snakemake.params.seed,
        out_model=snakemake.output.model,
        out_training=snakemake.output.training,
        out_rna=snakemake.output.rna,
        out_proteins=snakemake.output.proteins,
        threads=snakemake.threads,
        identity_threshold=snakemake.params.identity_threshold,
    )
