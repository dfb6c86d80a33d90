# The results catalog (README "Querying the results"; rnainteract.catalog): one DuckDB view per
# output table over the files in place, built last.


rule catalog:
    """results/catalog.duckdb: a view per output table (pairs, datasets, splits, predictions,
    metrics, annotation, embeddings metadata, RNAInter steps) over its files, nothing copied."""
    input:
        unpack(get_catalog_inputs),
    output:
        catalog=cfg.CATALOG,
    log:
        "logs/catalog.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/catalog.py"
