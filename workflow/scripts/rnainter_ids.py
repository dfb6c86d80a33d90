"""Adapter: rule rnainter_ids (outputs named <database>_<molecule>)."""

from rnainteract.io.logs import log_to
from rnainteract.sources.rnainter import write_id_lists

with log_to(snakemake.log[0]) as log:
    outputs = {tuple(name.split("_")): path for name, path in snakemake.output.items()}
    log.info("ids to fetch: %s", write_id_lists(snakemake.input.table, outputs))
