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


rule prepare_rfam:
    """Copy (gunzip) the Rfam CM database, cmpress it, and keep the clans of present models."""
    input:
        cm=get_annotation_source("rfam_cm"),
        clanin=get_annotation_source("rfam_clanin"),
    output:
        cm="resources/annotation/rfam/Rfam.cm",
        index=multiext("resources/annotation/rfam/Rfam.cm", ".i1f", ".i1i", ".i1m", ".i1p"),
        clanin="resources/annotation/rfam/Rfam.clanin",
    log:
        "logs/prepare_rfam/prepare_rfam.log",
    conda:
        "../../envs/annotate.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/prepare_rfam.py"


rule annotate_rfam:
    """Best Rfam family hit per RNA (cmscan --rfam --cut_ga --nohmmonly --clanin --oclan)."""
    input:
        fasta="results/sequences/{dataset}/rna.fasta",
        cm="resources/annotation/rfam/Rfam.cm",
        index=multiext("resources/annotation/rfam/Rfam.cm", ".i1f", ".i1i", ".i1m", ".i1p"),
        clanin="resources/annotation/rfam/Rfam.clanin",
    output:
        hits="results/annotation/{dataset}/rfam_hits.tsv",
        tblout="results/annotation/{dataset}/rfam.tblout",
    log:
        "logs/annotate_rfam/{dataset}.log",
    benchmark:
        "benchmarks/annotate_rfam/{dataset}.tsv"
    conda:
        "../../envs/annotate.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        toponly=config["annotation"]["rna_toponly"],
    script:
        "../scripts/annotate_rfam.py"


rule annotate_pfam:
    """Best Pfam domain per protein (pyhmmer hmmscan, gathering cut-offs) and its clan."""
    input:
        fasta="results/sequences/{dataset}/proteins.fasta",
        hmm=get_annotation_source("pfam_hmm"),
        clans=get_annotation_source("pfam_clans"),
    output:
        hits="results/annotation/{dataset}/pfam_hits.tsv",
    log:
        "logs/annotate_pfam/{dataset}.log",
    benchmark:
        "benchmarks/annotate_pfam/{dataset}.tsv"
    conda:
        "../../envs/annotate.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    script:
        "../scripts/annotate_pfam.py"


rule annotate_families:
    """RNA family table of the output contract: Rfam family, else cluster (or dropped)."""
    input:
        hits="results/annotation/{dataset}/rfam_hits.tsv",
        clusters="results/clusters/{dataset}/rna.tsv",
    output:
        table="results/annotation/{dataset}/rna_families.tsv",
    log:
        "logs/annotate_families/{dataset}.log",
    conda:
        "../../envs/annotate.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        unannotated=config["annotation"]["unannotated_rna"],
    script:
        "../scripts/annotate_families.py"


rule annotate_clans:
    """Protein clan table of the output contract: Pfam clan, else cluster/family (or dropped)."""
    input:
        hits="results/annotation/{dataset}/pfam_hits.tsv",
        clusters="results/clusters/{dataset}/proteins.tsv",
    output:
        table="results/annotation/{dataset}/protein_clans.tsv",
    log:
        "logs/annotate_clans/{dataset}.log",
    conda:
        "../../envs/annotate.yaml"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        unannotated=config["annotation"]["unannotated_protein"],
    script:
        "../scripts/annotate_clans.py"
