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

import rnainteract.config as cfg  # noqa: E402  (light: no scikit-learn or torch)

# Cross-reference checks of the config (rnainteract.config.checks), before any job runs.
cfg.check_config(config)

# The sources the targets read (rule source_lock records them in results/sources.lock.json).
# With `--config lock=<file>` the main process hashes every one and compares it with the lock
# before any job runs (rnainteract.sources.lock; cluster jobs re-read this file and skip it);
# rule download_source checks what it fetches against the lock's hash.
USED_SOURCES = cfg.used_sources(config)
if config.get("lock") and workflow.is_main_process:
    from rnainteract.sources.lock import check_lock  # noqa: E402  (standard library only)

    check_lock(
        config["lock"],
        config["sources"],
        USED_SOURCES,
        mirror_dirs=config["mirror_dirs"],
        cache_dir=cfg.SOURCE_CACHE,
        random_init=config["embedding"]["allow_random_init"],
    )

SPLIT_NAMES = cfg.SPLIT_NAMES
# the shortcut baselines run on every dataset x split (workflow/rules/shortcuts.smk)
BASELINES = cfg.baseline_names(config)
# which training rule a model name goes to (rules train_model / train_view_model)
FEATURE_MODELS = cfg.alternatives(cfg.model_names(config, feature=True))
VIEW_MODELS = cfg.alternatives(cfg.model_names(config, feature=False))
RPI_MODELS = cfg.alternatives(config["models"])  # either (final models, external sets)
# miRNA-target branch (workflow/rules/mirna.smk): its datasets, splits and site models
MIRNA_SPLITS = cfg.MIRNA_SPLITS
MIRNA_MODELS = cfg.alternatives(config.get("mirna", {}).get("models", {}))
# RBP multi-label branch (workflow/rules/rbp.smk): its MMFA variants and views
RBP_MODELS = cfg.alternatives(config.get("rbp", {}).get("models", {}))
RBP_VIEWS = cfg.RBP_VIEWS
# RNAInter at full scale (workflow/rules/rnainter.smk): the databases asked, their id lists
RNAINTER = cfg.rnainter_settings(config)
RNAINTER_DBS = cfg.rnainter_databases(config)
RNAINTER_ID_LISTS = cfg.rnainter_id_lists(config)
# The report's first page: the workflow description, behind a banner of the models that ran on
# random-init embeddings once rule report_intro has written it (rnainteract.evaluation.report)
REPORT_TEMPLATE = str(Path(workflow.basedir) / "workflow/report/workflow.rst")
REPORT_INTRO = cfg.REPORT_INTRO


wildcard_constraints:
    dataset="[a-z][a-z0-9_]*",
    split="|".join(SPLIT_NAMES + [s for splits in MIRNA_SPLITS.values() for s in splits]),
    model="[a-z][a-z0-9_]*",


def source_path(name):
    """Local path of a source: the first mirror holding it, else its download-cache path."""
    return cfg.source_path(config, name)


def get_source_by_path(wildcards):
    """The source entry (with its name) whose path is the download rule's {path}."""
    return cfg.source_by_path(config, wildcards.path)


def report_text():
    """The report's first page: rule report_intro's output once it exists, else the template."""
    intro = Path(REPORT_INTRO)
    return str(intro.resolve()) if intro.is_file() else REPORT_TEMPLATE


def get_pretrained_tables():
    """Summary tables with a `pretrained` column (metrics.tsv, and ppi_metrics.tsv if on)."""
    return cfg.pretrained_tables(config)


def get_annotation_source(key):
    """Local path of the source named by `annotation.<key>` (Rfam/Pfam databases)."""
    return source_path(config["annotation"][key])


def get_final_targets():
    """The files of rule all (rnainteract.config.final_targets)."""
    return cfg.final_targets(config)


def get_catalog_inputs(wildcards):
    """The files the catalog's views read, by table (rnainteract.config.catalog_inputs)."""
    return cfg.catalog_inputs(config)


# Jobs too small to be worth a cluster submission (~7 s of start-up each under SLURM).
localrules:
    all,
    report_intro,
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
    source_lock,
    release,
    catalog,
