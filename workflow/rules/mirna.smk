rule mirna_site_data:
    """miRAW site pairs (miRNA reversed to 5'->3', T->U) with seeded cross-validation folds."""
    input:
        train=get_mirna_sources("site_train"),
        test=get_mirna_sources("site_test"),
    output:
        sites="results/mirna/sites.parquet",
        stats="results/mirna/sites.stats.json",
    log:
        "logs/mirna_site_data/sites.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_folds=config.get("mirna", {}).get("n_folds", 10),
        seed=config.get("mirna", {}).get("split_seed", 42),
    script:
        "../scripts/mirna_site_data.py"


rule mirna_gene_data:
    """Distinct miRNA-gene pairs of miRAW's gene-level test splits, their membership and a
    leakage count against the training sites."""
    input:
        splits=get_mirna_sources("gene_splits"),
        sites="results/mirna/sites.parquet",
    output:
        pairs="results/mirna/gene_pairs.parquet",
        membership="results/mirna/gene_membership.parquet",
        stats="results/mirna/gene_pairs.stats.json",
    log:
        "logs/mirna_gene_data/genes.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/mirna_gene_data.py"


rule train_mirna_site_model:
    """A site model per seed and CV fold (split cv), or on all training sites tested on the
    held-out file (split heldout, whose models the gene level reuses)."""
    input:
        sites="results/mirna/sites.parquet",
    output:
        predictions="results/predictions/miraw_site/{split}/{model}.parquet",
        checkpoint="results/models/miraw_site/{split}/{model}.pt",
    log:
        "logs/train_mirna_site_model/{split}/{model}.log",
    benchmark:
        "benchmarks/train_mirna_site_model/{split}/{model}.tsv"
    wildcard_constraints:
        model=MIRNA_MODELS,
        split="cv|heldout",
    conda:
        "../../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=0,
    params:
        hyperparameters=get_mirna_params,
        seeds=config["seeds"],
        folds=config.get("mirna", {}).get("folds"),
        max_train_sites=config.get("mirna", {}).get("max_train_sites"),
    script:
        "../scripts/train_mirna_site_model.py"


rule score_mirna_genes:
    """Score every candidate window of each 3'UTR with the held-out site models; a pair's
    score is its best window's (max, the seed README's OR rule)."""
    input:
        pairs="results/mirna/gene_pairs.parquet",
        membership="results/mirna/gene_membership.parquet",
        checkpoint="results/models/miraw_site/heldout/{model}.pt",
    output:
        windows="results/mirna/windows/{model}.parquet",
        predictions="results/predictions/miraw_gene/balanced10/{model}_max.parquet",
    log:
        "logs/score_mirna_genes/{model}.log",
    benchmark:
        "benchmarks/score_mirna_genes/{model}.tsv"
    wildcard_constraints:
        model=MIRNA_MODELS,
    conda:
        "../../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        windows=config.get("mirna", {}).get("windows", {}),
    script:
        "../scripts/score_mirna_genes.py"


rule train_mirna_mil:
    """Attention multiple-instance learning over a site model's windows, trained on gene-level
    labels (cross-fitted: each pair scored by a model that never saw its gene)."""
    input:
        pairs="results/mirna/gene_pairs.parquet",
        membership="results/mirna/gene_membership.parquet",
        windows="results/mirna/windows/{model}.parquet",
    output:
        predictions="results/predictions/miraw_gene/balanced10/{model}_mil.parquet",
    log:
        "logs/train_mirna_mil/{model}.log",
    benchmark:
        "benchmarks/train_mirna_mil/{model}.tsv"
    wildcard_constraints:
        model=MIRNA_MODELS,
    conda:
        "../../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        mil=config.get("mirna", {}).get("mil", {}),
        seed=config.get("mirna", {}).get("split_seed", 42),
    script:
        "../scripts/train_mirna_mil.py"


# (only when the branch has baselines: a rule needs at least one output)
if get_mirna_baseline_outputs():

    rule mirna_seed_baselines:
        """Canonical seed-match rules (8mer, 7mer-m8, 7mer-A1, 6mer) at site and gene level."""
        input:
            sites="results/mirna/sites.parquet",
            pairs="results/mirna/gene_pairs.parquet",
            membership="results/mirna/gene_membership.parquet",
        output:
            **get_mirna_baseline_outputs(),
        log:
            "logs/mirna_seed_baselines/baselines.log",
        conda:
            "../../envs/models.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            folds=config.get("mirna", {}).get("folds"),
        script:
            "../scripts/mirna_seed_baselines.py"
