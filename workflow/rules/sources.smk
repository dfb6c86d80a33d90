rule download_source:
    """Download a source that no mirror holds into resources/sources (streamed, checked, atomic)."""
    output:
        "resources/sources/{path}",
    log:
        "logs/download_source/{path}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=500,
        runtime=60,
    params:
        source=get_source_by_path,
        options=config["download"],
    script:
        "../scripts/download_source.py"


rule build_pairs:
    """Parse a benchmark into the canonical pair table and the RNA and protein FASTA files."""
    input:
        unpack(get_dataset_inputs),
    output:
        pairs="results/pairs/{dataset}.parquet",
        rna="results/sequences/{dataset}/rna.fasta",
        proteins="results/sequences/{dataset}/proteins.fasta",
        stats="results/pairs/{dataset}.stats.json",
    log:
        "logs/build_pairs/{dataset}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        parser=lookup(dpath="datasets/{dataset}/parser", within=config),
        checksums=get_dataset_checksums,
        cleaning=get_cleaning,
        source=get_pair_source,
    script:
        "../scripts/build_pairs.py"
