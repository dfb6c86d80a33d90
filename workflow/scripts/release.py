"""Adapter: rule release."""

from pathlib import Path

import rnainteract.config as cfg
from rnainteract import __version__
from rnainteract.dataset.release import build_release
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    inputs = snakemake.input
    splits = {
        name.removeprefix("split__"): (path, inputs[f"leakage__{name.removeprefix('split__')}"])
        for name, path in inputs.items()
        if name.startswith("split__")
    }
    build_release(
        snakemake.wildcards.dataset,
        pairs=inputs.pairs,
        rna_fasta=inputs.rna,
        protein_fasta=inputs.proteins,
        splits=splits,
        card={"html": inputs.card_html, "json": inputs.card_json, "heatmap": inputs.card_heatmap},
        pair_stats=inputs.pair_stats,
        sources=snakemake.params.sources,
        mirror_dirs=snakemake.params.mirror_dirs,
        cache_dir=cfg.SOURCE_CACHE,
        config=snakemake.params.config,
        info=snakemake.params.info,
        version=__version__,
        workflow_dir=snakemake.params.workflow_dir,
        out_dir=Path(snakemake.output.sums).parent,
        out_tarball=snakemake.output.tarball,
    )
