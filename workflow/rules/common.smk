import os
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

# Rule scripts import the library from src/, also inside conda envs and in cluster jobs (each
# job re-reads this file). The workflow sets PYTHONPATH itself rather than asking the user for it,
# so the `envvars:` directive (which asserts user-provided variables) does not apply here.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (str(Path(workflow.basedir) / "src"), os.environ.get("PYTHONPATH")) if p
    )
)

from rnainteract.models import (
    MODEL_FEATURES,
)  # noqa: E402  (light module: no sklearn import)

SPLIT_NAMES = ["random", "rna_family", "protein_cold", "both_cold"]


wildcard_constraints:
    dataset="[a-z][a-z0-9_]*",
    split="|".join(SPLIT_NAMES),
    model="[a-z][a-z0-9_]*",


def check_config():
    """Cross-reference checks the JSON schema cannot express; errors name the config key."""
    for name, ds in config["datasets"].items():
        if "from" in ds:
            base = config["datasets"].get(ds["from"])
            if base is None or "from" in base:
                raise ValueError(
                    f"config: datasets.{name}.from must name a dataset parsed from sources, "
                    f"got {ds['from']!r}"
                )
            continue
        for role, source in ds.get("inputs", {}).items():
            if source not in config["sources"]:
                raise ValueError(
                    f"config: datasets.{name}.inputs.{role} names unknown source {source!r}"
                )
    for key in ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans"):
        if config["annotation"][key] not in config["sources"]:
            raise ValueError(
                f"config: annotation.{key} names unknown source {config['annotation'][key]!r}"
            )
    for key, known in (("datasets", config["datasets"]), ("models", config["models"])):
        for name in config["targets"][key]:
            if name not in known:
                raise ValueError(f"config: targets.{key} names {name!r}, not defined under {key}")
    for name in config["targets"].get("embeddings", []):
        if name not in config.get("embedders", {}):
            raise ValueError(f"config: targets.embeddings names {name!r}, not under embedders")
    for name, spec in config.get("embedders", {}).items():
        for file, source in spec.get("weights", {}).items():
            if source not in config["sources"]:
                raise ValueError(
                    f"config: embedders.{name}.weights.{file} names unknown source {source!r}"
                )


check_config()


def source_path(name):
    """Local path of a source: the first mirror holding it, else its download-cache path."""
    entry = config["sources"][name]
    for root in config["mirror_dirs"]:
        candidate = Path(root) / entry["path"]
        if candidate.is_file():
            return str(candidate)
    return f"resources/sources/{entry['path']}"


def get_annotation_source(key):
    """Local path of the source named by `annotation.<key>` (Rfam/Pfam databases)."""
    return source_path(config["annotation"][key])


def get_source_by_path(wildcards):
    """The source entry (with its name) whose path is the download rule's {path}."""
    for name, entry in config["sources"].items():
        if entry["path"] == wildcards.path:
            return {"name": name, **entry}
    raise ValueError(f"no source in config has path {wildcards.path!r}")


def base_dataset(name):
    """The dataset whose pairs, sequences, annotation and features a dataset uses (itself, or
    the one named by `from`)."""
    return config["datasets"][name].get("from", name)


def get_negatives(wildcards):
    """Negative method of a dataset, and the sampler's seed and fallback (fixed for `given`, so
    that a change of the seed reruns only the datasets that draw negatives)."""
    ds = config["datasets"][wildcards.dataset]
    method = ds.get("negatives", config["negatives"]["method"])
    if method == "given":
        return {"method": method, "seed": 0, "fallback": "none"}
    return {
        "method": method,
        "seed": config["negatives"]["seed"],
        "fallback": config["negatives"]["fallback"],
    }


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


def get_embedder(wildcards):
    """The config entry of an embedder (checked against the molecule asked for)."""
    spec = config["embedders"][wildcards.embedder]
    molecule = embedding_molecule(wildcards.embedder)
    if molecule != wildcards.molecule:
        raise ValueError(
            f"embedder {wildcards.embedder} embeds {molecule}, not {wildcards.molecule}"
        )
    return spec


def get_weight_names(wildcards):
    """Official file names of an embedder's weight files, in config order."""
    return list(config["embedders"][wildcards.embedder].get("weights", {}))


def get_weight_files(wildcards):
    """Local paths of an embedder's weight files (sources), in config order."""
    weights = config["embedders"][wildcards.embedder].get("weights", {})
    return [source_path(source) for source in weights.values()]


def weights_available(embedder):
    """Whether every weight file of an embedder is in a mirror or the download cache."""
    weights = config["embedders"][embedder].get("weights", {})
    return all(Path(source_path(s)).is_file() for s in weights.values())


def get_embed_inputs(wildcards):
    """Sequences of every target dataset (of their bases) for the molecule, and the weights.

    Without weights on disk and with `embedding.allow_random_init`, no weights are asked for
    (the embedder is built with random weights, recorded `pretrained: false`); otherwise they
    are (downloaded if no mirror holds them)."""
    fasta = "rna" if wildcards.molecule == "rna" else "proteins"
    bases = dict.fromkeys(base_dataset(d) for d in config["targets"]["datasets"])
    inputs = {"fastas": [f"results/sequences/{b}/{fasta}.fasta" for b in bases]}
    spec = config["embedders"][wildcards.embedder]
    if spec.get("weights") and (
        weights_available(wildcards.embedder) or not config["embedding"]["allow_random_init"]
    ):
        inputs["weights"] = f"resources/weights/{wildcards.embedder}"
    return inputs


def get_embed_gpus(wildcards):
    """GPUs an embedding job asks a cluster for (none for one-hot)."""
    kind = config["embedders"][wildcards.embedder]["kind"]
    return 0 if kind == "onehot" else config["embedding"]["gpus"]


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
    ds = config["datasets"][wildcards.dataset]
    return {
        key: ds.get(key, config["cleaning"][key])
        for key in ("unknown_letters", "missing_sequence", "label_conflicts")
    }


def get_pair_source(wildcards):
    """Value of the pair table's `source` column: the dataset's pair source name(s)."""
    inputs = config["datasets"][wildcards.dataset]["inputs"]
    names = [inputs[r] for r in ("pairs", "records", "positives", "negatives") if r in inputs]
    return "+".join(names)


def get_model_kind(wildcards):
    return config["models"][wildcards.model]["kind"]


def get_model_params(wildcards):
    return config["models"][wildcards.model].get("params", {})


def get_model_features(wildcards):
    """The RNA and protein feature tables a model reads."""
    rna_set, protein_set = MODEL_FEATURES[get_model_kind(wildcards)]
    base = base_dataset(wildcards.dataset)
    return {
        "rna_features": f"results/features/{base}/{rna_set}.parquet",
        "protein_features": f"results/features/{base}/{protein_set}.parquet",
    }


def get_split_predictions(wildcards):
    """Predictions of every target model on one dataset x split."""
    return {
        model: f"results/predictions/{wildcards.dataset}/{wildcards.split}/{model}.parquet"
        for model in config["targets"]["models"]
    }


def get_metric_files():
    t = config["targets"]
    return expand(
        "results/metrics/{dataset}/{split}/{model}.json",
        dataset=t["datasets"],
        split=t["splits"],
        model=t["models"],
    )


def get_dataset_files(pattern, base=False):
    """``pattern`` expanded over the target datasets (or their bases), in config order."""
    names = config["targets"]["datasets"]
    return expand(pattern, dataset=[base_dataset(n) for n in names] if base else names)


def get_final_targets():
    t = config["targets"]
    return [
        "results/summary/metrics.tsv",
        "results/summary/datasets.tsv",
        *expand(
            "results/figures/{dataset}/{split}.roc.png",
            dataset=t["datasets"],
            split=t["splits"],
        ),
        *expand(
            "results/splits/{dataset}/{split}.leakage.json",
            dataset=t["datasets"],
            split=t["splits"],
        ),
        *expand("results/datasets/{dataset}/card.html", dataset=t["datasets"]),
        *[
            f"results/embeddings/{name}/{embedding_molecule(name)}.parquet"
            for name in t.get("embeddings", [])
        ],
    ]


def embedding_molecule(name):
    """What an embedder embeds: its `molecule` (one-hot), protein for ESM-2, else RNA."""
    spec = config["embedders"][name]
    return spec.get("molecule", {"esm2": "protein"}.get(spec["kind"], "rna"))


# Jobs too small to be worth a cluster submission (~7 s of start-up each under SLURM).
localrules:
    all,
    prepare_rfam,
    annotate_families,
    annotate_clans,
    dataset_card,
    evaluate_model,
    plot_roc,
    summarize_metrics,
    summarize_datasets,
