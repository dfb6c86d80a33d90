"""Adapter: rule embed."""

from rnainteract.config import missing_weights
from rnainteract.features.embeddings.cache import write_embeddings
from rnainteract.features.embeddings.embedders import load_embedder
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    spec = snakemake.params.embedder
    weights = snakemake.input.get("weights")
    # without weights the embedder is random-init; its WARNING names the files looked for
    # (computed here, not as a param, so that it never triggers a rerun)
    missing = [] if weights else missing_weights(snakemake.config, snakemake.wildcards.embedder)
    options = dict(snakemake.params.options)
    options.pop("gpus")  # a cluster resource (rule embed), not an embedding option
    embedder = load_embedder(
        snakemake.wildcards.embedder,
        spec["kind"],
        weights,
        molecule=snakemake.wildcards.molecule,
        layer=spec.get("layer"),
        allow_random_init=options.pop("allow_random_init"),
        random_config=spec.get("random_config"),
        missing_weights=missing,
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
