"""What a run produces: the sources it reads (the source lock), the dataset releases, and the
files of rule ``all``; plain functions of the config dict like :mod:`.queries`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rnainteract.config.queries import (
    MIRNA_SPLITS,
    base_dataset,
    baseline_names,
    embedder_users,
    embedding_molecule,
    mirna_enabled,
    mirna_prediction_files,
    model_datasets,
    model_splits,
    ppi_embedders,
    random_init_embedders,
    rbp_model_names,
    rbp_tasks,
    rnainter_databases,
    rnainter_settings,
    source_path,
    split_predictions,
    used_embedders,
)
from rnainteract.models.registry import EXPLAINED_KINDS

# --------------------------------------------------------------------------------------------
# sources used and releases

ANNOTATION_SOURCES = ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans")
"""Keys of ``annotation`` that name sources (the Rfam and Pfam databases)."""


def dataset_sources(config: Mapping, dataset: str) -> list[str]:
    """Sources a dataset table is built from: its base's parser inputs (for ``rnainter``, the
    RNAInter download and the local FASTAs of the databases it maps to) and the Rfam/Pfam
    databases that annotate it, and its own ``given_splits`` (config order, no repeats)."""
    spec = config["datasets"][base_dataset(config, dataset)]
    names = list(spec.get("inputs", {}).values())
    if spec.get("parser") == "rnainter":
        names += rnainter_sources(config)
    names += [config["annotation"][key] for key in ANNOTATION_SOURCES]
    names += list(config["datasets"][dataset].get("given_splits", {}).values())  # its own
    return list(dict.fromkeys(names))


def rnainter_sources(config: Mapping) -> list[str]:
    """The RNAInter download and the local FASTAs of the databases its ids are mapped to."""
    r = rnainter_settings(config)
    local = r.get("local_fasta", {})
    return [r["source"], *(local[db] for db in rnainter_databases(config) if db in local)]


def release_datasets(config: Mapping) -> list[str]:
    """Datasets released under ``results/release/`` (``targets.release``)."""
    return list(config["targets"].get("release", []))


RELEASE_SECTIONS = ("negatives", "cleaning", "clusters", "annotation", "identity", "splits")
"""Config sections that shape every dataset table and split (copied into a release)."""

SOURCE_LOCK = "results/sources.lock.json"
"""The run's source lock (rule ``source_lock``; :mod:`rnainteract.sources.lock`)."""


def release_config(config: Mapping, dataset: str) -> dict:
    """The config that built a released dataset: its sources, its entry (and its base's), the
    sections of :data:`RELEASE_SECTIONS` and the split names (``targets.splits``)."""
    base = base_dataset(config, dataset)
    return {
        "sources": {n: dict(config["sources"][n]) for n in dataset_sources(config, dataset)},
        "datasets": {d: dict(config["datasets"][d]) for d in dict.fromkeys([base, dataset])},
        **{k: config[k] for k in RELEASE_SECTIONS if k in config},
        "targets": {"splits": list(config["targets"]["splits"])},
    }


def release_inputs(config: Mapping, dataset: str) -> dict[str, str]:
    """Inputs of rule ``release``: the dataset table, its base's sequences and parser stats, the
    card, every target split with its leakage report (``split__<name>``, ``leakage__<name>``)
    and the dataset's sources (``source__<name>``, hashed into the release's lock part), so that
    a release waits for nothing else and reruns only when its own sources change."""
    base = base_dataset(config, dataset)
    inputs = {
        "pairs": f"results/datasets/{dataset}/pairs.parquet",
        "rna": f"results/sequences/{base}/rna.fasta",
        "proteins": f"results/sequences/{base}/proteins.fasta",
        "pair_stats": f"results/pairs/{base}.stats.json",
        "card_html": f"results/datasets/{dataset}/card.html",
        "card_json": f"results/datasets/{dataset}/card.json",
        "card_heatmap": f"results/datasets/{dataset}/heatmap.png",
    }
    for name in dataset_sources(config, dataset):
        inputs[f"source__{name}"] = source_path(config, name)
    for split in config["targets"]["splits"]:
        inputs[f"split__{split}"] = f"results/splits/{dataset}/{split}.parquet"
        inputs[f"leakage__{split}"] = f"results/splits/{dataset}/{split}.leakage.json"
    return inputs


def used_source_files(config: Mapping) -> list[str]:
    """Local paths of the used sources (:func:`used_sources`) that rule ``source_lock`` reads:
    all but the weight files of embedders that run random-init (:func:`random_init_embedders`;
    with ``embedding.allow_random_init`` off, missing weights are downloaded and read)."""
    random_init = {
        config["embedders"][e]["weights"][file]
        for e in random_init_embedders(config)
        for file in config["embedders"][e]["weights"]
    }
    paths = [source_path(config, n) for n in used_sources(config) if n not in random_init]
    return list(dict.fromkeys(paths))


def used_sources(config: Mapping) -> dict[str, str]:
    """Every source the targets of a run read, name → kind (``data``, or ``weights`` for an
    embedder's weight file): the datasets of ``targets.datasets`` and ``targets.release``, the
    weights of the embedders the targets read, and the sources of the enabled side branches
    (PPI, miRNA, RBP, RNAInter). The lock (:mod:`rnainteract.sources.lock`) covers these."""
    t = config["targets"]
    names: list[str] = []
    for dataset in dict.fromkeys([*t["datasets"], *release_datasets(config)]):
        names += dataset_sources(config, dataset)
    if t.get("rnainter"):
        names += rnainter_sources(config)
    for ppi in t.get("ppi", []):
        names += [config["ppi"][ppi][role] for role in ("positives", "negatives", "proteins")]
    if mirna_enabled(config):
        for role in ("site_train", "site_test", "gene_splits"):
            names += config["mirna"].get(role, [])
    for task in rbp_tasks(config):
        spec = config["rbp"]["tasks"][task]
        if spec["parser"] == "edcnn_sets":
            names += [*spec["positives"].values(), *spec["negatives"]]
        else:
            names += [spec[k] for k in ("interactions", "utrs", "negatives_fasta") if k in spec]
    used = dict.fromkeys(names, "data")
    for embedder in used_embedders(config):
        for source in config["embedders"][embedder].get("weights", {}).values():
            used[source] = "weights"
    return used


# --------------------------------------------------------------------------------------------
# what the main job produces


def metric_files(config: Mapping) -> list[str]:
    """Metric files of every target row of ``metrics.tsv`` (RPI models and baselines, miRNA,
    RBP)."""
    t = config["targets"]
    return (
        [
            f"results/metrics/{dataset}/{split}/{model}.json"
            for dataset in t["datasets"]
            for split in t["splits"]
            for model in t["models"]
            if dataset in model_datasets(config, model) and split in model_splits(config, model)
        ]
        + [
            f"results/metrics/{dataset}/{split}/{baseline}.json"
            for dataset in t["datasets"]
            for split in t["splits"]
            for baseline in baseline_names(config)
        ]
        + [f"results/metrics/{d}/{s}/{m}.json" for d, s, m in mirna_prediction_files(config)]
        + [
            f"results/metrics/{task}/random/{model}.json"
            for task in rbp_tasks(config)
            for model in rbp_model_names(config)
        ]
    )


def importance_figures(config: Mapping) -> list[str]:
    """Importance figures of the target models whose kind explains itself
    (:data:`rnainteract.models.registry.EXPLAINED_KINDS`)."""
    t = config["targets"]
    return [
        f"results/figures/{dataset}/{split}.{model}.importance.png"
        for model in t["models"]
        if config["models"][model]["kind"] in EXPLAINED_KINDS
        for dataset in model_datasets(config, model)
        for split in model_splits(config, model)
    ]


REPORT_INTRO = "results/summary/report_intro.rst"
"""The report's first page (rule ``report_intro``): the random-init banner + the description."""


def pretrained_tables(config: Mapping) -> list[str]:
    """The summary tables with a ``pretrained`` column: metrics.tsv, and ppi_metrics.tsv when
    ``targets.ppi`` names a PPI dataset."""
    tables = ["results/summary/metrics.tsv"]
    return tables + (["results/summary/ppi_metrics.tsv"] if config["targets"].get("ppi") else [])


SHORTCUTS = "results/summary/shortcuts.tsv"
"""Best model vs best baseline per dataset × split (rule ``shortcuts``)."""


def shortcut_outputs(config: Mapping) -> list[str]:
    """The shortcut table and one ladder figure per target dataset (AUROC along random →
    id-cold → homology-cold), when ``targets.baselines`` names a baseline."""
    if not baseline_names(config):
        return []
    return [SHORTCUTS] + [f"results/figures/{d}/ladder.png" for d in config["targets"]["datasets"]]


# --------------------------------------------------------------------------------------------
# final models, external test sets, predictions

EXTERNAL_METRICS = "results/summary/external_metrics.tsv"


def _cross_validated(config: Mapping, dataset: str, model: str) -> bool:
    """Whether ``metrics.tsv`` gets a row of ``model`` on ``dataset`` (its card needs it)."""
    t = config["targets"]
    return (
        dataset in t["datasets"]
        and model in t["models"]
        and dataset in model_datasets(config, model)
        and bool(model_splits(config, model))
    )


def final_models(config: Mapping) -> list[tuple[str, str]]:
    """``(dataset, model)`` of ``targets.final`` (``{dataset: [models]}``) in config order, those
    whose cross-validation is among the targets (a card reports it): narrowing
    ``targets.datasets`` or ``targets.models`` narrows the final models alike."""
    return [
        (d, m)
        for d, models in config["targets"].get("final", {}).items()
        for m in models
        if _cross_validated(config, d, m)
    ]


def external_sets(config: Mapping) -> dict[str, dict]:
    """The ``external:`` entries whose ``train`` and ``test`` are both target datasets (so that
    narrowing ``targets.datasets`` narrows them too), with their models among
    ``targets.models``; entries left without a model are left out."""
    t = config["targets"]
    out = {}
    for name, spec in config.get("external", {}).items():
        models = [m for m in spec["models"] if m in t["models"]]
        if spec["train"] in t["datasets"] and spec["test"] in t["datasets"] and models:
            out[name] = {**spec, "models": models}
    return out


def final_model_dir(dataset: str, model: str) -> str:
    """The folder of a final model (rule ``final_model``)."""
    return f"results/final/{dataset}/{model}"


def external_score_files(config: Mapping) -> dict[tuple[str, str], str]:
    """``{(external set, model): scores file}`` of the ``external:`` section."""
    return {
        (name, model): f"results/external/{name}/{model}.parquet"
        for name, spec in external_sets(config).items()
        for model in spec["models"]
    }


def predict_outputs(config: Mapping) -> list[str]:
    """The prediction tables of ``predict.queries`` (one per query × ``<dataset>/<model>``)."""
    queries = config.get("predict", {}).get("queries", {})
    return [
        f"results/predict/{name}/{'.'.join(model.split('/'))}.tsv"
        for name, spec in queries.items()
        for model in spec["models"]
    ]


def final_targets(config: Mapping) -> list[str]:
    """The files of rule ``all``: summary tables, figures, leakage reports, dataset cards, the
    source lock, the releases (``targets.release``), the final models' cards, the external
    metrics and the predictions, those of the enabled side branches, and the results catalog
    over them all (:data:`CATALOG`)."""
    t = config["targets"]
    rbp = rbp_tasks(config)
    return [
        "results/summary/metrics.tsv",
        "results/summary/datasets.tsv",
        REPORT_INTRO,
        *[f"results/figures/{d}/{s}.roc.png" for d in t["datasets"] for s in t["splits"]],
        *[f"results/splits/{d}/{s}.leakage.json" for d in t["datasets"] for s in t["splits"]],
        *[f"results/datasets/{d}/card.html" for d in t["datasets"]],
        *importance_figures(config),
        *shortcut_outputs(config),
        *(
            [
                f"results/figures/{dataset}/{split}.roc.png"
                for dataset, splits in MIRNA_SPLITS.items()
                for split in splits
            ]
            if mirna_enabled(config)
            else []
        ),
        *(["results/summary/ppi_metrics.tsv"] if t.get("ppi") else []),
        *(["results/summary/multilabel_metrics.tsv"] if rbp else []),
        *[f"results/figures/{task}/random.roc.png" for task in rbp],
        *[
            f"results/embeddings/{name}/{embedding_molecule(config, name)}.parquet"
            for name in t.get("embeddings", [])
        ],
        *(["results/pairs/rnainter.parquet"] if t.get("rnainter") else []),
        SOURCE_LOCK,
        *[f"results/release/{d}.tar.gz" for d in release_datasets(config)],
        *[f"{final_model_dir(d, m)}/card.json" for d, m in final_models(config)],
        *([EXTERNAL_METRICS] if external_sets(config) else []),
        *predict_outputs(config),
        CATALOG,
    ]


# --------------------------------------------------------------------------------------------
# the results catalog

CATALOG = "results/catalog.duckdb"
"""The results catalog (rule ``catalog``; :mod:`rnainteract.catalog`)."""

RNAINTER_STAGES = ("mapped", "sequenced", "deduped", "capped")
"""The RNAInter filtering stages in order: ``results/rnainter/steps/<stage>.parquet`` and
``<stage>.counts.json`` (workflow/rules/rnainter.smk)."""


def embedding_files(config: Mapping) -> list[str]:
    """The embedding tables a run writes: of the embedders that a target model trained on a
    target dataset reads, of ``targets.embeddings`` and of the PPI branch (config order)."""
    names = [
        e
        for e in config.get("embedders", {})
        if any(model_datasets(config, model) for model, _, _ in embedder_users(config, e))
    ]
    names += [*config["targets"].get("embeddings", []), *ppi_embedders(config)]
    return [
        f"results/embeddings/{e}/{embedding_molecule(config, e)}.parquet"
        for e in dict.fromkeys(names)
    ]


def catalog_inputs(config: Mapping) -> dict[str, list[str]]:
    """Inputs of rule ``catalog``: table name (of :data:`rnainteract.catalog.TABLES`) → the
    files of this run its views read, for the tables that have any (RNAInter's steps only with
    ``targets.rnainter``). Every file is one that rule ``all`` builds or reads already, so the
    catalog adds no job but its own and reruns when a table changes."""
    t = config["targets"]
    datasets = t["datasets"]
    bases = list(dict.fromkeys(base_dataset(config, d) for d in datasets))
    pairs = [f"results/pairs/{b}.parquet" for b in bases]
    pairs += ["results/pairs/rnainter.parquet"] if t.get("rnainter") else []
    predictions = [
        path
        for d in datasets
        for s in t["splits"]
        for path in split_predictions(config, d, s).values()
    ]
    predictions += [
        f"results/predictions/{d}/{s}/{b}.parquet"
        for d in datasets
        for s in t["splits"]
        for b in baseline_names(config)
    ]
    predictions += list(mirna_prediction_files(config).values())
    predictions += [
        p for task in rbp_tasks(config) for p in split_predictions(config, task, "random").values()
    ]
    summaries = ["datasets", "metrics", "homology_gap", "confusion"]
    summaries += ["multilabel_metrics"] if rbp_tasks(config) else []
    summaries += ["ppi_metrics"] if t.get("ppi") else []
    summaries += ["external_metrics"] if external_sets(config) else []
    summaries += ["shortcuts"] if baseline_names(config) else []
    stages = RNAINTER_STAGES if t.get("rnainter") else ()
    inputs = {
        "pairs": list(dict.fromkeys(pairs)),
        "dataset_pairs": [f"results/datasets/{d}/pairs.parquet" for d in datasets],
        **{
            table: [f"results/annotation/{b}/{table}.tsv" for b in bases]
            for table in ("rna_families", "rfam_hits", "protein_clans", "pfam_hits")
        },
        "splits": [f"results/splits/{d}/{s}.parquet" for d in datasets for s in t["splits"]],
        "split_identity": [
            f"results/splits/{d}/{s}.identity.parquet" for d in datasets for s in t["splits"]
        ],
        "predictions": predictions,
        **{name: [f"results/summary/{name}.tsv"] for name in summaries},
        "external_predictions": list(external_score_files(config).values()),
        "embeddings": embedding_files(config),
        "rnainter_raw": ["results/rnainter/raw.parquet"] if stages else [],
        "rnainter_rows": [f"results/rnainter/steps/{s}.parquet" for s in stages],
        "rnainter_steps": [f"results/rnainter/steps/{s}.counts.json" for s in stages],
    }
    return {name: files for name, files in inputs.items() if files}
