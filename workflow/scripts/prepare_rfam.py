"""Adapter: rule prepare_rfam."""

from rnainteract.annotation import prepare_cm_database
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    prepare_cm_database(
        snakemake.input.cm, snakemake.input.clanin, snakemake.output.cm, snakemake.output.clanin
    )
