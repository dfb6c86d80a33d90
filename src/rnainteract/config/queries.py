"""What a config says about sources, datasets, models, embedders and the side branches: the
values the workflow's input functions and rule ``all`` need, as plain functions of the config
dict (after ``validate(config, schema)`` filled the schema defaults).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from rnainteract.models.registry import (
    BASELINE_FEATURES,
    BASELINE_INPUTS,
    MODEL_FEATURES,
    is_embedding_view,
    model_views,
)

SPLIT_NAMES = [
    "random",
    "rna_family",
    "protein_cold",
    "both_cold",
    "rna_cold_id",
    "protein_cold_id",
    "both_cold_id",
]
"""The RNA–protein splits (:data:`rnainteract.dataset.splits.SPLITS`; ../shared/ARCHITECTURE.md)."""
LADDER_SPLITS = [
    "random",
    "rna_cold_id",
    "protein_cold_id",
    "both_cold_id",
    "rna_family",
    "protein_cold",
    "both_cold",
]
"""The splits in the order of the ladder figure: random → id-cold → homology-cold (copy of
:data:`rnainteract.evaluation.shortcuts.LADDER_SPLITS`, which imports scipy)."""
MIRNA_SPLITS = {"miraw_site": ["cv", "heldout"], "miraw_gene": ["balanced10"]}
"""The miRNA branch's datasets and their splits (:mod:`rnainteract.tasks.mirna.train`)."""
RBP_VIEWS = ["rna", "amino", "dipeptide"]
"""The RBP branch's views (:data:`rnainteract.tasks.rbp.views.VIEW_NAMES`)."""
SOURCE_CACHE = "resources/sources"
"""Download cache of the sources (:data:`rnainteract.sources.download.CACHE_DIR`)."""
EXCLUDED_RNA_CATEGORIES = ("mRNA", "unknown", "unspecified")
"""Default ``rnainter.exclude_rna_categories`` (RNAInterAct App. B.4; copy of
:data:`rnainteract.sources.rnainter_sql.EXCLUDED_RNA_CATEGORIES`, equal to the schema default)."""
RNAINTER_SEQUENCE_SERVICES = ("ncbi", "uniprot", "ensembl")
"""Databases whose sequences come from a web service (options under ``rnainter.services``)."""


def alternatives(names: Iterable[str]) -> str:
    """A wildcard regex matching exactly these names (none: a regex that matches nothing)."""
    return "|".join(sorted(names, key=len, reverse=True)) or "(?!)"


# --------------------------------------------------------------------------------------------
# sources and datasets


def source_path(config: Mapping, name: str) -> str:
    """Local path of a source: the first mirror (``mirror_dirs``) holding its ``path``, else its
    download-cache path under ``resources/sources``.

    Raises:
        KeyError: no source ``name``.
    """
    entry = config["sources"][name]
    for root in config["mirror_dirs"]:
        candidate = Path(root) / entry["path"]
        if candidate.is_file():
            return str(candidate)
    return f"{SOURCE_CACHE}/{entry['path']}"


def source_by_path(config: Mapping, path: str) -> dict:
    """The source entry (with its ``name``) whose ``path`` is ``path`` (the download rule's).

    Raises:
        ValueError: no source has that path.
    """
    for name, entry in config["sources"].items():
        if entry["path"] == path:
            return {"name": name, **entry}
    raise ValueError(f"no source in config has path {path!r}")


def base_dataset(config: Mapping, name: str) -> str:
    """The dataset whose pairs, sequences, annotation and features dataset ``name`` uses
    (itself, or the one named by its ``from``)."""
    return config["datasets"][name].get("from", name)


def sequence_files(config: Mapping, dataset: str) -> dict[str, str]:
    """The FASTA files of a dataset's sequences (of its base): ``rna_fasta``,
    ``protein_fasta``."""
    base = base_dataset(config, dataset)
    return {
        "rna_fasta": f"results/sequences/{base}/rna.fasta",
        "protein_fasta": f"results/sequences/{base}/proteins.fasta",
    }


def negatives_settings(config: Mapping, dataset: str) -> dict:
    """Negative method of a dataset and the sampler's seed, fallback and sampler (the dataset's
    ``sampler`` over ``negatives.sampler``; fixed for ``given``, so that a change of the seed
    reruns only the datasets that draw negatives)."""
    ds = config["datasets"][dataset]
    method = ds.get("negatives", config["negatives"]["method"])
    if method == "given":
        return {"method": method, "seed": 0, "fallback": "none", "sampler": "paper"}
    return {
        "method": method,
        "seed": config["negatives"]["seed"],
        "fallback": config["negatives"]["fallback"],
        "sampler": ds.get("sampler", config["negatives"].get("sampler", "paper")),
    }


def cleaning_settings(config: Mapping, dataset: str) -> dict:
    """The cleaning policies of a dataset (its entry over the ``cleaning`` defaults)."""
    ds = config["datasets"][dataset]
    return {
        key: ds.get(key, config["cleaning"][key])
        for key in ("unknown_letters", "missing_sequence", "label_conflicts")
    }


def pair_source(config: Mapping, dataset: str) -> str:
    """Value of the pair table's ``source`` column: the dataset's pair source name(s)."""
    inputs = config["datasets"][dataset]["inputs"]
    names = [inputs[r] for r in ("pairs", "records", "positives", "negatives") if r in inputs]
    return "+".join(names)


# --------------------------------------------------------------------------------------------
# models and embedders


def model_datasets(config: Mapping, model: str) -> list[str]:
    """Target datasets a model is trained on: its ``datasets`` (if given) among the targets."""
    only = config["models"][model].get("datasets")
    return [d for d in config["targets"]["datasets"] if only is None or d in only]


def model_splits(config: Mapping, model: str) -> list[str]:
    """Target splits a model is trained on: its ``splits`` (if given) among the targets."""
    only = config["models"][model].get("splits")
    return [s for s in config["targets"]["splits"] if only is None or s in only]


def model_names(config: Mapping, *, feature: bool) -> list[str]:
    """Configured models that are feature models (``feature=True``: rule ``train_model``) or
    view models (rule ``train_view_model``)."""
    return [
        m for m, spec in config["models"].items() if (spec["kind"] in MODEL_FEATURES) == feature
    ]


def embedding_molecule(config: Mapping, name: str) -> str:
    """What an embedder embeds: its ``molecule`` (one-hot), protein for ESM-2, else RNA."""
    spec = config["embedders"][name]
    return spec.get("molecule", {"esm2": "protein"}.get(spec["kind"], "rna"))


def embedder_users(config: Mapping, embedder: str) -> list[tuple[str, str, list[str]]]:
    """``(target model, molecule, embedding views)`` triples that read an embedder's table."""
    users = []
    for model in config["targets"]["models"]:
        spec = config["models"][model]
        for molecule, views in model_views(spec["kind"], spec.get("params", {})).items():
            if spec.get("embedders", {}).get(molecule) == embedder:
                users.append((model, molecule, [v for v in views if is_embedding_view(v)]))
    return [u for u in users if u[2]]


def ppi_embedders(config: Mapping) -> dict[str, list[str]]:
    """Embedder → the target PPI datasets it embeds."""
    out: dict[str, list[str]] = {}
    for ppi in config["targets"].get("ppi", []):
        out.setdefault(config["ppi"][ppi]["embedder"], []).append(ppi)
    return out


def embedder_datasets(config: Mapping, embedder: str, with_ppi: bool = False) -> list[str]:
    """Datasets whose sequences an embedder's table holds: those of the target models that
    read it (config order); all targets for an embedder in ``targets.embeddings`` or read by
    none; none for an embedder only the PPI branch reads (``with_ppi``)."""
    users = embedder_users(config, embedder)
    named = embedder in config["targets"].get("embeddings", [])
    if with_ppi and not users and not named:
        return []
    if named or not users:
        return list(config["targets"]["datasets"])
    wanted = {d for model, _, _ in users for d in model_datasets(config, model)}
    return [d for d in config["targets"]["datasets"] if d in wanted]


def embed_options(config: Mapping, embedder: str) -> dict:
    """Embedding options; per-token matrices also when a target model reads ``tokens``."""
    options = dict(config["embedding"])
    if any("tokens" in views for _, _, views in embedder_users(config, embedder)):
        options["per_token"] = True
    return options


def weights_available(config: Mapping, embedder: str) -> bool:
    """Whether every weight file of an embedder is in a mirror or the download cache."""
    return not missing_weights(config, embedder)


def missing_weights(config: Mapping, embedder: str) -> list[str]:
    """The weight files of an embedder that no mirror nor the download cache holds, as the
    paths where they were looked for last (``resources/sources/<path>``)."""
    weights = config["embedders"][embedder].get("weights", {})
    paths = [source_path(config, source) for source in weights.values()]
    return [path for path in paths if not Path(path).is_file()]


def used_embedders(config: Mapping) -> list[str]:
    """Embedders the targets read: those of target models, ``targets.embeddings`` and the PPI
    branch's (config order, no repeats)."""
    used = [
        *(e for e in config.get("embedders", {}) if embedder_users(config, e)),
        *config["targets"].get("embeddings", []),
        *ppi_embedders(config),
    ]
    return list(dict.fromkeys(used))


def random_init_embedders(config: Mapping) -> dict[str, list[str]]:
    """Embedders that the targets read and that will run with random weights
    (``embedding.allow_random_init`` on, a weight file missing): embedder → its missing files."""
    if not config["embedding"]["allow_random_init"]:
        return {}
    missing = {e: missing_weights(config, e) for e in used_embedders(config)}
    return {e: files for e, files in missing.items() if files}


def random_init_models(config: Mapping) -> dict[str, list[str]]:
    """Target models (and ``ppi:<name>`` PPI runs) that read a random-init embedder:
    name → those embedders (:func:`random_init_embedders`)."""
    out: dict[str, list[str]] = {}
    for embedder in random_init_embedders(config):
        for model, _, _ in embedder_users(config, embedder):
            out.setdefault(model, []).append(embedder)
        for ppi in ppi_embedders(config).get(embedder, []):
            out.setdefault(f"ppi:{ppi}", []).append(embedder)
    return {name: sorted(set(embedders)) for name, embedders in out.items()}


def random_init_summary(config: Mapping) -> str:
    """The one line printed at the end of a run (Snakefile ``onsuccess``): which target models
    use random-init embedders under this config and the files on disk (whether or not this run
    trained them; the report's banner reads what did run from the summary tables)."""
    models = random_init_models(config)
    if not models:
        return "rnainteract: no target model uses random-init embeddings"
    embedders = sorted({e for used in models.values() for e in used})
    return (
        f"rnainteract: WARNING {len(models)} target model(s) use RANDOM-INIT embeddings "
        f"(pretrained: false; no weight files for {', '.join(embedders)}, see "
        f"logs/embed/): {', '.join(sorted(models))}"
    )


def embed_inputs(config: Mapping, embedder: str, molecule: str) -> dict:
    """Inputs of an embedding job: the sequences of the datasets the embedder serves
    (:func:`embedder_datasets`, of their bases; PPI proteins too) and, where they are needed,
    the weights. Without weights on disk and with ``embedding.allow_random_init``, none are
    asked for (the embedder is built with random weights, recorded ``pretrained: false``)."""
    fasta = "rna" if molecule == "rna" else "proteins"
    ppis = ppi_embedders(config).get(embedder, [])
    datasets = embedder_datasets(config, embedder, with_ppi=bool(ppis))
    bases = dict.fromkeys(base_dataset(config, d) for d in datasets)
    inputs: dict = {"fastas": [f"results/sequences/{b}/{fasta}.fasta" for b in bases]}
    if molecule == "protein":
        inputs["fastas"] += [f"results/ppi/{ppi}/proteins.fasta" for ppi in ppis]
    if embed_weights(config, embedder):
        inputs["weights"] = f"resources/weights/{embedder}"
    return inputs


def embed_weights(config: Mapping, embedder: str) -> bool:
    """Whether jobs that run an embedder read its weights (``resources/weights/<embedder>``,
    rule ``prepare_weights``): it has weight files, and they are on disk or a random init is
    not allowed (then they are downloaded). Otherwise it is random-init (``pretrained:
    false``). The same for rule ``embed`` and the final models' scoring rules."""
    spec = config["embedders"][embedder]
    return bool(spec.get("weights")) and (
        weights_available(config, embedder) or not config["embedding"]["allow_random_init"]
    )


def model_inputs(config: Mapping, model: str, dataset: str) -> dict[str, str]:
    """What a model reads on a dataset: the RNA and protein feature tables (feature models), or
    the sequences and one file per view, named ``rna__<view>`` / ``protein__<view>`` (view
    models; :func:`rnainteract.tasks.rpi.named_views` reads the names back)."""
    spec = config["models"][model]
    base = base_dataset(config, dataset)
    if spec["kind"] in MODEL_FEATURES:
        rna_set, protein_set = MODEL_FEATURES[spec["kind"]]
        return {
            "rna_features": f"results/features/{base}/{rna_set}.parquet",
            "protein_features": f"results/features/{base}/{protein_set}.parquet",
        }
    inputs = sequence_files(config, dataset)
    for molecule, views in model_views(spec["kind"], spec.get("params", {})).items():
        for view in views:
            if is_embedding_view(view):
                embedder = spec["embedders"][molecule]
                path = f"results/embeddings/{embedder}/{molecule}.parquet"
            else:
                path = f"results/features/{base}/{view}.parquet"
            inputs[f"{molecule}__{view}"] = path
    return inputs


def baseline_names(config: Mapping) -> list[str]:
    """The shortcut baselines of the targets (``targets.baselines``, config order)."""
    return list(config["targets"].get("baselines", []))


def baseline_inputs(config: Mapping, dataset: str) -> dict[str, str]:
    """What the target baselines read on a dataset beyond its pairs and split
    (:data:`rnainteract.models.registry.BASELINE_INPUTS`): the RPISeq feature tables of its base
    (``rna_features``, ``protein_features``) and its identity tables (``rna_identity``,
    ``protein_identity``), each only if a target baseline reads it."""
    base = base_dataset(config, dataset)
    paths = {
        "rna_features": f"results/features/{base}/{BASELINE_FEATURES['rna_features']}.parquet",
        "protein_features": (
            f"results/features/{base}/{BASELINE_FEATURES['protein_features']}.parquet"
        ),
        "rna_identity": f"results/identity/{base}/rna.parquet",
        "protein_identity": f"results/identity/{base}/proteins.parquet",
    }
    needed = {name for b in baseline_names(config) for name in BASELINE_INPUTS[b]}
    return {name: path for name, path in paths.items() if name in needed}


def shortcut_predictions(config: Mapping) -> dict[str, str]:
    """Inputs of rule ``shortcuts``: ``<dataset>__<split>__<model>`` → predictions file, for
    every target model and baseline on every target dataset × split."""
    t = config["targets"]
    out = {}
    for dataset in t["datasets"]:
        for split in t["splits"]:
            names = [*split_predictions(config, dataset, split), *baseline_names(config)]
            for model in names:
                path = f"results/predictions/{dataset}/{split}/{model}.parquet"
                out[f"{dataset}__{split}__{model}"] = path
    return out


def split_predictions(config: Mapping, dataset: str, split: str) -> dict[str, str]:
    """Model → predictions file of every target model trained on one dataset × split (an RBP
    task's models, the miRNA branch's rows, or the RPI target models)."""
    if dataset in rbp_tasks(config):
        return {
            model: f"results/predictions/{dataset}/random/{model}.parquet"
            for model in rbp_model_names(config)
        }
    if dataset in MIRNA_SPLITS:
        return {
            model: path
            for (d, s, model), path in mirna_prediction_files(config).items()
            if (d, s) == (dataset, split)
        }
    return {
        model: f"results/predictions/{dataset}/{split}/{model}.parquet"
        for model in config["targets"]["models"]
        if dataset in model_datasets(config, model) and split in model_splits(config, model)
    }


# --------------------------------------------------------------------------------------------
# side branches


def mirna_enabled(config: Mapping) -> bool:
    """Whether the miRNA branch runs (``targets.mirna`` and a ``mirna`` section)."""
    return bool(config["targets"].get("mirna")) and "mirna" in config


def mirna_model_names(config: Mapping) -> dict[str, dict[str, list[str]]]:
    """Model names of the miRNA branch's rows: dataset → split → models."""
    m = config["mirna"]
    sites = list(m["models"])
    baselines = [f"seed_{b}" for b in m.get("baselines", [])]
    genes = [f"{n}_max" for n in sites] + [f"{n}_mil" for n in sites if m["models"][n].get("mil")]
    return {
        "miraw_site": {split: sites + baselines for split in MIRNA_SPLITS["miraw_site"]},
        "miraw_gene": {"balanced10": genes + baselines},
    }


def mirna_prediction_files(config: Mapping) -> dict[tuple[str, str, str], str]:
    """``(dataset, split, model)`` → predictions path of every miRNA-branch row."""
    if not mirna_enabled(config):
        return {}
    return {
        (dataset, split, model): f"results/predictions/{dataset}/{split}/{model}.parquet"
        for dataset, splits in mirna_model_names(config).items()
        for split, models in splits.items()
        for model in models
    }


def rbp_tasks(config: Mapping) -> list[str]:
    """The target RBP multi-label tasks."""
    return config["targets"].get("rbp", [])


def rbp_model_names(config: Mapping) -> list[str]:
    """Model names of an RBP task's rows: the three single-view CNNs and the MMFA variants."""
    return [f"cnn_{view}" for view in RBP_VIEWS] + list(config["rbp"].get("models", {}))


def mirna_params(config: Mapping, model: str) -> dict:
    """A site model's hyperparameters: shared ``mirna.params``, its overrides, its
    segment-embedding switch."""
    spec = config["mirna"]["models"][model]
    return {
        **config["mirna"].get("params", {}),
        **spec.get("params", {}),
        "segment_embedding": spec.get("segment_embedding", True),
    }


def rbp_task_inputs(config: Mapping, task: str) -> dict:
    """Local paths of an RBP task's sources, named by role (positives as
    ``positive__<label>``, negatives a list)."""
    spec = config["rbp"]["tasks"][task]
    if spec["parser"] == "edcnn_sets":
        inputs: dict = {
            f"positive__{label}": source_path(config, source)
            for label, source in spec["positives"].items()
        }
        inputs["negatives"] = [source_path(config, source) for source in spec["negatives"]]
        return inputs
    return {
        role: source_path(config, spec[key])
        for role, key in (
            ("interactions", "interactions"),
            ("utrs", "utrs"),
            ("negatives", "negatives_fasta"),
        )
        if key in spec
    }


def rbp_model_params(config: Mapping, model: str) -> dict:
    """An MMFA variant's parameters: shared ``rbp.mmfa`` with its overrides."""
    spec = config["rbp"]["models"][model]
    return {**config["rbp"].get("mmfa", {}), **spec.get("params", {})}


def ppi_views(config: Mapping, ppi: str, model: str) -> dict[str, str]:
    """Embedding tables a model reads on a PPI dataset (the PPI's protein embedder, for both
    partners), named ``view__<view>``."""
    spec = config["models"][model]
    embedder = config["ppi"][ppi]["embedder"]
    views = model_views(spec["kind"], spec.get("params", {}))
    return {
        f"view__{view}": f"results/embeddings/{embedder}/protein.parquet"
        for view in dict.fromkeys(views.get("rna", ()) + views.get("protein", ()))
    }


def rnainter_settings(config: Mapping) -> dict:
    """The ``rnainter`` section ({} when absent)."""
    return config.get("rnainter", {})


def rnainter_databases(config: Mapping) -> list[str]:
    """The databases RNAInter's ids are mapped to (sorted)."""
    databases = rnainter_settings(config).get("databases", {})
    return sorted({db for dbs in databases.values() for db in dbs})


def rnainter_id_lists(config: Mapping) -> dict[str, str]:
    """``<database>_<molecule>`` → the id list file of that database and molecule."""
    return {
        f"{db}_{molecule}": f"results/rnainter/ids/{db}.{molecule}.txt"
        for db in rnainter_databases(config)
        for molecule in ("rna", "protein")
    }


def rnainter_row_steps(config: Mapping) -> list:
    """The row-wise filtering steps and their parameters
    (:func:`rnainteract.sources.rnainter_sql.run_steps`; SQL in ``sources/sql/``)."""
    r = rnainter_settings(config)
    return [
        [
            "rna_protein",
            {"protein_categories": r.get("protein_categories", ["RBP", "TF", "Protein"])},
        ],
        [
            "categories",
            {
                "exclude_rna_categories": r.get(
                    "exclude_rna_categories", list(EXCLUDED_RNA_CATEGORIES)
                ),
                "exclude_protein_categories": r.get("exclude_protein_categories", []),
            },
        ],
        ["species", {"species": r.get("species")}],
        ["map_ids", {"prefixes": r.get("prefixes"), "databases": r["databases"]}],
    ]


def rnainter_sequence_steps(config: Mapping) -> list:
    """Sequence and length steps (one pass; the length limits commute with the dedupe)."""
    r = rnainter_settings(config)
    return [
        ["sequences", {}],
        [
            "length",
            {
                "max_rna_length": r.get("max_rna_length", 1024),
                "max_protein_length": r.get("max_protein_length", 1024),
            },
        ],
    ]


def rnainter_cap_steps(config: Mapping) -> list:
    """The per-interactor cap step (seeded)."""
    r = rnainter_settings(config)
    return [
        [
            "cap",
            {"max_per_interactor": r.get("max_per_interactor", 150), "seed": r.get("seed", 42)},
        ]
    ]


def rnainter_duckdb(config: Mapping) -> dict:
    """DuckDB settings of the filtering steps: ``memory_limit``, ``temp_directory``."""
    settings = rnainter_settings(config).get("duckdb", {})
    return {
        "memory_limit": settings.get("memory_limit", "2GB"),
        "temp_directory": settings.get("temp_directory", "resources/duckdb_tmp"),
    }


def rnainter_fetch_inputs(config: Mapping, database: str) -> dict[str, str]:
    """Id lists of a database (both molecules) and, for miRBase/NONCODE, its local FASTA."""
    id_lists = rnainter_id_lists(config)
    inputs = {
        "rna_ids": id_lists[f"{database}_rna"],
        "protein_ids": id_lists[f"{database}_protein"],
    }
    source = rnainter_settings(config).get("local_fasta", {}).get(database)
    if source is not None:
        inputs["local_fasta"] = source_path(config, source)
    return inputs


def rnainter_service(config: Mapping, database: str) -> dict:
    """:func:`rnainteract.sources.seqclients.fetch_sequences` options of a database: its
    service entry over the shared settings ({} for the local databases)."""
    services = rnainter_settings(config).get("services", {})
    if database not in RNAINTER_SEQUENCE_SERVICES:
        return {}
    shared = {k: services[k] for k in ("timeout_s", "retries", "backoff_s") if k in services}
    entry = {k: v for k, v in services.get(database, {}).items() if v is not None}
    return {**shared, **entry}
