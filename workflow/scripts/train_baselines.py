"""Adapter: rule train_baselines (predictions, then the metrics of each baseline)."""

from rnainteract.evaluation.binary import evaluate_file
from rnainteract.io.logs import log_to
from rnainteract.tasks.baselines import train_baselines

with log_to(snakemake.log[0]):
    names = list(snakemake.params.baselines)
    train_baselines(
        snakemake.input.pairs,
        snakemake.input.split,
        out=dict(zip(names, snakemake.output.predictions, strict=True)),
        params={name: dict(snakemake.params.hyperparameters.get(name, {})) for name in names},
        seeds=list(snakemake.params.seeds),
        rna_features=snakemake.input.get("rna_features"),
        protein_features=snakemake.input.get("protein_features"),
        rna_identity=snakemake.input.get("rna_identity"),
        protein_identity=snakemake.input.get("protein_identity"),
        threads=snakemake.threads,
    )
    for name, predictions, metrics in zip(
        names, snakemake.output.predictions, snakemake.output.metrics, strict=True
    ):
        evaluate_file(
            predictions,
            metrics,
            dataset=snakemake.wildcards.dataset,
            split=snakemake.wildcards.split,
            model=name,
        )
