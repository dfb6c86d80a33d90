"""Adapter: rule dataset_card."""

from rnainteract.dataset.cards import write_card
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    splits = {
        name: path for name, path in snakemake.input.items() if name not in ("table", "stats")
    }
    write_card(
        snakemake.input.table,
        snakemake.input.stats,
        splits,
        dataset=snakemake.wildcards.dataset,
        out_html=snakemake.output.card,
        out_json=snakemake.output.json,
        out_heatmap=snakemake.output.heatmap,
    )
