rule make_split:
    """Seeded k-fold split (random or cold), or a given one, its leakage report and identities."""
    input:
        unpack(get_identity_tables),
        unpack(get_given_split),
        dataset="results/datasets/{dataset}/pairs.parquet",
    output:
        split="results/splits/{dataset}/{split}.parquet",
        leakage="results/splits/{dataset}/{split}.leakage.json",
        identity="results/splits/{dataset}/{split}.identity.parquet",
        groups="results/splits/{dataset}/{split}.groups.parquet",
    log:
        "logs/make_split/{dataset}/{split}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_folds=config["splits"]["n_folds"],
        seed=config["splits"]["seed"],
        identity_threshold=config["splits"]["identity_threshold"],
    script:
        "../scripts/make_split.py"
