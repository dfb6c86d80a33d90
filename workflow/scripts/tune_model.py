"""Adapter: rule tune_model."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.rpi import named_views, tune_view_model

with log_to(snakemake.log[0]):
    views = named_views(dict(snakemake.input.items()))
    tune_view_model(
        snakemake.input.pairs,
        snakemake.input.split,
        snakemake.input.rna_fasta,
        snakemake.input.protein_fasta,
        rna_views=views["rna"],
        protein_views=views["protein"],
        kind=snakemake.params.kind,
        params=dict(snakemake.params.hyperparameters),
        seeds=list(snakemake.params.seeds),
        n_trials=snakemake.params.tune["n_trials"],
        lr_range=snakemake.params.tune.get("lr_range", (1e-4, 1e-2)),
        weight_decay_range=snakemake.params.tune.get("weight_decay_range", (1e-4, 1e-1)),
        out=snakemake.output.tuned,
        threads=snakemake.threads,
        folds=snakemake.params.folds,
        groups=snakemake.input.groups,
    )
