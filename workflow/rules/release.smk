# The source lock and the dataset releases (README, "Publishing a rebuilt dataset").


rule source_lock:
    """Name, URL, origin, size and SHA-256 of every source the targets read (weights included)."""
    input:
        cfg.used_source_files(config),
    output:
        cfg.SOURCE_LOCK,
    log:
        "logs/source_lock/source_lock.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=500,
        runtime=10,
    params:
        sources={name: config["sources"][name] for name in USED_SOURCES},
        used=USED_SOURCES,
        mirror_dirs=config["mirror_dirs"],
    script:
        "../scripts/source_lock.py"


rule release:
    """A dataset as a citable data package: tables, FASTA, splits, card, datasheet, lock, sums."""
    input:
        unpack(get_release_inputs),
    output:
        # the folder's files are listed in SHA256SUMS, written last (the job's marker)
        sums="results/release/{dataset}/SHA256SUMS",
        tarball="results/release/{dataset}.tar.gz",
    log:
        "logs/release/{dataset}.log",
    conda:
        "../../envs/rnainteract.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        sources=get_release_sources,
        config=get_release_config,
        info=config["release"],
        mirror_dirs=config["mirror_dirs"],
        workflow_dir=workflow.basedir,
    script:
        "../scripts/release.py"
