"""Adapter: rule shortcuts."""

from rnainteract.evaluation.shortcuts import write_shortcuts
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    predictions = {
        tuple(name.split("__")): path
        for name, path in snakemake.input.items()
        if name.count("__") == 2
    }
    write_shortcuts(
        snakemake.input.metrics,
        predictions,
        snakemake.output.table,
        baselines=list(snakemake.params.baselines),
        splits=list(snakemake.params.splits),
    )
