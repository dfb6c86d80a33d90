"""The report's first page: a banner naming every model that ran on random-init embeddings.

Embedding models run without their pretrained weights when no weight file is found and
``embedding.allow_random_init`` is on (the default here, since no weights can be downloaded in
the test and CI setting). Their rows in the summary tables are marked ``pretrained`` false, but a
reader of the HTML report should not have to look for that column: :func:`write_report_intro`
puts a warning above the workflow description (Snakemake's report opens with that page).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from rnainteract.io.files import atomic_path

log = logging.getLogger(__name__)

BANNER_COLUMNS = ["model", "datasets", "n_rows"]


def random_init_rows(tables: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """Models whose summary rows say ``pretrained`` false, over the summary tables given
    (metrics.tsv, ppi_metrics.tsv; a table without the column contributes nothing).

    Returns:
        One row per model (sorted): ``model``, ``datasets`` (comma-joined, sorted), ``n_rows``
        (dataset × split rows marked false).

    Raises:
        ValueError: a table lacks the ``model`` or ``dataset`` column (names the file).
    """
    frames = [pd.DataFrame(columns=["model", "dataset"])]
    for path in tables:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        if "pretrained" not in table:
            continue
        missing = {"model", "dataset"} - set(table.columns)
        if missing:
            raise ValueError(f"{path}: lacks column(s) {sorted(missing)}")
        frames.append(table[table.pretrained.str.lower() == "false"][["model", "dataset"]])
    rows = pd.concat(frames, ignore_index=True)
    return (
        rows.groupby("model", sort=True)
        .dataset.agg(datasets=lambda d: ", ".join(sorted(set(d))), n_rows="size")
        .reset_index()[BANNER_COLUMNS]
    )


def banner(rows: pd.DataFrame, missing_weights: Mapping[str, Sequence[str]]) -> str:
    """reStructuredText of the banner (empty when no model ran on random-init embeddings).

    Args:
        rows: :func:`random_init_rows`.
        missing_weights: embedder → its missing weight files (``rnainteract.config``
            ``random_init_embedders``), listed under the models.
    """
    if rows.empty:
        return ""
    lines = [
        ".. warning::",
        "",
        f"   **{len(rows)} model(s) ran on random-init embeddings** (``pretrained: false``). "
        "Their numbers measure the architecture with random weights, not the published "
        "pretrained model:",
        "",
    ]
    lines += [f"   * ``{r.model}`` on {r.datasets} ({r.n_rows} rows)" for r in rows.itertuples()]
    if missing_weights:
        lines += ["", "   Weight files not found:", ""]
        for embedder, files in sorted(missing_weights.items()):
            lines.append(f"   * ``{embedder}``: " + ", ".join(f"``{f}``" for f in files))
    lines += [
        "",
        "   Put the files at their sources' paths under a mirror or ``resources/sources/`` "
        "(config ``sources``), or set ``embedding.allow_random_init: false`` to download them.",
        "",
        "",
    ]
    return "\n".join(lines)


def write_report_intro(
    template: str | os.PathLike,
    tables: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    *,
    missing_weights: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Rule ``report_intro``: the banner (:func:`banner`) followed by the workflow description
    ``template`` (its Jinja placeholders are left for Snakemake's report to fill), written
    atomically to ``out``.

    Returns:
        :func:`random_init_rows` of ``tables``.
    """
    rows = random_init_rows(tables)
    text = banner(rows, missing_weights or {}) + Path(template).read_text(encoding="utf-8")
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    if rows.empty:
        log.info("no model ran on random-init embeddings")
    else:
        log.warning("%d model(s) ran on random-init embeddings: %s", len(rows), list(rows.model))
    return rows
