"""Adapter: rule train_view_model: train, then evaluate the predictions."""

from rnainteract.evaluation.binary import evaluate_file
from rnainteract.io.logs import log_to
from rnainteract.tasks.rpi import named_views, train_view_model

with log_to(snakemake.log[0]):
    views = named_views(dict(snakemake.input.items()))
    train_view_model(
        snakemake.input.pairs,
        snakemake.input.split,
        snakemake.input.rna_fasta,
        snakemake.input.protein_fasta,
        rna_views=views["rna"],
        protein_views=views["protein"],
        kind=snakemake.params.kind,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        out=snakemake.output.predictions,
        checkpoint=snakemake.output.checkpoint,
        interpretation=snakemake.output.interpretation,
        tuned=snakemake.input.get("tuned"),
        threads=snakemake.threads,
        folds=snakemake.params.folds,
        groups=snakemake.input.groups,
    )
    evaluate_file(
        snakemake.output.predictions,
        snakemake.output.metrics,
        dataset=snakemake.wildcards.dataset,
        split=snakemake.wildcards.split,
        model=snakemake.wildcards.model,
    )
