rule train_model:
    """Train one model per fold and seed of a split; write its out-of-fold test predictions."""
    input:
        unpack(get_model_features),
        pairs="results/datasets/{dataset}/pairs.parquet",
        split="results/splits/{dataset}/{split}.parquet",
    output:
        predictions="results/predictions/{dataset}/{split}/{model}.parquet",
    log:
        "logs/train_model/{dataset}/{split}/{model}.log",
    benchmark:
        "benchmarks/train_model/{dataset}/{split}/{model}.tsv"
    conda:
        "../../envs/models.yaml"
    threads: 1  # SVC is single-threaded; on more cores, --set-threads train_model=N speeds up RF
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        kind=get_model_kind,
        hyperparameters=get_model_params,
        seeds=config["seeds"],
    script:
        "../scripts/train_model.py"
