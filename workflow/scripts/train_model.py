"""Adapter: rule train_model (feature models): train, then evaluate the predictions."""

from rnainteract.evaluation.binary import evaluate_file
from rnainteract.io.logs import log_to
from rnainteract.tasks.rpi import train_feature_model

with log_to(snakemake.log[0]):
    train_feature_model(
        snakemake.input.pairs,
        snakemake.input.split,
        snakemake.input.rna_features,
        snakemake.input.protein_features,
        kind=snakemake.params.kind,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        out=snakemake.output.predictions,
        threads=snakemake.threads,
        folds=snakemake.params.folds,
    )
    evaluate_file(
        snakemake.output.predictions,
        snakemake.output.metrics,
        dataset=snakemake.wildcards.dataset,
        split=snakemake.wildcards.split,
        model=snakemake.wildcards.model,
    )
