"""Adapter: rule annotate_rfam."""

from rnainteract.annotate.rfam import scan_rfam
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    scan_rfam(
        snakemake.input.fasta,
        snakemake.input.cm,
        snakemake.input.clanin,
        out_hits=snakemake.output.hits,
        out_tblout=snakemake.output.tblout,
        cpus=snakemake.threads,
        toponly=snakemake.params.toponly,
    )
