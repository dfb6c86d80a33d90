"""Adapter: rule prepare_rfam."""

from rnainteract.annotate.rfam import prepare_cm_database
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    prepare_cm_database(
        snakemake.input.cm, snakemake.input.clanin, snakemake.output.cm, snakemake.output.clanin
    )
