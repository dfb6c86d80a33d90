rule rbp_task:
    """A multi-label RNA->RBP task: labels by RNA, a seeded train/test split and the three views
    (one-hot bases, three-frame codon translation, dipeptide counts)."""
    input:
        unpack(get_rbp_task_inputs),
    output:
        labels="results/rbp/{task}/labels.parquet",
        views="results/rbp/{task}/views.npz",
        stats="results/rbp/{task}/stats.json",
    log:
        "logs/rbp_task/{task}.log",
    conda:
        "../../envs/models.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        spec=get_rbp_task_spec,
    script:
        "../scripts/rbp_task.py"


rule train_rbp_cnn:
    """One view's CNN per seed (the single-view model) and its 202-d features of every RNA."""
    input:
        labels="results/rbp/{task}/labels.parquet",
        views="results/rbp/{task}/views.npz",
    output:
        predictions="results/predictions/{task}/random/cnn_{view}.parquet",
        features="results/rbp/{task}/features/{view}.npz",
    log:
        "logs/train_rbp_cnn/{task}/{view}.log",
    benchmark:
        "benchmarks/train_rbp_cnn/{task}/{view}.tsv"
    wildcard_constraints:
        view="|".join(RBP_VIEWS),
    conda:
        "../../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=600,
        gpu=0,
    params:
        hyperparameters=config.get("rbp", {}).get("cnn", {}),
        seeds=config["seeds"],
    script:
        "../scripts/train_rbp_cnn.py"


rule train_mmfa:
    """MMFA (or an ablation) over the deep features of its views, per seed."""
    input:
        unpack(get_rbp_model_views),
        labels="results/rbp/{task}/labels.parquet",
    output:
        predictions="results/predictions/{task}/random/{model}.parquet",
    log:
        "logs/train_mmfa/{task}/{model}.log",
    benchmark:
        "benchmarks/train_mmfa/{task}/{model}.tsv"
    wildcard_constraints:
        model=RBP_MODELS,
    conda:
        "../../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        hyperparameters=get_rbp_model_params,
        seeds=config["seeds"],
    script:
        "../scripts/train_mmfa.py"


rule evaluate_multilabel:
    """Weighted AUC and F1, exact match and both one-errors of a model's test predictions."""
    input:
        predictions="results/predictions/{task}/random/{model}.parquet",
    output:
        metrics="results/rbp/{task}/metrics/{model}.json",
    log:
        "logs/evaluate_multilabel/{task}/{model}.log",
    conda:
        "../../envs/models.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    script:
        "../scripts/evaluate_multilabel.py"


rule summarize_multilabel:
    """One row per multi-label task x model: the paper's multi-label metrics."""
    input:
        metrics=get_rbp_metric_files(),
    output:
        table=report(
            "results/summary/multilabel_metrics.tsv",
            caption="../report/multilabel_metrics.rst",
            category="Metrics",
            labels={"table": "multilabel_metrics.tsv"},
        ),
    log:
        "logs/summarize_multilabel/summary.log",
    conda:
        "../../envs/models.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/summarize_multilabel.py"
