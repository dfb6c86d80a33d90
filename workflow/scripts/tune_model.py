"""Adapter: rule tune_model."""

from rnainteract.logs import log_to
from rnainteract.train import tune_view_model

with log_to(snakemake.log[0]):
    views = {"rna": {}, "protein": {}}
    for name, path in snakemake.input.items():
        if "__" in name:
            molecule, view = name.split("__", 1)
            views[molecule][view] = path
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
    )
