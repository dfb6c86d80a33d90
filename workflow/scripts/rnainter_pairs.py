"""Adapter: rule rnainter_pairs."""

from rnainteract.io.logs import log_to
from rnainteract.sources.rnainter import finish_rnainter

with log_to(snakemake.log[0]):
    inp, out = snakemake.input, snakemake.output
    finish_rnainter(
        inp.table,
        raw=inp.raw,
        rna_tables=list(inp.rna),
        protein_tables=list(inp.protein),
        ingest_stats=inp.ingest,
        step_counts=list(inp.counts),
        fetch_reports=list(inp.reports),
        out_pairs=out.pairs,
        out_rna=out.rna,
        out_proteins=out.proteins,
        out_stats=out.stats,
        out_filtering=out.filtering,
        out_extraction=out.extraction,
        out_categories=out.categories,
    )
