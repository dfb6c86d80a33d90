"""Dataset cards: the counts of RNAInterAct's Tables 1, 5, 6 and 7 and its Figures 5 and 6.

A card (``results/datasets/{dataset}/card.html`` with the numbers in ``card.json``) has:

* Table 1 (per split, fold 0): unique RNA families and protein clans, positive, negative and
  total pairs of the train and test parts (TRinter / TSfam for ``rna_family``);
* Table 5: RNAs and proteins with / without an Rfam family / Pfam clan, and how many families
  and clans (annotated molecules only);
* Table 6: share of positive pairs per RNA category and per protein category (percent);
* Table 7: unique proteins, RNAs, Pfam clans (or clusters standing in) and RNA families;
* Figures 5 and 6 (``heatmap.png``): positive and negative pairs per RNA × protein category.
  Without categories (the classic benchmarks) the axes are the 15 RNA families and protein clans
  with the most positive pairs instead.
"""

from __future__ import annotations

import html
import json
import logging
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rnainteract.io.files import atomic_path, write_json

log = logging.getLogger(__name__)

TOP_GROUPS = 15


def table1(table: pd.DataFrame, split: pd.DataFrame, fold: int = 0) -> pd.DataFrame:
    """Train/test overview of one fold (RNAInterAct Table 1): one row per partition."""
    part = split[split.fold == fold]
    rows = []
    for name in ("train", "test"):
        sub = table.loc[part.pair_index[part.partition == name]]
        rows.append(
            {
                "partition": name,
                "rna_families": sub.family.nunique(),
                "protein_clans": sub.clan.nunique(),
                "positive": int((sub.label == 1).sum()),
                "negative": int((sub.label == 0).sum()),
                "total": len(sub),
            }
        )
    return pd.DataFrame(rows)


def table5(table: pd.DataFrame) -> pd.DataFrame:
    """Annotation summary (Table 5): per molecule type, unannotated / annotated / groups."""
    rows = []
    for kind, id_col, group, source, annotated_as in (
        ("RNA", "rna_id", "family", "family_source", "rfam"),
        ("Protein", "protein_id", "clan", "clan_source", "pfam"),
    ):
        molecules = table[[id_col, group, source]].drop_duplicates(id_col)
        is_annotated = molecules[source] == annotated_as
        rows.append(
            {
                "type": kind,
                "unannotated": int((~is_annotated).sum()),
                "annotated": int(is_annotated.sum()),
                "families_or_clans": int(molecules[group][is_annotated].nunique()),
            }
        )
    return pd.DataFrame(rows)


def table6(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Share of positive pairs per RNA and per protein category, percent (Table 6)."""
    positives = table[table.label == 1]
    out = {}
    for col in ("rna_category", "protein_category"):
        share = positives[col].value_counts(normalize=True).mul(100).round(2)
        out[col] = share.rename_axis("category").reset_index(name="percent")
    return out


def table7(table: pd.DataFrame) -> pd.DataFrame:
    """Unique sequences, clans and families (Table 7)."""
    return pd.DataFrame(
        [
            {
                "proteins": table.protein_id.nunique(),
                "rna": table.rna_id.nunique(),
                "pfam_clans": table.clan[table.clan_source == "pfam"].nunique(),
                "protein_groups": table.clan.nunique(),
                "rna_families": table.family[table.family_source == "rfam"].nunique(),
                "rna_groups": table.family.nunique(),
            }
        ]
    )


def category_counts(table: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], str, str]:
    """Pairs per RNA × protein category for positives and negatives (Figures 5 and 6).

    Returns ``({"positive": matrix, "negative": matrix}, row_axis, column_axis)``; without
    categories the axes are the top :data:`TOP_GROUPS` families and clans by positive pairs.
    """
    if set(table.rna_category) | set(table.protein_category) <= {"unknown"}:
        rows, cols = "family", "clan"
        positives = table[table.label == 1]
        keep_rows = positives[rows].value_counts().index[:TOP_GROUPS]
        keep_cols = positives[cols].value_counts().index[:TOP_GROUPS]
        sub = table[table[rows].isin(keep_rows) & table[cols].isin(keep_cols)]
    else:
        rows, cols = "rna_category", "protein_category"
        keep_rows, keep_cols = sorted(table[rows].unique()), sorted(table[cols].unique())
        sub = table
    out = {}
    for name, label in (("positive", 1), ("negative", 0)):
        counts = sub[sub.label == label].groupby([rows, cols]).size().unstack(fill_value=0)
        out[name] = counts.reindex(index=keep_rows, columns=keep_cols, fill_value=0)
    return out, rows, cols


def plot_heatmaps(matrices: Mapping[str, pd.DataFrame], rows: str, cols: str, out, title: str):
    """Draw the positive and negative count matrices side by side to PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows = max(len(m.index) for m in matrices.values())
    n_cols = max(len(m.columns) for m in matrices.values())
    fig, axes = plt.subplots(
        1, 2, figsize=(3 + 0.45 * n_cols * 2, 2 + 0.3 * n_rows), dpi=100, squeeze=False
    )
    for ax, (name, matrix) in zip(axes[0], matrices.items(), strict=True):
        values = matrix.to_numpy()
        image = ax.imshow(values, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=60, ha="right")
        ax.set_yticks(range(len(matrix.index)), matrix.index)
        for i, j in np.ndindex(values.shape):
            ax.text(j, i, str(values[i, j]), ha="center", va="center", fontsize=6, color="w")
        ax.set(title=f"{name} pairs", xlabel=cols, ylabel=rows)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def _html_table(frame: pd.DataFrame, caption: str) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def write_card(
    dataset_table: str | os.PathLike,
    dataset_stats: str | os.PathLike,
    splits: Mapping[str, str | os.PathLike],
    *,
    dataset: str,
    out_html: str | os.PathLike,
    out_json: str | os.PathLike,
    out_heatmap: str | os.PathLike,
) -> dict:
    """Rule ``dataset_card``: write the card (HTML + JSON) and the heatmap PNG of a dataset.

    Args:
        splits: split name → split table (fold 0 of each gives a Table 1).
    """
    table = pd.read_parquet(dataset_table)
    with open(dataset_stats) as handle:
        stats = json.load(handle)
    t1 = {name: table1(table, pd.read_parquet(path)) for name, path in sorted(splits.items())}
    t5, t6, t7 = table5(table), table6(table), table7(table)
    matrices, rows, cols = category_counts(table)
    plot_heatmaps(matrices, rows, cols, out_heatmap, title=f"{dataset}: pairs per {rows} × {cols}")
    card = {
        "dataset": dataset,
        "negative_method": stats["negative_method"],
        "stats": stats,
        "table1": {name: t.to_dict("records") for name, t in t1.items()},
        "table5": t5.to_dict("records"),
        "table6": {name: t.to_dict("records") for name, t in t6.items()},
        "table7": t7.to_dict("records"),
        "heatmap_axes": [rows, cols],
        "heatmap": {name: m.to_dict() for name, m in matrices.items()},
    }
    parts = [
        f"<h2>Dataset card: {html.escape(dataset)}</h2>",
        f"<p>Negatives: {html.escape(stats['negative_method'])}; pairs {stats['n_pairs']} "
        f"({stats['n_positive']} positive, {stats['n_negative']} negative); "
        f"unfilled negatives: {stats.get('n_negative_unfilled', 0)}.</p>",
    ]
    for name, t in t1.items():
        parts.append(_html_table(t, f"Table 1 ({name} split, fold 0): train vs test"))
    parts.append(_html_table(t5, "Table 5: family and clan annotation"))
    for name, t in t6.items():
        parts.append(_html_table(t, f"Table 6: share of positive pairs per {name} (%)"))
    parts.append(_html_table(t7, "Table 7: unique sequences, clans and families"))
    page = "<html><body>" + "\n".join(parts) + "</body></html>\n"
    with atomic_path(out_html) as tmp:
        tmp.write_text(page)
    write_json(card, out_json)
    log.info("%s: card %s", dataset, json.dumps(card["table7"]))
    return card
