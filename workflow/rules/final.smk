# Final models (trained once on every pair of a dataset), their cards, external test sets and
# predictions for new sequences (README "Trained models"; rnainteract.tasks.final, .external,
# .predict).


rule final_model:
    """Train a feature model once on all pairs of a dataset; save it safely (skops, XGBoost JSON,
    torch state dicts) with its training record and training sequences."""
    input:
        unpack(get_model_features),
        unpack(get_final_sequences),
        pairs="results/datasets/{dataset}/pairs.parquet",
    output:
        model=directory("results/final/{dataset}/{model}/model"),
        training="results/final/{dataset}/{model}/training.json",
        rna="results/final/{dataset}/{model}/train_rna.fasta",
        proteins="results/final/{dataset}/{model}/train_proteins.fasta",
    log:
        "logs/final_model/{dataset}/{model}.log",
    benchmark:
        "benchmarks/final_model/{dataset}/{model}.tsv"
    wildcard_constraints:
        model=FEATURE_MODELS,
    conda:
        "../../envs/final.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        kind=get_model_kind,
        hyperparameters=get_model_params,
        seed=config["seeds"][0],
        identity_threshold=config["splits"]["identity_threshold"],
    script:
        "../scripts/final_model.py"


rule final_view_model:
    """Train a model over embeddings/views once on all pairs of a dataset; save its torch state
    dicts, scikit-learn parts (skops) and shapes with its training record (embedders included)."""
    input:
        unpack(get_final_view_inputs),
        pairs="results/datasets/{dataset}/pairs.parquet",
    output:
        model=directory("results/final/{dataset}/{model}/model"),
        training="results/final/{dataset}/{model}/training.json",
        rna="results/final/{dataset}/{model}/train_rna.fasta",
        proteins="results/final/{dataset}/{model}/train_proteins.fasta",
    log:
        "logs/final_view_model/{dataset}/{model}.log",
    benchmark:
        "benchmarks/final_view_model/{dataset}/{model}.tsv"
    wildcard_constraints:
        model=VIEW_MODELS,
    conda:
        "../../envs/final.yaml"
    threads: 1  # small networks: one thread measured faster than two on 2 cores
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        kind=get_model_kind,
        hyperparameters=get_model_params,
        seed=config["seeds"][0],
        identity_threshold=config["splits"]["identity_threshold"],
        embedders=get_final_embedders,
        tuned_split=get_final_tuned_split,
    script:
        "../scripts/final_view_model.py"


rule model_card:
    """A final model's card: training record + its cross-validation results per split."""
    input:
        training="results/final/{dataset}/{model}/training.json",
        metrics="results/summary/metrics.tsv",
    output:
        json="results/final/{dataset}/{model}/card.json",
        md="results/final/{dataset}/{model}/card.md",
    log:
        "logs/model_card/{dataset}/{model}.log",
    conda:
        "../../envs/final.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/model_card.py"


rule external_overlap:
    """Overlap class of every pair of an external test set with the training set (MMseqs2
    identity to the nearest training molecule, Rfam families, Pfam clans)."""
    input:
        unpack(get_external_overlap_inputs),
    output:
        table="results/external/{external}/overlap.parquet",
        counts="results/external/{external}/overlap.json",
    log:
        "logs/external_overlap/{external}.log",
    benchmark:
        "benchmarks/external_overlap/{external}.tsv"
    conda:
        "../../envs/final.yaml"
    threads: 1  # MMseqs2 is only reproducible on one thread (see rnainteract.annotate.identity)
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        identity_threshold=config["splits"]["identity_threshold"],
        sensitivity=config["identity"]["sensitivity"],
    script:
        "../scripts/external_overlap.py"


rule external_scores:
    """A final model scores every pair of an external test set."""
    input:
        unpack(get_external_score_inputs),
        overlap="results/external/{external}/overlap.parquet",
    output:
        scores="results/external/{external}/{model}.parquet",
    log:
        "logs/external_scores/{external}/{model}.log",
    wildcard_constraints:
        model=RPI_MODELS,
    conda:
        "../../envs/final.yaml"
    resources:
        mem_mb=8000,  # a view model embeds the test set (as rule embed)
        runtime=240,
    params:
        embedding_cache=config["embedding"]["cache_dir"],
    script:
        "../scripts/external_scores.py"


rule summarize_external:
    """Metrics of the external test sets overall and per overlap class."""
    input:
        scores=list(cfg.external_score_files(config).values()),
        counts=expand(
            "results/external/{external}/overlap.json", external=cfg.external_sets(config)
        ),
    output:
        table=report(
            cfg.EXTERNAL_METRICS,
            caption="../report/external.rst",
            category="Metrics",
            labels={"table": "external_metrics.tsv"},
        ),
    log:
        "logs/summarize_external/summary.log",
    conda:
        "../../envs/final.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        files=cfg.external_score_files(config),
        settings=cfg.external_sets(config),
    script:
        "../scripts/summarize_external.py"


rule predict_query:
    """Score a query (RNA FASTA x protein FASTA, or a pair list) with a final model."""
    input:
        unpack(get_predict_inputs),
    output:
        table="results/predict/{query}/{dataset}.{model}.tsv",
    log:
        "logs/predict_query/{query}/{dataset}.{model}.log",
    benchmark:
        "benchmarks/predict_query/{query}/{dataset}.{model}.tsv"
    wildcard_constraints:
        dataset="[^./]+",
        model="[^./]+",
    conda:
        "../../envs/final.yaml"
    threads: 2  # row blocks of each chunk scored in parallel (scores do not depend on it)
    resources:
        mem_mb=8000,  # a view model embeds the queries (as rule embed)
        runtime=240,
    params:
        max_pairs=PREDICT.get("max_pairs", 1000000),
        chunk_pairs=PREDICT.get("chunk_pairs", 100000),
        identity_threshold=config["splits"]["identity_threshold"],
        embedding_cache=config["embedding"]["cache_dir"],
    script:
        "../scripts/predict_query.py"
