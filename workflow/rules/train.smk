rule train_model:
    """Train a feature model once per fold and seed of a split; its test predictions, metrics."""
    input:
        unpack(get_model_features),
        pairs="results/datasets/{dataset}/pairs.parquet",
        split="results/splits/{dataset}/{split}.parquet",
    output:
        predictions="results/predictions/{dataset}/{split}/{model}.parquet",
        metrics="results/metrics/{dataset}/{split}/{model}.json",
    log:
        "logs/train_model/{dataset}/{split}/{model}.log",
    benchmark:
        "benchmarks/train_model/{dataset}/{split}/{model}.tsv"
    wildcard_constraints:
        model=FEATURE_MODELS,
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
        folds=get_model_folds,
    script:
        "../scripts/train_model.py"


rule tune_model:
    """Optuna search of lr and weight decay per fold and seed, on each fold's train part."""
    input:
        unpack(get_model_features),
        pairs="results/datasets/{dataset}/pairs.parquet",
        split="results/splits/{dataset}/{split}.parquet",
        groups="results/splits/{dataset}/{split}.groups.parquet",
    output:
        tuned="results/tuning/{dataset}/{split}/{model}.json",
    log:
        "logs/tune_model/{dataset}/{split}/{model}.log",
    benchmark:
        "benchmarks/tune_model/{dataset}/{split}/{model}.tsv"
    wildcard_constraints:
        model=VIEW_MODELS,
    conda:
        "../../envs/models.yaml"
    threads: 1  # small networks: one thread measured faster than two on 2 cores
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=get_model_gpus,
    params:
        kind=get_model_kind,
        hyperparameters=get_model_params,
        seeds=config["seeds"],
        folds=get_model_folds,
        tune=get_model_tune,
    script:
        "../scripts/tune_model.py"


rule train_view_model:
    """Train a model over embeddings/views per fold and seed; predictions, metrics, weights,
    importance."""
    input:
        unpack(get_view_model_inputs),
        pairs="results/datasets/{dataset}/pairs.parquet",
        split="results/splits/{dataset}/{split}.parquet",
        groups="results/splits/{dataset}/{split}.groups.parquet",
    output:
        predictions="results/predictions/{dataset}/{split}/{model}.parquet",
        metrics="results/metrics/{dataset}/{split}/{model}.json",
        checkpoint="results/models/{dataset}/{split}/{model}.pt",
        interpretation="results/interpretation/{dataset}/{split}/{model}.parquet",
    log:
        "logs/train_view_model/{dataset}/{split}/{model}.log",
    benchmark:
        "benchmarks/train_view_model/{dataset}/{split}/{model}.tsv"
    wildcard_constraints:
        model=VIEW_MODELS,
    conda:
        "../../envs/models.yaml"
    threads: 1  # small networks: one thread measured faster than two on 2 cores
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=get_model_gpus,
    params:
        kind=get_model_kind,
        hyperparameters=get_model_params,
        seeds=config["seeds"],
        folds=get_model_folds,
    script:
        "../scripts/train_view_model.py"


# The RPI models' metrics come from their training job (which evaluates its predictions in the
# same process), not from one evaluate_model job each: ~230 fewer jobs of ~3 s start-up in the
# main job. evaluate_model still evaluates the miRNA and RBP branches' predictions.
ruleorder: train_model > evaluate_model
ruleorder: train_view_model > evaluate_model
