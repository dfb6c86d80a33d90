rule build_dataset:
    """Annotated pairs plus negatives (given, or two family-clan-aware ones per positive)."""
    input:
        unpack(get_dataset_sources),
    output:
        pairs="results/datasets/{dataset}/pairs.parquet",
        stats="results/datasets/{dataset}/stats.json",
    log:
        "logs/build_dataset/{dataset}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        negatives=get_negatives,
    script:
        "../scripts/build_dataset.py"


rule pairwise_identity:
    """All-vs-all sequence identity of a dataset's RNAs or proteins (MMseqs2 easy-search)."""
    input:
        fasta="results/sequences/{dataset}/{molecule}.fasta",
    output:
        table="results/identity/{dataset}/{molecule}.parquet",
    log:
        "logs/pairwise_identity/{dataset}/{molecule}.log",
    benchmark:
        "benchmarks/pairwise_identity/{dataset}/{molecule}.tsv"
    wildcard_constraints:
        molecule="rna|proteins",
    conda:
        "../../envs/cluster.yaml"
    threads: 1  # MMseqs2 is only reproducible on one thread (see rnainteract.annotate.identity)
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        sensitivity=config["identity"]["sensitivity"],
    script:
        "../scripts/pairwise_identity.py"


rule dataset_card:
    """Dataset card: RNAInterAct Tables 1, 5, 6, 7 and the category heatmaps (Figs 5 and 6)."""
    input:
        unpack(get_card_splits),
        table="results/datasets/{dataset}/pairs.parquet",
        stats="results/datasets/{dataset}/stats.json",
    output:
        card=report(
            "results/datasets/{dataset}/card.html",
            caption="../report/card.rst",
            category="Dataset cards",
            labels={"dataset": "{dataset}", "item": "card"},
        ),
        json="results/datasets/{dataset}/card.json",
        heatmap=report(
            "results/datasets/{dataset}/heatmap.png",
            caption="../report/heatmap.rst",
            category="Dataset cards",
            labels={"dataset": "{dataset}", "item": "heatmap"},
        ),
    log:
        "logs/dataset_card/{dataset}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/dataset_card.py"
