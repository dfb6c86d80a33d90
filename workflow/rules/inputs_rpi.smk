# Input functions of the RNA-protein branch: sources → pairs → datasets → splits → features and
# embeddings → models → evaluation. The logic lives in rnainteract.config (unit-tested); these
# adapt it to wildcards.


def base_dataset(name):
    """The dataset whose pairs, sequences, annotation and features a dataset uses (itself, or
    the one named by `from`)."""
    return cfg.base_dataset(config, name)


def get_dataset_inputs(wildcards):
    """Parser inputs of a dataset: role -> local path of its source."""
    ds = config["datasets"][wildcards.dataset]
    return {role: source_path(source) for role, source in ds["inputs"].items()}


def get_dataset_checksums(wildcards):
    """Parser input role -> expected SHA-256 (or None)."""
    ds = config["datasets"][wildcards.dataset]
    return {role: config["sources"][s].get("sha256") for role, s in ds["inputs"].items()}


def get_cleaning(wildcards):
    """The cleaning policies of a dataset (dataset entry over the `cleaning` defaults)."""
    return cfg.cleaning_settings(config, wildcards.dataset)


def get_pair_source(wildcards):
    """Value of the pair table's `source` column: the dataset's pair source name(s)."""
    return cfg.pair_source(config, wildcards.dataset)


def get_negatives(wildcards):
    """Negative method of a dataset, and the sampler's seed and fallback."""
    return cfg.negatives_settings(config, wildcards.dataset)


def get_dataset_sources(wildcards):
    """Pair, annotation and cluster tables a dataset table is built from (of its base)."""
    base = base_dataset(wildcards.dataset)
    return {
        "pairs": f"results/pairs/{base}.parquet",
        "families": f"results/annotation/{base}/rna_families.tsv",
        "clans": f"results/annotation/{base}/protein_clans.tsv",
        "rna_clusters": f"results/clusters/{base}/rna.tsv",
        "protein_clusters": f"results/clusters/{base}/proteins.tsv",
    }


def get_identity_tables(wildcards):
    """All-vs-all identity tables of a dataset's sequences (of its base)."""
    base = base_dataset(wildcards.dataset)
    return {
        "rna_identity": f"results/identity/{base}/rna.parquet",
        "protein_identity": f"results/identity/{base}/proteins.parquet",
    }


def get_card_splits(wildcards):
    """The target splits of a dataset (fold 0 of each is a Table 1 of its card)."""
    return {
        split: f"results/splits/{wildcards.dataset}/{split}.parquet"
        for split in config["targets"]["splits"]
    }


def get_dataset_files(pattern, base=False):
    """``pattern`` expanded over the target datasets (or their bases), in config order."""
    names = config["targets"]["datasets"]
    return expand(pattern, dataset=[base_dataset(n) for n in names] if base else names)


def get_embedder(wildcards):
    """The config entry of an embedder (checked against the molecule asked for)."""
    molecule = cfg.embedding_molecule(config, wildcards.embedder)
    if molecule != wildcards.molecule:
        raise ValueError(
            f"embedder {wildcards.embedder} embeds {molecule}, not {wildcards.molecule}"
        )
    return config["embedders"][wildcards.embedder]


def get_weight_names(wildcards):
    """Official file names of an embedder's weight files, in config order."""
    return list(config["embedders"][wildcards.embedder].get("weights", {}))


def get_weight_files(wildcards):
    """Local paths of an embedder's weight files (sources), in config order."""
    weights = config["embedders"][wildcards.embedder].get("weights", {})
    return [source_path(source) for source in weights.values()]


def get_embed_options(wildcards):
    """Embedding options; per-token matrices also when a target model reads `tokens`."""
    return cfg.embed_options(config, wildcards.embedder)


def get_embed_inputs(wildcards):
    """Sequences of the datasets an embedder serves, and the weights where needed."""
    return cfg.embed_inputs(config, wildcards.embedder, wildcards.molecule)


def get_embed_gpus(wildcards):
    """GPUs an embedding job asks a cluster for (none for one-hot)."""
    kind = config["embedders"][wildcards.embedder]["kind"]
    return 0 if kind == "onehot" else config["embedding"]["gpus"]


def get_model_kind(wildcards):
    return config["models"][wildcards.model]["kind"]


def get_model_params(wildcards):
    return config["models"][wildcards.model].get("params", {})


def get_model_folds(wildcards):
    """The folds a model is trained and tested on (None: all)."""
    return config["models"][wildcards.model].get("folds")


def get_model_features(wildcards):
    """What a model reads: feature tables, or sequences and one file per view."""
    return cfg.model_inputs(config, wildcards.model, wildcards.dataset)


def get_model_tune(wildcards):
    """A model's tuning settings (`models.<name>.tune`: n_trials, optional search ranges)."""
    return config["models"][wildcards.model]["tune"]


def get_model_gpus(wildcards):
    """GPUs a neural model's training job asks a cluster for (`models.<name>.gpus`, 0)."""
    return config["models"][wildcards.model].get("gpus", 0)


def get_view_model_inputs(wildcards):
    """A view model's inputs (:func:`get_model_features`) and, if it is tuned, its tuning."""
    inputs = get_model_features(wildcards)
    if config["models"][wildcards.model].get("tune"):
        inputs["tuned"] = (
            f"results/tuning/{wildcards.dataset}/{wildcards.split}/{wildcards.model}.json"
        )
    return inputs


def get_split_predictions(wildcards):
    """Predictions of every target model trained on one dataset x split."""
    return cfg.split_predictions(config, wildcards.dataset, wildcards.split)


def get_baseline_inputs(wildcards):
    """Feature and identity tables the target baselines read (rnainteract.config)."""
    return cfg.baseline_inputs(config, wildcards.dataset)


def get_shortcut_predictions(wildcards):
    """Predictions of every target model and baseline on every dataset x split."""
    return cfg.shortcut_predictions(config)


def get_metric_files():
    """Metric files of every row of metrics.tsv."""
    return cfg.metric_files(config)


def get_given_split(wildcards):
    """The release split table a dataset uses instead of drawing one (`given_splits`), if any."""
    given = config["datasets"][wildcards.dataset].get("given_splits", {})
    return {"given": source_path(given[wildcards.split])} if wildcards.split in given else {}


def get_release_inputs(wildcards):
    """Inputs of rule release (rnainteract.config.release_inputs)."""
    return cfg.release_inputs(config, wildcards.dataset)


def get_release_sources(wildcards):
    """The config entries of the sources a released dataset was built from."""
    return {n: config["sources"][n] for n in cfg.dataset_sources(config, wildcards.dataset)}


def get_release_config(wildcards):
    """The config sections that built a released dataset (written as its config.yaml)."""
    return cfg.release_config(config, wildcards.dataset)
