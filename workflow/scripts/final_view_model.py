"""Adapter: rule final_view_model."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.final_views import train_final_view_model
from rnainteract.tasks.rpi import named_views

with log_to(snakemake.log[0]):
    views = named_views(dict(snakemake.input.items()))
    train_final_view_model(
        snakemake.input.pairs,
        snakemake.input.rna_fasta,
        snakemake.input.protein_fasta,
        rna_views=views["rna"],
        protein_views=views["protein"],
        embedders=dict(snakemake.params.embedders),
        dataset=snakemake.wildcards.dataset,
        model_name=snakemake.wildcards.model,
        kind=snakemake.params.kind,
        params=dict(snakemake.params.hyperparameters),
        seed=snakemake.params.seed,
        out_model=snakemake.output.model,
        out_training=snakemake.output.training,
        out_rna=snakemake.output.rna,
        out_proteins=snakemake.output.proteins,
        tuned=snakemake.input.get("tuned"),
        tuned_split=snakemake.params.tuned_split,
        threads=snakemake.threads,
        identity_threshold=snakemake.params.identity_threshold,
    )
