"""Adapter: rule rnainter_ingest."""

from rnainteract.io import write_json
from rnainteract.logs import log_to
from rnainteract.rnainter import ingest_rnainter

with log_to(snakemake.log[0]):
    stats = ingest_rnainter(snakemake.input.archive, snakemake.output.table)
    write_json(stats, snakemake.output.stats)
