# Shortcut baselines and the shortcut table (README "Shortcuts"; rnainteract.models.baselines,
# rnainteract.evaluation.shortcuts): models that learn no sequence signal, on every dataset x
# split, and whether the best model beats the best of them.

if BASELINES:

    rule train_baselines:
        """The target baselines on one dataset x split: predictions and metrics of each."""
        input:
            unpack(get_baseline_inputs),
            pairs="results/datasets/{dataset}/pairs.parquet",
            split="results/splits/{dataset}/{split}.parquet",
        output:
            predictions=expand(
                "results/predictions/{{dataset}}/{{split}}/{baseline}.parquet",
                baseline=BASELINES,
            ),
            metrics=expand(
                "results/metrics/{{dataset}}/{{split}}/{baseline}.json", baseline=BASELINES
            ),
        log:
            "logs/train_baselines/{dataset}/{split}.log",
        benchmark:
            "benchmarks/train_baselines/{dataset}/{split}.tsv"
        conda:
            "../../envs/models.yaml"
        threads: 1
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            baselines=BASELINES,
            hyperparameters=config["baselines"],
            seeds=config["seeds"],
        script:
            "../scripts/train_baselines.py"

    # a baseline's metrics come from train_baselines (which evaluates in the same job), not
    # from one evaluate_model job per baseline
    ruleorder: train_baselines > evaluate_model

    rule shortcuts:
        """Best model vs best baseline (and flipped baseline) per dataset x split, DeLong tests."""
        input:
            unpack(get_shortcut_predictions),
            metrics="results/summary/metrics.tsv",
        output:
            table=report(
                cfg.SHORTCUTS,
                caption="../report/shortcuts.rst",
                category="Shortcuts",
                labels={"table": "shortcuts.tsv"},
            ),
        log:
            "logs/shortcuts/shortcuts.log",
        conda:
            "../../envs/rnainteract.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            baselines=BASELINES,
            splits=cfg.LADDER_SPLITS,
        script:
            "../scripts/shortcuts.py"

    rule plot_ladder:
        """AUROC of every model and baseline along random -> id-cold -> homology-cold splits."""
        input:
            metrics="results/summary/metrics.tsv",
        output:
            figure=report(
                "results/figures/{dataset}/ladder.png",
                caption="../report/ladder.rst",
                category="Shortcuts",
                labels={"dataset": "{dataset}", "figure": "ladder"},
            ),
        log:
            "logs/plot_ladder/{dataset}.log",
        conda:
            "../../envs/rnainteract.yaml"
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            baselines=BASELINES,
            splits=cfg.LADDER_SPLITS,
        script:
            "../scripts/plot_ladder.py"
