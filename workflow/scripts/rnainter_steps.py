"""Adapter: rules rnainter_rows, rnainter_sequences, rnainter_dedupe, rnainter_cap."""

from rnainteract.io.logs import log_to
from rnainteract.sources.rnainter_sql import run_steps

with log_to(snakemake.log[0]):
    steps = []
    for name, params in snakemake.params.steps:
        params = dict(params)
        if name == "sequences":  # the sequence tables are rule inputs, not config
            params = {"rna_tables": list(snakemake.input.rna),
                      "protein_tables": list(snakemake.input.protein)}  # fmt: skip
        steps.append((name, params))
    run_steps(steps, snakemake.input.table, snakemake.output.table,
              out_counts=snakemake.output.counts, threads=snakemake.threads,
              **snakemake.params.duckdb)  # fmt: skip
