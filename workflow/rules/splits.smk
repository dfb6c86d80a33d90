rule make_split:
    """Seeded k-fold split (random or cold) and its train/test leakage report."""
    input:
        pairs="results/pairs/{dataset}.parquet",
        families="results/annotation/{dataset}/rna_families.tsv",
        clans="results/annotation/{dataset}/protein_clans.tsv",
    output:
        split="results/splits/{dataset}/{split}.parquet",
        leakage="results/splits/{dataset}/{split}.leakage.json",
    log:
        "logs/make_split/{dataset}/{split}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_folds=config["splits"]["n_folds"],
        seed=config["splits"]["seed"],
    script:
        "../scripts/make_split.py"
