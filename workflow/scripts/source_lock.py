"""Adapter: rule source_lock."""

import rnainteract.config as cfg
from rnainteract.io.logs import log_to
from rnainteract.sources.lock import write_source_lock

with log_to(snakemake.log[0]):
    write_source_lock(
        snakemake.params.sources,
        snakemake.params.used,
        mirror_dirs=snakemake.params.mirror_dirs,
        cache_dir=cfg.SOURCE_CACHE,
        out=snakemake.output[0],
    )
