"""Adapter: rule pairwise_identity."""

from rnainteract.annotate.identity import pairwise_identity
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    pairwise_identity(
        snakemake.input.fasta,
        snakemake.output.table,
        molecule="rna" if snakemake.wildcards.molecule == "rna" else "protein",
        sensitivity=snakemake.params.sensitivity,
    )
