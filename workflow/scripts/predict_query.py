"""Adapter: rule predict_query (the same as `rnainteract predict`)."""

from pathlib import Path

from rnainteract.io.logs import log_to
from rnainteract.tasks.predict import predict

with log_to(snakemake.log[0]):
    predict(
        Path(snakemake.input.training).parent,
        snakemake.input.rna,
        snakemake.input.protein,
        snakemake.output.table,
        pairs=snakemake.input.get("pairs"),
        max_pairs=snakemake.params.max_pairs,
        chunk_pairs=snakemake.params.chunk_pairs,
        identity_threshold=snakemake.params.identity_threshold,
        threads=snakemake.threads,
        weights={m: snakemake.input.get(f"weights_{m}") for m in ("rna", "protein")},
        embedding_cache=snakemake.params.embedding_cache,
    )
