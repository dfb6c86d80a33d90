rule prepare_weights:
    """Gather an embedder's weight files (sources) into one local model directory (symlinks)."""
    input:
        get_weight_files,
    output:
        directory("resources/weights/{embedder}"),
    log:
        "logs/prepare_weights/{embedder}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=500,
        runtime=10,
    params:
        names=get_weight_names,
    script:
        "../scripts/prepare_weights.py"


rule embed:
    """Embed every distinct sequence of the target datasets once (shard cache, resumable)."""
    input:
        unpack(get_embed_inputs),
    output:
        table="results/embeddings/{embedder}/{molecule}.parquet",
    log:
        "logs/embed/{embedder}/{molecule}.log",
    benchmark:
        "benchmarks/embed/{embedder}/{molecule}.tsv"
    wildcard_constraints:
        molecule="rna|protein",
    conda:
        "../../envs/embed.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=get_embed_gpus,
    params:
        embedder=get_embedder,
        options=get_embed_options,
    script:
        "../scripts/embed.py"
