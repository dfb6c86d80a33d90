"""Rfam families of RNAs with Infernal's ``cmscan`` (RNAInterAct, App. B.3).

:func:`prepare_cm_database` presses the Rfam CM file once (``cmpress``) with a clan file
filtered to the models present; :func:`scan_rfam` runs
``cmscan --rfam --cut_ga --nohmmonly --toponly --clanin --oclan --fmt 2`` and keeps each RNA's
lowest-E-value hit (:func:`best_rfam_hits`). The Infernal binaries are called through
:func:`rnainteract.io.tools.run_tool`.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from rnainteract.io.files import atomic_path, write_tsv
from rnainteract.io.tools import run_tool

log = logging.getLogger(__name__)

CMSCAN_COLUMNS = [
    "idx", "target_name", "target_accession", "query_name", "query_accession", "clan", "mdl",
    "mdl_from", "mdl_to", "seq_from", "seq_to", "strand", "trunc", "pass", "gc", "bias", "score",
    "evalue", "inc", "olp", "anyidx", "afrct1", "afrct2", "winidx", "wfrct1", "wfrct2",
    "description",
]  # fmt: skip


def cm_model_names(cm_path: str | os.PathLike) -> list[str]:
    """Names (``NAME`` lines) of the covariance models in an Infernal CM file, in file order.

    Each calibrated model carries its name twice (CM and filter HMM); it is listed once.
    """
    names: list[str] = []
    with open(cm_path) as handle:
        for line in handle:
            if line.startswith("NAME "):
                name = line.split()[1]
                if not names or names[-1] != name:
                    names.append(name)
    if not names:
        raise ValueError(f"{cm_path}: no covariance model (no NAME line)")
    return names


def filter_clanin(clanin: str | os.PathLike, model_names: list[str], out: str | os.PathLike) -> int:
    """Write the clan file restricted to models present in the CM database.

    Infernal refuses a ``--clanin`` file that names models missing from the database
    (../shared/TOOLS.md). Clans left with fewer than two members are omitted (a clan of one
    model has no competition). Returns the number of clans written.
    """
    present = set(model_names)
    lines = []
    with open(clanin) as handle:
        for line_no, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 2:
                raise ValueError(f"{clanin}: line {line_no}: expected clan accession and models")
            members = [m for m in fields[1:] if m in present]
            if len(members) >= 2:
                lines.append("\t".join([fields[0], *members]))
    with atomic_path(out) as tmp:
        tmp.write_text("".join(f"{line}\n" for line in lines))
    return len(lines)


def prepare_cm_database(
    cm: str | os.PathLike,
    clanin: str | os.PathLike,
    out_cm: str | os.PathLike,
    out_clanin: str | os.PathLike,
) -> None:
    """Copy (gunzip if needed) the CM database, ``cmpress`` it and write the filtered clan file.

    Writes ``out_cm`` and cmpress's ``.i1f .i1i .i1m .i1p`` beside it.
    """
    out_cm = Path(out_cm)
    with atomic_path(out_cm) as tmp:
        opener = gzip.open if _is_gzip(cm) else open
        with opener(cm, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
    names = cm_model_names(out_cm)
    for suffix in (".i1f", ".i1i", ".i1m", ".i1p"):
        Path(f"{out_cm}{suffix}").unlink(missing_ok=True)
    run_tool(["cmpress", str(out_cm)])
    n_clans = filter_clanin(clanin, names, out_clanin)
    log.info(
        "CM database %s: %d models, %d clans with >= 2 present models", out_cm, len(names), n_clans
    )


def _is_gzip(path: str | os.PathLike) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _copy_tblout_without_trailer(tbl: Path, out: str | os.PathLike) -> None:
    """Copy a cmscan table without its trailing comment block (program, command line, date and
    working directory) so that the same inputs give the same bytes; the trailer is logged."""
    lines = tbl.read_text().splitlines(keepends=True)
    n_header = 0  # the column-name and dash lines; a table without hits goes on with the trailer
    while n_header < len(lines) and lines[n_header].startswith(("#idx", "#---")):
        n_header += 1
    body = lines[n_header:]
    trailer_start = next((i for i, line in enumerate(body) if line.startswith("#")), len(body))
    log.info("cmscan: %s", "".join(body[trailer_start:]).strip())
    with atomic_path(out) as tmp:
        tmp.write_text("".join(lines[:n_header] + body[:trailer_start]))


def read_cmscan_tblout(path: str | os.PathLike) -> pd.DataFrame:
    """Parse ``cmscan --fmt 2 --tblout`` (27 columns; the description may contain spaces).

    Returns:
        One row per hit with the columns of :data:`CMSCAN_COLUMNS`; ``score`` (bits) and
        ``evalue`` as floats.
    """
    rows = []
    with open(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split(maxsplit=len(CMSCAN_COLUMNS) - 1)
            if len(fields) < len(CMSCAN_COLUMNS) - 1:
                raise ValueError(f"{path}: line {line_no}: {len(fields)} fields; is it --fmt 2?")
            rows.append(fields + [""] * (len(CMSCAN_COLUMNS) - len(fields)))
    table = pd.DataFrame(rows, columns=CMSCAN_COLUMNS)
    table["score"] = table.score.astype(float)
    table["evalue"] = table.evalue.astype(float)
    return table


def best_rfam_hits(hits: pd.DataFrame) -> pd.DataFrame:
    """Lowest-E-value included hit per RNA (ties: higher score, then family accession).

    ``cmscan --cut_ga`` reports only hits at or above each family's gathering threshold; hits
    marked overlapped by a better hit of the same clan (``olp == '='``) are ignored.

    Returns:
        ``rna_id``, ``family`` (Rfam accession), ``family_name``, ``evalue``, ``score``.
    """
    kept = hits[(hits.inc == "!") & (hits.olp != "=")]
    kept = kept.sort_values(
        ["query_name", "evalue", "score", "target_accession"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    best = kept.drop_duplicates("query_name")
    return pd.DataFrame(
        {
            "rna_id": best.query_name.to_numpy(),
            "family": best.target_accession.to_numpy(),
            "family_name": best.target_name.to_numpy(),
            "evalue": best.evalue.to_numpy(),
            "score": best.score.to_numpy(),
        }
    )


def scan_rfam(
    fasta: str | os.PathLike,
    cm: str | os.PathLike,
    clanin: str | os.PathLike,
    *,
    out_hits: str | os.PathLike,
    out_tblout: str | os.PathLike,
    cpus: int = 1,
    toponly: bool = True,
) -> pd.DataFrame:
    """Run Infernal ``cmscan --rfam --cut_ga --nohmmonly --fmt 2 --clanin --oclan`` on RNAs.

    ``toponly`` restricts the search to the given strand (the transcripts' orientation is known).
    Writes the raw table to ``out_tblout`` and the best hit per RNA (:func:`best_rfam_hits`) to
    ``out_hits``. Raises :class:`~rnainteract.io.tools.ToolError` if cmscan fails.
    """
    with tempfile.TemporaryDirectory() as tmp:
        tbl = Path(tmp) / "hits.tbl"
        cmd = [
            "cmscan",
            "--rfam",
            "--cut_ga",
            "--nohmmonly",
            "--fmt",
            "2",
            "--tblout",
            str(tbl),
            "--cpu",
            str(cpus),
            "-o",
            os.devnull,
        ]
        if toponly:
            cmd.append("--toponly")
        if Path(clanin).stat().st_size:  # no clan with >= 2 present models: no competition
            cmd += ["--clanin", str(clanin), "--oclan"]
        run_tool([*cmd, str(cm), str(fasta)])
        _copy_tblout_without_trailer(tbl, out_tblout)
    best = best_rfam_hits(read_cmscan_tblout(out_tblout))
    log.info("Rfam: %d RNAs with a family hit (%d families)", len(best), best.family.nunique())
    write_tsv(best, out_hits)
    return best
