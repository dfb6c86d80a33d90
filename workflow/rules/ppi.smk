rule ppi_dataset:
    """An ESM2_AMP protein-protein dataset: pairs, sequences and a random stratified split."""
    input:
        unpack(get_ppi_sources),
    output:
        pairs="results/ppi/{ppi}/pairs.parquet",
        fasta="results/ppi/{ppi}/proteins.fasta",
        split="results/ppi/{ppi}/random.parquet",
        stats="results/ppi/{ppi}/stats.json",
    log:
        "logs/ppi_dataset/{ppi}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        spec=get_ppi_spec,
    script:
        "../scripts/ppi_dataset.py"


rule train_ppi_model:
    """Cross-validated predictions of an ESM2_AMP model on a protein-protein dataset."""
    input:
        unpack(get_ppi_views),
        pairs="results/ppi/{ppi}/pairs.parquet",
        fasta="results/ppi/{ppi}/proteins.fasta",
        split="results/ppi/{ppi}/random.parquet",
    output:
        predictions="results/ppi/{ppi}/predictions/{model}.parquet",
    log:
        "logs/train_ppi_model/{ppi}/{model}.log",
    benchmark:
        "benchmarks/train_ppi_model/{ppi}/{model}.tsv"
    conda:
        "../../envs/models.yaml"
    threads: 1
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
        "../scripts/train_ppi_model.py"


rule evaluate_ppi_model:
    """Metrics of a model's PPI predictions (same metrics as the RNA-protein models)."""
    input:
        predictions="results/ppi/{ppi}/predictions/{model}.parquet",
    output:
        metrics="results/ppi/{ppi}/metrics/{model}.json",
    log:
        "logs/evaluate_ppi_model/{ppi}/{model}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/evaluate_ppi_model.py"


rule summarize_ppi:
    """One row per PPI dataset x model (the metrics table's columns; split `random`)."""
    input:
        metrics=get_ppi_metric_files(),
    output:
        table=report(
            "results/summary/ppi_metrics.tsv",
            caption="../report/ppi_metrics.rst",
            category="Metrics",
            labels={"table": "ppi_metrics.tsv"},
        ),
    log:
        "logs/summarize_ppi/summary.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/summarize_metrics.py"
