"""Adapter: rule rnainter_ingest."""

import pyarrow as pa

from rnainteract.io.files import write_json
from rnainteract.io.logs import log_to
from rnainteract.sources.rnainter import ingest_rnainter

pa.set_cpu_count(max(1, snakemake.threads))  # pyarrow's CSV threads: the rule's cores
with log_to(snakemake.log[0]):
    stats = ingest_rnainter(snakemake.input.archive, snakemake.output.table)
    write_json(stats, snakemake.output.stats)
