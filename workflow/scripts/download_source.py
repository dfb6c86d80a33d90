"""Adapter: rule download_source."""

from rnainteract.io.logs import log_to
from rnainteract.sources.download import download
from rnainteract.sources.lock import locked_sha256

with log_to(snakemake.log[0]):
    source = snakemake.params.source
    options = snakemake.params.options
    download(
        source["url"],
        snakemake.output[0],
        # the config's checksum, else the one of the lock given with --config lock=<file>
        sha256=source.get("sha256") or locked_sha256(snakemake.config.get("lock"), source["name"]),
        retries=options.get("retries", 5),
        backoff_s=options.get("backoff_s", 1.0),
        timeout_s=options.get("timeout_s", 60),
    )
