# Input functions of RNAInter at full scale (workflow/rules/rnainter.smk).


def get_rnainter_source(wildcards):
    """Local path of the RNAInter RNA-protein download (`rnainter.source`)."""
    return source_path(RNAINTER["source"])


def get_rnainter_row_steps(wildcards):
    """The row-wise filtering steps and their parameters (rnainteract.sources.rnainter)."""
    return cfg.rnainter_row_steps(config)


def get_rnainter_sequence_steps(wildcards):
    """Sequence and length steps (one pass; the length limits commute with the dedupe)."""
    return cfg.rnainter_sequence_steps(config)


def get_rnainter_cap_steps(wildcards):
    """The per-interactor cap (seeded)."""
    return cfg.rnainter_cap_steps(config)


def get_rnainter_duckdb(wildcards):
    """DuckDB's memory limit and spill folder for the filtering steps (`rnainter.duckdb`)."""
    return cfg.rnainter_duckdb(config)


def get_rnainter_fetch_inputs(wildcards):
    """Id lists of a database (both molecules) and, for miRBase/NONCODE, its local FASTA."""
    return cfg.rnainter_fetch_inputs(config, wildcards.database)


def get_rnainter_service(wildcards):
    """fetch_sequences options of a database: its service entry plus the shared settings."""
    return cfg.rnainter_service(config, wildcards.database)
