# Input functions of the final models, external test sets and predictions (workflow/rules/final.smk).

PREDICT = config.get("predict", {})


def get_final_sequences(wildcards):
    """The sequences of a final model's dataset (of its base), copied into its folder."""
    base = base_dataset(wildcards.dataset)
    return {
        "rna_fasta": f"results/sequences/{base}/rna.fasta",
        "protein_fasta": f"results/sequences/{base}/proteins.fasta",
    }


def get_external_overlap_inputs(wildcards):
    """Pairs and sequences of an external set's training and test datasets."""
    spec = config["external"][wildcards.external]
    files = {}
    for role in ("train", "test"):
        base = base_dataset(spec[role])
        files[f"{role}_pairs"] = f"results/datasets/{spec[role]}/pairs.parquet"
        files[f"{role}_rna"] = f"results/sequences/{base}/rna.fasta"
        files[f"{role}_proteins"] = f"results/sequences/{base}/proteins.fasta"
    return files


def get_external_score_inputs(wildcards):
    """The final model (trained on the external set's `train`) and the test set's features."""
    spec = config["external"][wildcards.external]
    folder = cfg.final_model_dir(spec["train"], wildcards.model)
    features = cfg.model_inputs(config, wildcards.model, spec["test"])
    return {
        "model": f"{folder}/model",
        "training": f"{folder}/training.json",
        "train_rna": f"{folder}/train_rna.fasta",
        "train_proteins": f"{folder}/train_proteins.fasta",
        **features,
    }


def get_predict_inputs(wildcards):
    """A query's files and the final model with its card."""
    spec = PREDICT["queries"][wildcards.query]
    folder = cfg.final_model_dir(wildcards.dataset, wildcards.model)
    files = {
        "rna": spec["rna"],
        "protein": spec["protein"],
        "model": f"{folder}/model",
        "training": f"{folder}/training.json",
        "card": f"{folder}/card.json",
        "train_rna": f"{folder}/train_rna.fasta",
        "train_proteins": f"{folder}/train_proteins.fasta",
    }
    if spec.get("pairs"):
        files["pairs"] = spec["pairs"]
    return files
