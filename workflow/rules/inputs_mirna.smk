# Input functions of the miRNA-target branch (workflow/rules/mirna.smk).


def get_mirna_sources(role):
    """Local paths of the miRNA branch's sources for ``role`` (site_train, site_test,
    gene_splits), in config order."""
    return [source_path(name) for name in config.get("mirna", {}).get(role, [])]


def get_mirna_params(wildcards):
    """A site model's hyperparameters (rnainteract.config.mirna_params)."""
    return cfg.mirna_params(config, wildcards.model)


def get_mirna_baseline_outputs():
    """<dataset>__<split>__seed_<type> -> predictions path of the seed-match baselines."""
    return {
        "__".join(key): path
        for key, path in cfg.mirna_prediction_files(config).items()
        if key[2].startswith("seed_")
    }
