rule rna_features:
    """k-mer features of every RNA of a dataset (RPISeq: 4-mer frequencies)."""
    input:
        fasta="results/sequences/{dataset}/rna.fasta",
    output:
        table="results/features/{dataset}/{feature_set}.parquet",
    log:
        "logs/rna_features/{dataset}/{feature_set}.log",
    wildcard_constraints:
        feature_set="rna_[a-z0-9_]+",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/features.py"


rule protein_features:
    """k-mer features of every protein of a dataset (RPISeq: conjoint-triad 3-mer frequencies)."""
    input:
        fasta="results/sequences/{dataset}/proteins.fasta",
    output:
        table="results/features/{dataset}/{feature_set}.parquet",
    log:
        "logs/protein_features/{dataset}/{feature_set}.log",
    wildcard_constraints:
        feature_set="protein_[a-z0-9_]+",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/features.py"
