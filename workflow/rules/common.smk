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
    is_embedding_view,
    model_views,
)  # noqa: E402  (light module: no sklearn import)

SPLIT_NAMES = ["random", "rna_family", "protein_cold", "both_cold"]


def _alternatives(names):
    """A wildcard regex matching exactly these names (none: matches nothing)."""
    return "|".join(sorted(names, key=len, reverse=True)) or "(?!)"


# which training rule a model name goes to (rules train_model / train_view_model)
FEATURE_MODELS = _alternatives(
    m for m, spec in config["models"].items() if spec["kind"] in MODEL_FEATURES
)
VIEW_MODELS = _alternatives(
    m for m, spec in config["models"].items() if spec["kind"] not in MODEL_FEATURES
)


# miRNA-target branch (workflow/rules/mirna.smk): its datasets, splits and site models
MIRNA_SPLITS = {"miraw_site": ["cv", "heldout"], "miraw_gene": ["balanced10"]}
MIRNA_MODELS = _alternatives(config.get("mirna", {}).get("models", {}))
# RBP multi-label branch (workflow/rules/rbp.smk): its MMFA variants
RBP_MODELS = _alternatives(config.get("rbp", {}).get("models", {}))
RBP_VIEWS = ["rna", "amino", "dipeptide"]


wildcard_constraints:
    dataset="[a-z][a-z0-9_]*",
    split="|".join(SPLIT_NAMES + [s for splits in MIRNA_SPLITS.values() for s in splits]),
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
    for name, spec in config["models"].items():
        views = model_views(spec["kind"], spec.get("params", {}))
        for molecule, names in views.items():
            if any(is_embedding_view(v) for v in names):
                embedder = spec.get("embedders", {}).get(molecule)
                if embedder not in config.get("embedders", {}):
                    raise ValueError(
                        f"config: models.{name}.embedders.{molecule} must name an embedder "
                        f"(under embedders); got {embedder!r}"
                    )
                if embedding_molecule(embedder) != molecule:
                    raise ValueError(
                        f"config: models.{name}.embedders.{molecule} names {embedder!r}, "
                        f"which embeds {embedding_molecule(embedder)}"
                    )
        if spec.get("tune") and spec["kind"] in MODEL_FEATURES:
            raise ValueError(f"config: models.{name}.tune applies to neural view models only")
        for dataset in spec.get("datasets") or []:
            if dataset not in config["datasets"]:
                raise ValueError(f"config: models.{name}.datasets names unknown {dataset!r}")
    for name, spec in config.get("ppi", {}).items():
        for role in ("positives", "negatives", "proteins"):
            if spec[role] not in config["sources"]:
                raise ValueError(f"config: ppi.{name}.{role} names unknown source {spec[role]!r}")
        if embedding_molecule(spec["embedder"]) != "protein":
            raise ValueError(f"config: ppi.{name}.embedder must embed proteins")
        for model in spec["models"]:
            kind = config["models"].get(model, {}).get("kind")
            views = model_views(kind, {}) if kind else {}
            names = views.get("rna", ()) + views.get("protein", ())
            if not names or not all(is_embedding_view(v) and v != "tokens" for v in names):
                raise ValueError(
                    f"config: ppi.{name}.models: {model!r} must be a model over pooled "
                    "embeddings (esm2_amps, esm2_amp_cse, esm2_dpm, ae_rf)"
                )
    for name in config["targets"].get("ppi", []):
        if name not in config.get("ppi", {}):
            raise ValueError(f"config: targets.ppi names {name!r}, not under ppi")
    if config["targets"].get("mirna") and "mirna" not in config:
        raise ValueError("config: targets.mirna is true but there is no `mirna` section")
    rbp = config.get("rbp", {})
    for name in config["targets"].get("rbp", []):
        if name not in rbp.get("tasks", {}):
            raise ValueError(f"config: targets.rbp names {name!r}, not under rbp.tasks")
    for name, spec in rbp.get("tasks", {}).items():
        roles = (
            list(spec.get("positives", {}).values()) + spec.get("negatives", [])
            if spec["parser"] == "edcnn_sets"
            else [spec[k] for k in ("interactions", "utrs", "negatives_fasta") if k in spec]
        )
        if spec["parser"] == "edcnn_sets" and not spec.get("positives"):
            raise ValueError(f"config: rbp.tasks.{name} (edcnn_sets) needs positives")
        if spec["parser"] == "rnacommender" and not {"interactions", "utrs"} <= set(spec):
            raise ValueError(f"config: rbp.tasks.{name} (rnacommender) needs interactions and utrs")
        for source in roles:
            if source not in config["sources"]:
                raise ValueError(f"config: rbp.tasks.{name} names unknown source {source!r}")
    for name in rbp.get("models", {}):
        if name.startswith("cnn_"):
            raise ValueError(f"config: rbp.models.{name}: names starting cnn_ are the view CNNs")
    mirna = config.get("mirna", {})
    for role in ("site_train", "site_test", "gene_splits"):
        for source in mirna.get(role, []):
            if source not in config["sources"]:
                raise ValueError(f"config: mirna.{role} names unknown source {source!r}")
    for name in mirna.get("models", {}):
        if name.endswith(("_max", "_mil")) or name.startswith("seed_"):
            raise ValueError(
                f"config: mirna.models.{name}: names ending _max/_mil or starting seed_ are "
                "taken by the gene-level rows and the baselines"
            )
    for name, spec in config.get("embedders", {}).items():
        for file, source in spec.get("weights", {}).items():
            if source not in config["sources"]:
                raise ValueError(
                    f"config: embedders.{name}.weights.{file} names unknown source {source!r}"
                )


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


def model_datasets(model):
    """Target datasets a model is trained on: its `datasets` (if given) among the targets."""
    only = config["models"][model].get("datasets")
    return [d for d in config["targets"]["datasets"] if only is None or d in only]


def embedder_users(embedder):
    """(target model, molecule, views) triples that read an embedder's table."""
    users = []
    for model in config["targets"]["models"]:
        spec = config["models"][model]
        for molecule, views in model_views(spec["kind"], spec.get("params", {})).items():
            if spec.get("embedders", {}).get(molecule) == embedder:
                users.append((model, molecule, [v for v in views if is_embedding_view(v)]))
    return [u for u in users if u[2]]


def embedder_datasets(embedder, with_ppi=False):
    """Datasets whose sequences an embedder's table holds: those of the target models that read
    it (config order); all targets for an embedder in `targets.embeddings` or read by none."""
    users = embedder_users(embedder)
    if with_ppi and not users and embedder not in config["targets"].get("embeddings", []):
        return []  # an embedder only the PPI branch reads
    if embedder in config["targets"].get("embeddings", []) or not users:
        return list(config["targets"]["datasets"])  # (a table asked for by name: all targets)
    wanted = {d for model, _, _ in users for d in model_datasets(model)}
    return [d for d in config["targets"]["datasets"] if d in wanted]


def get_embed_options(wildcards):
    """Embedding options; per-token matrices also when a target model reads `tokens`."""
    options = dict(config["embedding"])
    if any("tokens" in views for _, _, views in embedder_users(wildcards.embedder)):
        options["per_token"] = True
    return options


def get_embed_inputs(wildcards):
    """Sequences of the datasets an embedder serves (:func:`embedder_datasets`, of their
    bases) for the molecule, and the weights.

    Without weights on disk and with `embedding.allow_random_init`, no weights are asked for
    (the embedder is built with random weights, recorded `pretrained: false`); otherwise they
    are (downloaded if no mirror holds them)."""
    fasta = "rna" if wildcards.molecule == "rna" else "proteins"
    ppis = ppi_embedders().get(wildcards.embedder, [])
    datasets = embedder_datasets(wildcards.embedder, with_ppi=bool(ppis))
    bases = dict.fromkeys(base_dataset(d) for d in datasets)
    inputs = {"fastas": [f"results/sequences/{b}/{fasta}.fasta" for b in bases]}
    if wildcards.molecule == "protein":
        inputs["fastas"] += [f"results/ppi/{ppi}/proteins.fasta" for ppi in ppis]
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


def get_model_folds(wildcards):
    """The folds a model is trained and tested on (None: all)."""
    return config["models"][wildcards.model].get("folds")


def get_model_features(wildcards):
    """What a model reads: the RNA and protein feature tables (feature models), or the
    sequences and one file per view, named `rna__<view>` / `protein__<view>` (view models)."""
    spec = config["models"][wildcards.model]
    base = base_dataset(wildcards.dataset)
    if spec["kind"] in MODEL_FEATURES:
        rna_set, protein_set = MODEL_FEATURES[spec["kind"]]
        return {
            "rna_features": f"results/features/{base}/{rna_set}.parquet",
            "protein_features": f"results/features/{base}/{protein_set}.parquet",
        }
    inputs = {
        "rna_fasta": f"results/sequences/{base}/rna.fasta",
        "protein_fasta": f"results/sequences/{base}/proteins.fasta",
    }
    for molecule, views in model_views(spec["kind"], spec.get("params", {})).items():
        for view in views:
            if is_embedding_view(view):
                embedder = spec["embedders"][molecule]
                path = f"results/embeddings/{embedder}/{molecule}.parquet"
            else:
                path = f"results/features/{base}/{view}.parquet"
            inputs[f"{molecule}__{view}"] = path
    return inputs


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
    if wildcards.dataset in rbp_tasks():
        return {
            model: f"results/predictions/{wildcards.dataset}/random/{model}.parquet"
            for model in rbp_model_names()
        }
    if wildcards.dataset in MIRNA_SPLITS:
        return {
            model: path
            for (dataset, split, model), path in mirna_prediction_files().items()
            if (dataset, split) == (wildcards.dataset, wildcards.split)
        }
    return {
        model: f"results/predictions/{wildcards.dataset}/{wildcards.split}/{model}.parquet"
        for model in config["targets"]["models"]
        if wildcards.dataset in model_datasets(model)
    }


def get_metric_files():
    t = config["targets"]
    return (
        [
            f"results/metrics/{dataset}/{split}/{model}.json"
            for dataset in t["datasets"]
            for split in t["splits"]
            for model in t["models"]
            if dataset in model_datasets(model)
        ]
        + [f"results/metrics/{d}/{s}/{m}.json" for d, s, m in mirna_prediction_files()]
        + [
            f"results/metrics/{task}/random/{model}.json"
            for task in rbp_tasks()
            for model in rbp_model_names()
        ]
    )


def get_dataset_files(pattern, base=False):
    """``pattern`` expanded over the target datasets (or their bases), in config order."""
    names = config["targets"]["datasets"]
    return expand(pattern, dataset=[base_dataset(n) for n in names] if base else names)


def mirna_enabled():
    return bool(config["targets"].get("mirna")) and "mirna" in config


def get_mirna_sources(role):
    """Local paths of the miRNA branch's sources for ``role`` (site_train, site_test,
    gene_splits), in config order."""
    return [source_path(name) for name in config.get("mirna", {}).get(role, [])]


def get_mirna_params(wildcards):
    """A site model's hyperparameters: shared ``mirna.params``, its overrides, its
    segment-embedding switch."""
    spec = config["mirna"]["models"][wildcards.model]
    return {
        **config["mirna"].get("params", {}),
        **spec.get("params", {}),
        "segment_embedding": spec.get("segment_embedding", True),
    }


def mirna_model_names():
    """Model names of the miRNA branch's rows: dataset -> split -> models."""
    m = config["mirna"]
    sites = list(m["models"])
    baselines = [f"seed_{b}" for b in m.get("baselines", [])]
    genes = [f"{n}_max" for n in sites] + [f"{n}_mil" for n in sites if m["models"][n].get("mil")]
    return {
        "miraw_site": {split: sites + baselines for split in MIRNA_SPLITS["miraw_site"]},
        "miraw_gene": {"balanced10": genes + baselines},
    }


def mirna_prediction_files():
    """(dataset, split, model) -> predictions path of every miRNA-branch row."""
    if not mirna_enabled():
        return {}
    return {
        (dataset, split, model): f"results/predictions/{dataset}/{split}/{model}.parquet"
        for dataset, splits in mirna_model_names().items()
        for split, models in splits.items()
        for model in models
    }


def get_mirna_baseline_outputs():
    """<dataset>__<split>__seed_<type> -> predictions path of the seed-match baselines."""
    return {
        "__".join(key): path
        for key, path in mirna_prediction_files().items()
        if key[2].startswith("seed_")
    }


def rbp_tasks():
    return config["targets"].get("rbp", [])


def rbp_model_names():
    """Model names of an RBP task's rows: the three single-view CNNs and the MMFA variants."""
    return [f"cnn_{view}" for view in RBP_VIEWS] + list(config["rbp"].get("models", {}))


def get_rbp_task_inputs(wildcards):
    """Local paths of a task's sources, named by role (positives as `positive__<label>`)."""
    spec = config["rbp"]["tasks"][wildcards.task]
    if spec["parser"] == "edcnn_sets":
        inputs = {
            f"positive__{label}": source_path(source) for label, source in spec["positives"].items()
        }
        inputs["negatives"] = [source_path(source) for source in spec["negatives"]]
        return inputs
    return {
        role: source_path(spec[key])
        for role, key in (
            ("interactions", "interactions"),
            ("utrs", "utrs"),
            ("negatives", "negatives_fasta"),
        )
        if key in spec
    }


def get_rbp_task_spec(wildcards):
    return config["rbp"]["tasks"][wildcards.task]


def get_rbp_model_views(wildcards):
    """Deep-feature files of the views an MMFA variant reads (named by view, in order)."""
    views = config["rbp"]["models"][wildcards.model]["views"]
    return {view: f"results/rbp/{wildcards.task}/features/{view}.npz" for view in views}


def get_rbp_model_params(wildcards):
    spec = config["rbp"]["models"][wildcards.model]
    return {**config["rbp"].get("mmfa", {}), **spec.get("params", {})}


def get_rbp_metric_files():
    return [
        f"results/rbp/{task}/metrics/{model}.json"
        for task in rbp_tasks()
        for model in rbp_model_names()
    ]


def get_ppi_spec(wildcards):
    return config["ppi"][wildcards.ppi]


def get_ppi_sources(wildcards):
    """Local paths of a PPI dataset's pair files and protein table."""
    spec = config["ppi"][wildcards.ppi]
    return {role: source_path(spec[role]) for role in ("positives", "negatives", "proteins")}


def get_ppi_views(wildcards):
    """Embedding tables a model reads on a PPI dataset (the PPI's protein embedder, for both
    partners), named `view__<view>`."""
    spec = config["models"][wildcards.model]
    embedder = config["ppi"][wildcards.ppi]["embedder"]
    views = model_views(spec["kind"], spec.get("params", {}))
    return {
        f"view__{view}": f"results/embeddings/{embedder}/protein.parquet"
        for view in dict.fromkeys(views.get("rna", ()) + views.get("protein", ()))
    }


def get_ppi_metric_files():
    return [
        f"results/ppi/{ppi}/metrics/{model}.json"
        for ppi in config["targets"].get("ppi", [])
        for model in config["ppi"][ppi]["models"]
    ]


def ppi_embedders():
    """Embedder -> target PPI datasets it embeds."""
    out = {}
    for ppi in config["targets"].get("ppi", []):
        out.setdefault(config["ppi"][ppi]["embedder"], []).append(ppi)
    return out


# models with a per-sample interpretation method (rnainteract.train.interpret)
INTERPRETED_KINDS = ("esm2_amps", "esm2_amp_cse", "ae_rf")


def get_importance_figures():
    """Importance figures of the target models that have an interpretation method."""
    t = config["targets"]
    return [
        f"results/figures/{dataset}/{split}.{model}.importance.png"
        for model in t["models"]
        if config["models"][model]["kind"] in INTERPRETED_KINDS
        for dataset in model_datasets(model)
        for split in t["splits"]
    ]


# RNAInter at full scale (workflow/rules/rnainter.smk): the databases asked, their id lists
RNAINTER = config.get("rnainter", {})
RNAINTER_DBS = sorted({db for dbs in RNAINTER.get("databases", {}).values() for db in dbs})
RNAINTER_ID_LISTS = {
    f"{db}_{molecule}": f"results/rnainter/ids/{db}.{molecule}.txt"
    for db in RNAINTER_DBS
    for molecule in ("rna", "protein")
}


def get_rnainter_source(wildcards):
    """Local path of the RNAInter RNA-protein download (`rnainter.source`)."""
    return source_path(RNAINTER["source"])


def get_rnainter_row_steps(wildcards):
    """The row-wise filtering steps and their parameters (rnainteract.rnainter.run_steps)."""
    return [
        [
            "rna_protein",
            {"protein_categories": RNAINTER.get("protein_categories", ["RBP", "TF", "Protein"])},
        ],
        [
            "categories",
            {
                "exclude_rna_categories": RNAINTER.get("exclude_rna_categories", ["mRNA"]),
                "exclude_protein_categories": RNAINTER.get("exclude_protein_categories", []),
            },
        ],
        ["species", {"species": RNAINTER.get("species")}],
        ["map_ids", {"prefixes": RNAINTER.get("prefixes"), "databases": RNAINTER["databases"]}],
    ]


def get_rnainter_sequence_steps(wildcards):
    """Sequence and length steps (one pass; the length limits commute with the dedupe)."""
    return [
        ["sequences", {}],
        [
            "length",
            {
                "max_rna_length": RNAINTER.get("max_rna_length", 1024),
                "max_protein_length": RNAINTER.get("max_protein_length", 1024),
            },
        ],
    ]


def get_rnainter_cap_steps(wildcards):
    return [
        [
            "cap",
            {
                "max_per_interactor": RNAINTER.get("max_per_interactor", 150),
                "seed": RNAINTER.get("seed", 42),
            },
        ]
    ]


def get_rnainter_fetch_inputs(wildcards):
    """Id lists of a database (both molecules) and, for miRBase/NONCODE, its local FASTA."""
    db = wildcards.database
    inputs = {
        "rna_ids": RNAINTER_ID_LISTS[f"{db}_rna"],
        "protein_ids": RNAINTER_ID_LISTS[f"{db}_protein"],
    }
    source = RNAINTER.get("local_fasta", {}).get(db)
    if source is not None:
        inputs["local_fasta"] = source_path(source)
    return inputs


def get_rnainter_service(wildcards):
    """fetch_sequences options of a database: its service entry plus the shared settings."""
    services = RNAINTER.get("services", {})
    if wildcards.database not in ("ncbi", "uniprot", "ensembl"):
        return {}
    shared = {k: services[k] for k in ("timeout_s", "retries", "backoff_s") if k in services}
    entry = {k: v for k, v in services.get(wildcards.database, {}).items() if v is not None}
    return {**shared, **entry}


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
        *get_importance_figures(),
        *(
            [
                f"results/figures/{dataset}/{split}.roc.png"
                for dataset, splits in MIRNA_SPLITS.items()
                for split in splits
            ]
            if mirna_enabled()
            else []
        ),
        *(["results/summary/ppi_metrics.tsv"] if t.get("ppi") else []),
        *(["results/summary/multilabel_metrics.tsv"] if rbp_tasks() else []),
        *[f"results/figures/{task}/random.roc.png" for task in rbp_tasks()],
        *[
            f"results/embeddings/{name}/{embedding_molecule(name)}.parquet"
            for name in t.get("embeddings", [])
        ],
        *(["results/pairs/rnainter.parquet"] if t.get("rnainter") else []),
    ]


def embedding_molecule(name):
    """What an embedder embeds: its `molecule` (one-hot), protein for ESM-2, else RNA."""
    spec = config["embedders"][name]
    return spec.get("molecule", {"esm2": "protein"}.get(spec["kind"], "rna"))


check_config()


# Jobs too small to be worth a cluster submission (~7 s of start-up each under SLURM).
localrules:
    all,
    prepare_rfam,
    annotate_families,
    annotate_clans,
    dataset_card,
    evaluate_model,
    plot_roc,
    plot_importance,
    summarize_metrics,
    summarize_datasets,
    evaluate_ppi_model,
    summarize_ppi,
    mirna_gene_data,
    mirna_site_data,
    evaluate_multilabel,
    summarize_multilabel,
