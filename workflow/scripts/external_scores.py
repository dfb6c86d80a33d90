"""Adapter: rule external_scores."""

from pathlib import Path

from rnainteract.io.logs import log_to
from rnainteract.tasks.external import external_scores

with log_to(snakemake.log[0]):
    external_scores(
        Path(snakemake.input.training).parent,
        snakemake.input.overlap,
        snakemake.input.get("rna_features"),
        snakemake.input.get("protein_features"),
        out=snakemake.output.scores,
        rna_fasta=snakemake.input.get("rna_fasta"),
        protein_fasta=snakemake.input.get("protein_fasta"),
        weights={m: snakemake.input.get(f"weights_{m}") for m in ("rna", "protein")},
        embedding_cache=snakemake.params.embedding_cache,
    )
