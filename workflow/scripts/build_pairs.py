"""Adapter: rule build_pairs."""

from rnainteract.io.logs import log_to
from rnainteract.sources.benchmarks import build_dataset
from rnainteract.sources.download import verify_sha256

with log_to(snakemake.log[0]):
    inputs = {role: snakemake.input[role] for role in snakemake.params.checksums}
    for role, path in inputs.items():
        verify_sha256(path, snakemake.params.checksums[role], source=role)
    build_dataset(
        snakemake.params.parser,
        inputs,
        dataset=snakemake.wildcards.dataset,
        source=snakemake.params.source,
        out_pairs=snakemake.output.pairs,
        out_rna=snakemake.output.rna,
        out_proteins=snakemake.output.proteins,
        out_stats=snakemake.output.stats,
        **snakemake.params.cleaning,
    )
