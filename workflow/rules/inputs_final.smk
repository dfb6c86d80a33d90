# Input functions of the final models, external test sets and predictions (workflow/rules/final.smk).

PREDICT = config.get("predict", {})


def get_final_sequences(wildcards):
    """The sequences of a final model's dataset (of its base), copied into its folder."""
    return cfg.sequence_files(config, wildcards.dataset)


def get_final_view_inputs(wildcards):
    """What a final view model reads (as rule train_view_model) and, if the model is tuned, the
    tuning of its first split (rnainteract.tasks.final_views.train_final_view_model)."""
    inputs = cfg.model_inputs(config, wildcards.model, wildcards.dataset)
    split = get_final_tuned_split(wildcards)
    if split:
        inputs["tuned"] = f"results/tuning/{wildcards.dataset}/{split}/{wildcards.model}.json"
    return inputs


def get_final_tuned_split(wildcards):
    """The split whose tuning a tuned final view model takes (its first split), or None."""
    splits = cfg.model_splits(config, wildcards.model)
    if not config["models"][wildcards.model].get("tune") or not splits:
        return None
    return splits[0]


def get_final_embedders(wildcards):
    """Per molecule, the embedder a view model reads: its config entry, name and options."""
    spec = config["models"][wildcards.model]
    return {
        molecule: {
            "name": name,
            **{k: v for k, v in config["embedders"][name].items() if k != "weights"},
            "options": cfg.embed_options(config, name),
        }
        for molecule, name in spec.get("embedders", {}).items()
    }


def final_weights(model):
    """Weight folders of a view model's embedders, as inputs ``weights_<molecule>``, exactly
    where rule embed reads them (cfg.embed_weights); random-init ones need none."""
    spec = config["models"][model]
    return {
        f"weights_{molecule}": f"resources/weights/{name}"
        for molecule, name in spec.get("embedders", {}).items()
        if cfg.embed_weights(config, name)
    }


def get_external_overlap_inputs(wildcards):
    """Pairs and sequences of an external set's training and test datasets."""
    spec = config["external"][wildcards.external]
    files = {}
    for role in ("train", "test"):
        sequences = cfg.sequence_files(config, spec[role])
        files[f"{role}_pairs"] = f"results/datasets/{spec[role]}/pairs.parquet"
        files[f"{role}_rna"] = sequences["rna_fasta"]
        files[f"{role}_proteins"] = sequences["protein_fasta"]
    return files


def get_external_score_inputs(wildcards):
    """The final model (trained on the external set's `train`) and the test set's features."""
    spec = config["external"][wildcards.external]
    folder = cfg.final_model_dir(spec["train"], wildcards.model)
    files = {
        "model": f"{folder}/model",
        "training": f"{folder}/training.json",
        "train_rna": f"{folder}/train_rna.fasta",
        "train_proteins": f"{folder}/train_proteins.fasta",
    }
    if wildcards.model in cfg.model_names(config, feature=True):
        return {**files, **cfg.model_inputs(config, wildcards.model, spec["test"])}
    # a view model embeds the test set's sequences itself
    return {
        **files,
        **cfg.sequence_files(config, spec["test"]),
        **final_weights(wildcards.model),
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
    return {**files, **final_weights(wildcards.model)}
