"""Adapter: rule embed."""

from rnainteract.features.embeddings.cache import write_embeddings
from rnainteract.features.embeddings.embedders import load_embedder
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    spec = snakemake.params.embedder
    options = dict(snakemake.params.options)
    options.pop("gpus")  # a cluster resource (rule embed), not an embedding option
    embedder = load_embedder(
        snakemake.wildcards.embedder,
        spec["kind"],
        snakemake.input.get("weights"),
        molecule=snakemake.wildcards.molecule,
        layer=spec.get("layer"),
        allow_random_init=options.pop("allow_random_init"),
        random_config=spec.get("random_config"),
        missing_weights=snakemake.params.missing_weights,
        threads=snakemake.threads,
    )
    write_embeddings(
        list(snakemake.input.fastas),
        embedder,
        snakemake.output.table,
        cache_dir=options.pop("cache_dir"),
        progress=True,
        **options,
    )
