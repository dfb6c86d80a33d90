"""Adapter: rule catalog."""

from rnainteract.catalog import write_catalog
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    write_catalog(
        snakemake.output.catalog,
        {name: list(files) for name, files in snakemake.input.items()},
    )
