# RNAInter at full scale (RNAInterAct App. B.2-B.4): the RNA-protein download streamed to
# Parquet, filtered, its sequences fetched per database, written as the pair contract.


rule rnainter_ingest:
    """Stream RNAInter's RNA-protein tar.gz into Parquet (13 columns; N/A -> null)."""
    input:
        archive=get_rnainter_source,
    output:
        table="results/rnainter/raw.parquet",
        stats="results/rnainter/raw.stats.json",
    log:
        "logs/rnainter_ingest.log",
    benchmark:
        "benchmarks/rnainter_ingest.tsv"
    conda:
        "../../envs/rnainteract.yaml"
    threads: 2  # CSV parsing, ISA-L inflating and Parquet writing overlap
    resources:
        mem_mb=3000,
        runtime=60,
    script:
        "../scripts/rnainter_ingest.py"


rule rnainter_rows:
    """Row-wise steps in one pass (DuckDB SQL, src/rnainteract/sources/sql/): RNA-protein rows,
    categories, species, Raw_ID mapping."""
    input:
        table="results/rnainter/raw.parquet",
    output:
        table="results/rnainter/steps/mapped.parquet",
        counts="results/rnainter/steps/mapped.counts.json",
    log:
        "logs/rnainter_rows.log",
    benchmark:
        "benchmarks/rnainter_rows.tsv"
    conda:
        "../../envs/rnainteract.yaml"
    threads: 2  # DuckDB's threads
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        steps=get_rnainter_row_steps,
        duckdb=get_rnainter_duckdb,
    script:
        "../scripts/rnainter_steps.py"


rule rnainter_ids:
    """The accessions to fetch per database and molecule."""
    input:
        table="results/rnainter/steps/mapped.parquet",
    output:
        **RNAINTER_ID_LISTS,
    log:
        "logs/rnainter_ids.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    script:
        "../scripts/rnainter_ids.py"


rule rnainter_fetch:
    """Fetch one database's sequences (web service or local FASTA) through the per-id cache."""
    input:
        unpack(get_rnainter_fetch_inputs),
    output:
        rna="results/rnainter/sequences/{database}.rna.parquet",
        protein="results/rnainter/sequences/{database}.protein.parquet",
        report="results/rnainter/sequences/{database}.report.json",
    log:
        "logs/rnainter_fetch/{database}.log",
    benchmark:
        "benchmarks/rnainter_fetch/{database}.tsv"
    wildcard_constraints:
        database="ncbi|uniprot|ensembl|mirbase|noncode",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=1440,  # NCBI at 3 requests/s: hours for RNAInter's ~780,000 genes
    params:
        options=get_rnainter_service,
        cache_dir=RNAINTER.get("cache_dir", "resources/sequence_cache"),
    script:
        "../scripts/rnainter_fetch.py"


rule rnainter_sequences:
    """Attach sequence lengths (drop rows without a valid sequence) and apply the length limits."""
    input:
        table="results/rnainter/steps/mapped.parquet",
        rna=expand("results/rnainter/sequences/{database}.rna.parquet", database=RNAINTER_DBS),
        protein=expand(
            "results/rnainter/sequences/{database}.protein.parquet", database=RNAINTER_DBS
        ),
    output:
        table="results/rnainter/steps/sequenced.parquet",
        counts="results/rnainter/steps/sequenced.counts.json",
    log:
        "logs/rnainter_sequences.log",
    benchmark:
        "benchmarks/rnainter_sequences.tsv"
    conda:
        "../../envs/rnainteract.yaml"
    threads: 2  # DuckDB's threads
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        steps=get_rnainter_sequence_steps,
        duckdb=get_rnainter_duckdb,
    script:
        "../scripts/rnainter_steps.py"


rule rnainter_dedupe:
    """One row per (RNA, protein) pair: the highest RNAInter score."""
    input:
        table="results/rnainter/steps/sequenced.parquet",
    output:
        table="results/rnainter/steps/deduped.parquet",
        counts="results/rnainter/steps/deduped.counts.json",
    log:
        "logs/rnainter_dedupe.log",
    benchmark:
        "benchmarks/rnainter_dedupe.tsv"
    conda:
        "../../envs/rnainteract.yaml"
    threads: 2  # DuckDB's threads
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        steps=[["dedupe", {}]],
        duckdb=get_rnainter_duckdb,
    script:
        "../scripts/rnainter_steps.py"


rule rnainter_cap:
    """At most max_per_interactor interactions per RNA and per protein (seeded subsampling)."""
    input:
        table="results/rnainter/steps/deduped.parquet",
    output:
        table="results/rnainter/steps/capped.parquet",
        counts="results/rnainter/steps/capped.counts.json",
    log:
        "logs/rnainter_cap.log",
    benchmark:
        "benchmarks/rnainter_cap.tsv"
    conda:
        "../../envs/rnainteract.yaml"
    threads: 2  # DuckDB's threads
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        steps=get_rnainter_cap_steps,
        duckdb=get_rnainter_duckdb,
    script:
        "../scripts/rnainter_steps.py"


rule rnainter_pairs:
    """The pair contract for RNAInter, plus the report tables (filtering, Tables 4 and 6)."""
    input:
        table="results/rnainter/steps/capped.parquet",
        raw="results/rnainter/raw.parquet",
        ingest="results/rnainter/raw.stats.json",
        counts=[
            "results/rnainter/steps/mapped.counts.json",
            "results/rnainter/steps/sequenced.counts.json",
            "results/rnainter/steps/deduped.counts.json",
            "results/rnainter/steps/capped.counts.json",
        ],
        rna=expand("results/rnainter/sequences/{database}.rna.parquet", database=RNAINTER_DBS),
        protein=expand(
            "results/rnainter/sequences/{database}.protein.parquet", database=RNAINTER_DBS
        ),
        reports=expand("results/rnainter/sequences/{database}.report.json", database=RNAINTER_DBS),
    output:
        pairs="results/pairs/rnainter.parquet",
        rna="results/sequences/rnainter/rna.fasta",
        proteins="results/sequences/rnainter/proteins.fasta",
        stats="results/pairs/rnainter.stats.json",
        filtering=report(
            "results/rnainter/filtering.tsv",
            caption="../report/rnainter.rst",
            category="RNAInter",
            labels={"table": "filtering steps"},
        ),
        extraction=report(
            "results/rnainter/extraction.tsv",
            caption="../report/rnainter.rst",
            category="RNAInter",
            labels={"table": "extraction rates (Table 4)"},
        ),
        categories=report(
            "results/rnainter/categories.tsv",
            caption="../report/rnainter.rst",
            category="RNAInter",
            labels={"table": "categories (Table 6)"},
        ),
    log:
        "logs/rnainter_pairs.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/rnainter_pairs.py"


ruleorder: rnainter_pairs > build_pairs
