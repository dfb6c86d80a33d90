"""Adapter: rule annotate_pfam."""

from rnainteract.annotate.pfam import scan_pfam
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    scan_pfam(
        snakemake.input.fasta,
        snakemake.input.hmm,
        snakemake.input.clans,
        out_hits=snakemake.output.hits,
        cpus=snakemake.threads,
    )
