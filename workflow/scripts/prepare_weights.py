"""Adapter: rule prepare_weights."""

from rnainteract.embeddings.weights import gather_weights
from rnainteract.logs import log_to

with log_to(snakemake.log[0]):
    files = dict(zip(snakemake.params.names, snakemake.input, strict=True))
    gather_weights(files, snakemake.output[0])
