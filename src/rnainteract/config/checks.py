"""The checks of a config that its JSON schema cannot express: cross-references between
sections, run when the workflow is parsed (before any job)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from rnainteract.config.outputs import final_models
from rnainteract.config.queries import (
    RNAINTER_SEQUENCE_SERVICES,
    embedding_molecule,
)
from rnainteract.models.registry import BASELINES, MODEL_FEATURES, is_embedding_view, model_views


class ConfigError(ValueError):
    """A config value that the schema accepts but the workflow cannot use; names the key."""


SERVICE_OPTIONS = {
    "ncbi": ("base_url", "batch_size", "max_requests_per_s", "api_key", "email", "tool"),
    "uniprot": ("base_url", "batch_size", "max_requests_per_s"),
    "ensembl": ("base_url", "batch_size", "max_requests_per_s"),
}
"""Options each sequence service accepts under ``rnainter.services.<service>`` (a copy of
:func:`rnainteract.sources.seqclients.http.resolve_options`'s, which imports Biopython and
requests; a test checks they agree)."""
FINAL_KINDS = (
    "rpiseq_rf", "rpiseq_svm", "xrpi", "ipminer",
    "rpiembeddor", "multimodal_mlp", "esm2_amps", "esm2_amp_cse", "esm2_dpm", "ae_rf",
)  # fmt: skip
"""Model kinds that can be final models (a copy of the keys of
:data:`rnainteract.models.persist.FORMATS`; a test checks they agree)."""
ENSEMBL_MAX_BATCH = 50
"""Ensembl REST ``POST /sequence/id`` takes at most 50 ids ("Maximum POST size"; copy of
``seqclients.http.ENSEMBL_MAX_POST_IDS``)."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(f"config: {message}")


def _known(names: Iterable[str], value: object = None) -> str:
    """The allowed values for an error message: the closest names to ``value``, then every
    defined name."""
    names = sorted(map(str, names))
    close = difflib.get_close_matches(str(value), names, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"{hint}; defined: {', '.join(names) or '(none)'}"


def check_config(config: Mapping) -> None:
    """Cross-reference checks the JSON schema cannot express, run when the workflow is parsed
    (before any job).

    Raises:
        ConfigError (a ValueError): the first problem found, naming the config key and what it
            must name instead.
    """
    sources, datasets, models = config["sources"], config["datasets"], config["models"]
    embedders = config.get("embedders", {})
    for name in models:
        _check(
            name not in BASELINES,
            f"models.{name}: the name is a shortcut baseline's (targets.baselines); rename it",
        )
    for name, ds in datasets.items():
        method = ds.get("negatives", config.get("negatives", {}).get("method", "given"))
        _check(
            "sampler" not in ds or method == "rnainteract",
            f"datasets.{name}.sampler is set but its negatives are {method!r}: a sampler draws "
            "rnainteract negatives only",
        )
        if "from" in ds:
            base = datasets.get(ds["from"])
            _check(
                base is not None and "from" not in base,
                f"datasets.{name}.from must name a dataset parsed from sources, got {ds['from']!r}",
            )
            continue
        for role, source in ds.get("inputs", {}).items():
            _check(
                source in sources,
                f"datasets.{name}.inputs.{role} names unknown source {source!r}"
                + _known(sources, source),
            )
        for split, source in ds.get("given_splits", {}).items():
            _check(
                source in sources,
                f"datasets.{name}.given_splits.{split} names unknown source {source!r}"
                + _known(sources, source),
            )
    for key in ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans"):
        value = config["annotation"][key]
        _check(
            value in sources,
            f"annotation.{key} names unknown source {value!r}" + _known(sources, value),
        )
    for key, section in (("datasets", "datasets"), ("models", "models"), ("release", "datasets")):
        known = config[section]
        for name in config["targets"].get(key, []):
            _check(
                name in known,
                f"targets.{key} names {name!r}, not defined under {section}" + _known(known, name),
            )
    for name in config["targets"].get("embeddings", []):
        _check(
            name in embedders,
            f"targets.embeddings names {name!r}, not under embedders" + _known(embedders, name),
        )
    for name, spec in models.items():
        _check_model(config, name, spec)
    _check_final(config)
    _check_ppi(config)
    _check_mirna(config)
    _check_rbp(config)
    _check_services(config)
    for name, spec in embedders.items():
        for file, source in spec.get("weights", {}).items():
            _check(
                source in sources,
                f"embedders.{name}.weights.{file} names unknown source {source!r}"
                + _known(sources, source),
            )


def _check_model(config: Mapping, name: str, spec: Mapping) -> None:
    embedders = config.get("embedders", {})
    for molecule, embedder in spec.get("embedders", {}).items():
        _check(
            molecule in ("rna", "protein"),
            f"models.{name}.embedders has key {molecule!r}; allowed: rna, protein",
        )
        _check(
            embedder in embedders,
            f"models.{name}.embedders.{molecule} names {embedder!r}, not under embedders"
            + _known(embedders, embedder),
        )
    views = model_views(spec["kind"], spec.get("params", {}))
    for molecule, names in views.items():
        if not any(is_embedding_view(v) for v in names):
            continue
        embedder = spec.get("embedders", {}).get(molecule)  # defined if given (checked above)
        _check(
            embedder is not None,
            f"models.{name}.embedders.{molecule} must name an embedder (under embedders); "
            f"got {embedder!r}" + _known(embedders, embedder),
        )
        embeds = embedding_molecule(config, embedder)
        _check(
            embeds == molecule,
            f"models.{name}.embedders.{molecule} names {embedder!r}, which embeds {embeds}",
        )
    _check(
        not (spec.get("tune") and spec["kind"] in MODEL_FEATURES),
        f"models.{name}.tune applies to neural view models only",
    )
    for dataset in spec.get("datasets") or []:
        _check(
            dataset in config["datasets"],
            f"models.{name}.datasets names unknown {dataset!r}"
            + _known(config["datasets"], dataset),
        )


def _check_final_model(config: Mapping, where: str, dataset: str, model: str) -> None:
    datasets, models = config["datasets"], config["models"]
    _check(dataset in datasets, f"{where} names unknown dataset {dataset!r}" + _known(datasets))
    _check(model in models, f"{where} names unknown model {model!r}" + _known(models, model))
    kind = models[model]["kind"]
    _check(
        kind in FINAL_KINDS,
        f"{where}: model {model!r} (kind {kind}) cannot be a final model; final models are "
        f"the RNA-protein models {list(FINAL_KINDS)}",
    )


def _check_final(config: Mapping) -> None:
    """``targets.final`` and ``external`` name datasets and feature models; each ``predict``
    model is a final model built by the targets (:func:`final_models`)."""
    final = set(final_models(config))
    for dataset, models in config["targets"].get("final", {}).items():
        for model in models:
            _check_final_model(config, "targets.final", dataset, model)
    for name, spec in config.get("external", {}).items():
        for role in ("train", "test"):
            _check(
                spec[role] in config["datasets"],
                f"external.{name}.{role} names unknown dataset {spec[role]!r}"
                + _known(config["datasets"], spec[role]),
            )
        for model in spec["models"]:
            _check_final_model(config, f"external.{name}.models", spec["train"], model)
            only = config["models"][model].get("datasets")
            _check(
                only is None or spec["train"] in only,
                f"external.{name}.models: model {model!r} is not trained on {spec['train']!r} "
                f"(models.{model}.datasets: {only})",
            )
    for name, spec in config.get("predict", {}).get("queries", {}).items():
        for item in spec["models"]:
            dataset, _, model = item.partition("/")
            _check(
                (dataset, model) in final,
                f"predict.queries.{name}.models names {item!r}; it must be <dataset>/<model> of "
                "targets.final whose dataset and model are targets"
                + _known([f"{d}/{m}" for d, m in sorted(final)], item),
            )


def _check_services(config: Mapping) -> None:
    """``rnainter.services``: the options each client accepts, Ensembl's batch limit."""
    services = config.get("rnainter", {}).get("services", {})
    for service in RNAINTER_SEQUENCE_SERVICES:
        options = services.get(service) or {}
        allowed = SERVICE_OPTIONS[service]
        for key in options:
            _check(
                key in allowed,
                f"rnainter.services.{service}.{key} is not an option of the {service} client; "
                f"allowed: {', '.join(allowed)}",
            )
    batch = (services.get("ensembl") or {}).get("batch_size")
    _check(
        batch is None or batch <= ENSEMBL_MAX_BATCH,
        f"rnainter.services.ensembl.batch_size is {batch}; Ensembl's POST /sequence/id takes "
        f"at most {ENSEMBL_MAX_BATCH} ids (allowed: 1 to {ENSEMBL_MAX_BATCH})",
    )


def _check_ppi(config: Mapping) -> None:
    for name, spec in config.get("ppi", {}).items():
        for role in ("positives", "negatives", "proteins"):
            _check(
                spec[role] in config["sources"],
                f"ppi.{name}.{role} names unknown source {spec[role]!r}",
            )
        _check(
            embedding_molecule(config, spec["embedder"]) == "protein",
            f"ppi.{name}.embedder must embed proteins",
        )
        for model in spec["models"]:
            kind = config["models"].get(model, {}).get("kind")
            views = model_views(kind, {}) if kind else {}
            names = views.get("rna", ()) + views.get("protein", ())
            _check(
                bool(names) and all(is_embedding_view(v) and v != "tokens" for v in names),
                f"ppi.{name}.models: {model!r} must be a model over pooled embeddings "
                "(esm2_amps, esm2_amp_cse, esm2_dpm, ae_rf)",
            )
    for name in config["targets"].get("ppi", []):
        _check(name in config.get("ppi", {}), f"targets.ppi names {name!r}, not under ppi")


def _check_mirna(config: Mapping) -> None:
    _check(
        not (config["targets"].get("mirna") and "mirna" not in config),
        "targets.mirna is true but there is no `mirna` section",
    )
    mirna = config.get("mirna", {})
    for role in ("site_train", "site_test", "gene_splits"):
        for source in mirna.get(role, []):
            _check(source in config["sources"], f"mirna.{role} names unknown source {source!r}")
    for name in mirna.get("models", {}):
        _check(
            not (name.endswith(("_max", "_mil")) or name.startswith("seed_")),
            f"mirna.models.{name}: names ending _max/_mil or starting seed_ are taken by the "
            "gene-level rows and the baselines",
        )


def _check_rbp(config: Mapping) -> None:
    rbp = config.get("rbp", {})
    for name in config["targets"].get("rbp", []):
        _check(name in rbp.get("tasks", {}), f"targets.rbp names {name!r}, not under rbp.tasks")
    for name, spec in rbp.get("tasks", {}).items():
        edcnn = spec["parser"] == "edcnn_sets"
        roles = (
            list(spec.get("positives", {}).values()) + spec.get("negatives", [])
            if edcnn
            else [spec[k] for k in ("interactions", "utrs", "negatives_fasta") if k in spec]
        )
        _check(
            not (edcnn and not spec.get("positives")),
            f"rbp.tasks.{name} (edcnn_sets) needs positives",
        )
        _check(
            not (spec["parser"] == "rnacommender" and not {"interactions", "utrs"} <= set(spec)),
            f"rbp.tasks.{name} (rnacommender) needs interactions and utrs",
        )
        for source in roles:
            _check(source in config["sources"], f"rbp.tasks.{name} names unknown source {source!r}")
    for name in rbp.get("models", {}):
        _check(
            not name.startswith("cnn_"),
            f"rbp.models.{name}: names starting cnn_ are the view CNNs",
        )
