"""Adapter: rule download_source."""

from rnainteract.io.logs import log_to
from rnainteract.sources.download import download

with log_to(snakemake.log[0]):
    source = snakemake.params.source
    options = snakemake.params.options
    download(
        source["url"],
        snakemake.output[0],
        sha256=source.get("sha256"),
        retries=options.get("retries", 5),
        backoff_s=options.get("backoff_s", 1.0),
        timeout_s=options.get("timeout_s", 60),
    )
