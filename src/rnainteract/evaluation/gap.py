"""What the summary table says across rows: the homology gap (random split vs homology-aware
splits) and the confusion counts per seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

GAP_COLUMNS = ["dataset", "model", "metric", "random", "split", "value", "drop"]


def homology_gap(summary: pd.DataFrame, metrics: Iterable[str] = ("auroc", "mcc")) -> pd.DataFrame:
    """The "random vs homology-aware" table: per dataset, model and metric, the random split's
    mean next to each other split's mean and the drop (random − other; positive = the model
    looked better on the random split).

    Returns:
        Columns :data:`GAP_COLUMNS`; no rows for a dataset × model without a random split.
    """
    rows = []
    for (dataset, model), part in summary.groupby(["dataset", "model"], sort=True):
        by_split = part.set_index("split")
        if "random" not in by_split.index:
            continue
        for metric in metrics:
            base = float(by_split.loc["random", metric])
            for split in sorted(set(by_split.index) - {"random"}):
                value = float(by_split.loc[split, metric])
                rows.append([dataset, model, metric, base, split, value, round(base - value, 4)])
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


CONFUSION_COLUMNS = ["dataset", "split", "model", "seed", "tp", "fp", "tn", "fn"]


def confusion_table(results: Iterable[Mapping]) -> pd.DataFrame:
    """Confusion counts summed over the folds of each seed, from :func:`evaluate_predictions`
    results (the model's own 0/1 decision).

    Returns:
        Columns :data:`CONFUSION_COLUMNS`, sorted.
    """
    rows = []
    for data in results:
        per_seed: dict[int, dict[str, int]] = {}
        for run in data["runs"]:
            counts = per_seed.setdefault(run["seed"], dict.fromkeys(("tp", "fp", "tn", "fn"), 0))
            for key in counts:
                counts[key] += run["confusion"][key]
        for seed, counts in per_seed.items():
            rows.append([data["dataset"], data["split"], data["model"], seed, *counts.values()])
    table = pd.DataFrame(rows, columns=CONFUSION_COLUMNS)
    return table.sort_values(CONFUSION_COLUMNS[:4], kind="stable").reset_index(drop=True)
