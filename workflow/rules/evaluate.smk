rule evaluate_model:
    """Metrics per fold and seed, and their mean and sd, from a model's test predictions."""
    input:
        predictions="results/predictions/{dataset}/{split}/{model}.parquet",
    output:
        metrics="results/metrics/{dataset}/{split}/{model}.json",
    log:
        "logs/evaluate_model/{dataset}/{split}/{model}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/evaluate_model.py"


rule plot_roc:
    """ROC curves of all target models on one dataset x split."""
    input:
        unpack(get_split_predictions),
    output:
        report(
            "results/figures/{dataset}/{split}.roc.png",
            caption="../report/roc.rst",
            category="ROC curves",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "split": "{split}"},
        ),
    log:
        "logs/plot_roc/{dataset}/{split}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/plot_roc.py"


rule plot_importance:
    """Bar chart of a model's mean per-sample feature importance (attention, Tree SHAP)."""
    input:
        interpretation="results/interpretation/{dataset}/{split}/{model}.parquet",
    output:
        figure=report(
            "results/figures/{dataset}/{split}.{model}.importance.png",
            caption="../report/importance.rst",
            category="Interpretation",
            subcategory="{model}",
            labels={"dataset": "{dataset}", "split": "{split}", "model": "{model}"},
        ),
    log:
        "logs/plot_importance/{dataset}/{split}/{model}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/plot_importance.py"
