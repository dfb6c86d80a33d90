"""Adapter: rule prepare_weights."""

from rnainteract.features.embeddings.weights import gather_weights
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    files = dict(zip(snakemake.params.names, snakemake.input, strict=True))
    gather_weights(files, snakemake.output[0])
