"""Adapter: rule rnainter_fetch."""

from rnainteract.io.logs import log_to
from rnainteract.sources.rnainter import fetch_database

with log_to(snakemake.log[0]):
    fetch_database(
        snakemake.wildcards.database,
        {"rna": snakemake.input.rna_ids, "protein": snakemake.input.protein_ids},
        {"rna": snakemake.output.rna, "protein": snakemake.output.protein},
        out_report=snakemake.output.report,
        cache_dir=snakemake.params.cache_dir,
        options=snakemake.params.options,
        local_fasta=snakemake.input.get("local_fasta"),
    )
