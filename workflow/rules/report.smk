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
    log:
        "logs/summarize_metrics/summary.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/summarize_metrics.py"
