rule cluster_rna:
    """Cluster RNAs by sequence identity with cd-hit-est (first notion of RNA family)."""
    input:
        fasta="results/sequences/{dataset}/rna.fasta",
    output:
        clusters="results/clusters/{dataset}/rna.tsv",
    log:
        "logs/cluster_rna/{dataset}.log",
    benchmark:
        "benchmarks/cluster_rna/{dataset}.tsv"
    conda:
        "../../envs/cluster.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        identity=config["clusters"]["rna_identity"],
    script:
        "../scripts/cluster_rna.py"


rule cluster_proteins:
    """Cluster proteins with MMseqs2 easy-cluster (first notion of protein clan)."""
    input:
        fasta="results/sequences/{dataset}/proteins.fasta",
    output:
        clusters="results/clusters/{dataset}/proteins.tsv",
    log:
        "logs/cluster_proteins/{dataset}.log",
    benchmark:
        "benchmarks/cluster_proteins/{dataset}.tsv"
    conda:
        "../../envs/cluster.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        min_seq_id=config["clusters"]["protein_min_seq_id"],
        coverage=config["clusters"]["protein_coverage"],
    script:
        "../scripts/cluster_proteins.py"


rule annotate_families:
    """RNA family table of the output contract (family_source = cluster)."""
    input:
        clusters="results/clusters/{dataset}/rna.tsv",
    output:
        table="results/annotation/{dataset}/rna_families.tsv",
    log:
        "logs/annotate_families/{dataset}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        molecule="rna",
    script:
        "../scripts/annotate_from_clusters.py"


rule annotate_clans:
    """Protein clan table of the output contract (clan_source = cluster)."""
    input:
        clusters="results/clusters/{dataset}/proteins.tsv",
    output:
        table="results/annotation/{dataset}/protein_clans.tsv",
    log:
        "logs/annotate_clans/{dataset}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        molecule="protein",
    script:
        "../scripts/annotate_from_clusters.py"
