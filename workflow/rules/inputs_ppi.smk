# Input functions of the protein-protein branch (workflow/rules/ppi.smk).


def get_ppi_spec(wildcards):
    return config["ppi"][wildcards.ppi]


def get_ppi_sources(wildcards):
    """Local paths of a PPI dataset's pair files and protein table."""
    spec = config["ppi"][wildcards.ppi]
    return {role: source_path(spec[role]) for role in ("positives", "negatives", "proteins")}


def get_ppi_views(wildcards):
    """Embedding tables a model reads on a PPI dataset, named `view__<view>`."""
    return cfg.ppi_views(config, wildcards.ppi, wildcards.model)


def get_ppi_metric_files():
    return [
        f"results/ppi/{ppi}/metrics/{model}.json"
        for ppi in config["targets"].get("ppi", [])
        for model in config["ppi"][ppi]["models"]
    ]
