"""Adapter: rule rbp_task."""

from rnainteract.io.logs import log_to
from rnainteract.tasks.rbp.data import build_rbp_task

with log_to(snakemake.log[0]):
    spec = dict(snakemake.params.spec)
    if spec["parser"] == "edcnn_sets":
        inputs = {
            "positives": {
                name.split("__", 1)[1]: path
                for name, path in snakemake.input.items()
                if name.startswith("positive__")
            },
            "negatives": list(snakemake.input.negatives),
        }
    else:
        inputs = dict(snakemake.input.items())
    build_rbp_task(
        snakemake.output.labels,
        snakemake.output.views,
        snakemake.output.stats,
        parser=spec["parser"],
        inputs=inputs,
        n_negatives=spec.get("n_negatives", "max_label"),
        max_rnas=spec.get("max_rnas"),
        test_fraction=spec.get("test_fraction", 0.2),
        seed=spec.get("seed", 42),
    )
