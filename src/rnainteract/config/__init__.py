"""The workflow's configuration: the checks its JSON schema cannot express, and what a config says
about sources, datasets, models, embedders and the side branches.

Everything here is a plain function of the config dict (as Snakemake holds it after
``validate(config, schema)`` filled the schema defaults), so it is unit-tested without Snakemake.
The rule files (``workflow/rules/common.smk`` and ``inputs_*.smk``) keep only constants and
thin ``get_*(wildcards)`` input functions that call these.

This package sits on top of the layers: it reads the light modules of the layers below (the model
registry) and nothing beyond the standard library and what Snakemake itself needs, so that
planning a DAG stays fast and runs in a bare Snakemake environment (a contract in
pyproject.toml). Names whose home module would import more (the split names, the miRNA splits,
the RBP views, the download cache) are copied here, and a test checks that the copies agree.

Modules: :mod:`.queries` (what the config says), :mod:`.checks` (:func:`check_config`).
"""

from rnainteract.config.checks import ConfigError, check_config
from rnainteract.config.queries import (
    MIRNA_SPLITS,
    RBP_VIEWS,
    RNAINTER_SEQUENCE_SERVICES,
    SOURCE_CACHE,
    SPLIT_NAMES,
    alternatives,
    base_dataset,
    cleaning_settings,
    embed_inputs,
    embed_options,
    embedder_datasets,
    embedder_users,
    embedding_molecule,
    final_targets,
    importance_figures,
    metric_files,
    mirna_enabled,
    mirna_model_names,
    mirna_params,
    mirna_prediction_files,
    model_datasets,
    model_inputs,
    model_names,
    negatives_settings,
    pair_source,
    ppi_embedders,
    ppi_views,
    rbp_model_names,
    rbp_model_params,
    rbp_task_inputs,
    rbp_tasks,
    rnainter_cap_steps,
    rnainter_databases,
    rnainter_fetch_inputs,
    rnainter_id_lists,
    rnainter_row_steps,
    rnainter_sequence_steps,
    rnainter_service,
    rnainter_settings,
    source_by_path,
    source_path,
    split_predictions,
    weights_available,
)

__all__ = [
    "ConfigError",
    "MIRNA_SPLITS",
    "RBP_VIEWS",
    "RNAINTER_SEQUENCE_SERVICES",
    "SOURCE_CACHE",
    "SPLIT_NAMES",
    "alternatives",
    "base_dataset",
    "check_config",
    "cleaning_settings",
    "embed_inputs",
    "embed_options",
    "embedder_datasets",
    "embedder_users",
    "embedding_molecule",
    "final_targets",
    "importance_figures",
    "metric_files",
    "mirna_enabled",
    "mirna_model_names",
    "mirna_params",
    "mirna_prediction_files",
    "model_datasets",
    "model_inputs",
    "model_names",
    "negatives_settings",
    "pair_source",
    "ppi_embedders",
    "ppi_views",
    "rbp_model_names",
    "rbp_model_params",
    "rbp_task_inputs",
    "rbp_tasks",
    "rnainter_cap_steps",
    "rnainter_databases",
    "rnainter_fetch_inputs",
    "rnainter_id_lists",
    "rnainter_row_steps",
    "rnainter_sequence_steps",
    "rnainter_service",
    "rnainter_settings",
    "source_by_path",
    "source_path",
    "split_predictions",
    "weights_available",
]
