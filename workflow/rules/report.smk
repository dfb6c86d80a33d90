rule summarize_metrics:
    """One row per dataset x split x model: the summary table of the output contract."""
    input:
        metrics=get_metric_files(),
    output:
        table=report(
            "results/summary/metrics.tsv",
            caption="../report/metrics.rst",
            category="Metrics",
            labels={"table": "metrics.tsv"},
        ),
        gap=report(
            "results/summary/homology_gap.tsv",
            caption="../report/homology_gap.rst",
            category="Metrics",
            labels={"table": "homology_gap.tsv"},
        ),
        confusion=report(
            "results/summary/confusion.tsv",
            caption="../report/confusion.rst",
            category="Metrics",
            labels={"table": "confusion.tsv"},
        ),
    log:
        "logs/summarize_metrics/summary.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/summarize_metrics.py"


rule summarize_datasets:
    """One row per dataset: pairs read, removed (and why) and kept; RNA families, protein clans."""
    input:
        stats=get_dataset_files("results/pairs/{dataset}.stats.json", base=True),
        families=get_dataset_files("results/annotation/{dataset}/rna_families.tsv", base=True),
        clans=get_dataset_files("results/annotation/{dataset}/protein_clans.tsv", base=True),
        datasets=get_dataset_files("results/datasets/{dataset}/stats.json"),
    output:
        table=report(
            "results/summary/datasets.tsv",
            caption="../report/datasets.rst",
            category="Datasets",
            labels={"table": "datasets.tsv"},
        ),
    log:
        "logs/summarize_datasets/summary.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/summarize_datasets.py"


rule report_intro:
    """The report's first page: a banner naming every model that ran on random-init embeddings
    (pretrained false in the summary tables), then the workflow description."""
    input:
        tables=get_pretrained_tables(),
        template=REPORT_TEMPLATE,
    output:
        intro=REPORT_INTRO,
    log:
        "logs/report_intro/report_intro.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        missing_weights=cfg.random_init_embedders(config),
    script:
        "../scripts/report_intro.py"
