"""Pairwise sequence identity (MMseqs2 all-vs-all) and the train↔test identity of a split.

Identity of two sequences is ``nident / min(qlen, tlen)``: identical aligned positions over the
length of the shorter sequence (the definition of cd-hit, Li & Godzik 2006, so that a test RNA
contained in a training RNA counts as identical). Alignments come from ``mmseqs easy-search``
of the dataset against itself (proteins: ``--search-type 1``; RNA: ``--search-type 3``, k-mer
size 7 so that short RNAs still seed). Pairs MMseqs2 does not report (no shared seed, E-value
above its default 1e-3) have identity 0 here: the numbers are lower bounds, exact for the
high-identity pairs that matter for leakage.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from rnainteract.io.fasta import read_fasta, write_fasta
from rnainteract.io.files import write_parquet
from rnainteract.io.tools import ToolError, run_tool

log = logging.getLogger(__name__)

MOLECULES = ("rna", "protein")
IDENTITY_COLUMNS = ["query", "target", "identity"]


def _search(
    query: str | os.PathLike,
    target: str | os.PathLike,
    *,
    molecule: str,
    sensitivity: float,
    max_seqs: int,
) -> pd.DataFrame:
    """``mmseqs easy-search`` of ``query`` against ``target`` on one thread: ``query``,
    ``target``, ``nident``, ``qlen``, ``tlen`` per reported alignment."""
    with tempfile.TemporaryDirectory() as tmp:
        hits = Path(tmp) / "hits.m8"
        cmd = ["mmseqs", "easy-search", str(query), str(target), str(hits), str(Path(tmp) / "w")]
        cmd += ["--search-type", "3" if molecule == "rna" else "1", "-s", str(sensitivity)]
        if molecule == "rna":
            cmd += ["-k", "7"]
        # keep every prefilter candidate: with the default cap of 300 per query, which hits
        # survive depends on thread timing, and the table differed between identical runs
        cmd += ["--max-seqs", str(max(300, max_seqs))]
        cmd += ["-a", "--format-output", "query,target,nident,qlen,tlen"]
        cmd += ["--threads", "1", "-v", "1"]
        run_tool(cmd)
        return pd.read_csv(
            hits,
            sep="\t",
            header=None,
            names=["query", "target", "nident", "qlen", "tlen"],
            dtype={"query": str, "target": str},
            keep_default_na=False,  # an id "NA" or "null" stays a string
        )


def _identity(raw: pd.DataFrame) -> pd.Series:
    """``nident / min(qlen, tlen)`` in [0, 1], float32."""
    return (raw.nident / np.minimum(raw.qlen, raw.tlen)).clip(0, 1).astype(np.float32)


def nearest_targets(
    query: Mapping[str, str],
    target: Mapping[str, str],
    *,
    molecule: str,
    sensitivity: float = 5.7,
) -> pd.DataFrame:
    """For every ``query`` sequence, its most identical ``target`` sequence (MMseqs2, the
    identity of :func:`pairwise_identity`): the applicability domain of a model trained on the
    ``target`` sequences.

    The sequences go to MMseqs2 under positional names (``q0``, ``t0``, ...) and come back
    under their own ids: MMseqs2 rewrites some ids (``sp|P69905|HBA_HUMAN`` becomes
    ``P69905``), so any id a user's FASTA holds is kept as it is.

    Args:
        query, target: ``{id: sequence}``.

    Returns:
        One row per query id in order: ``query``, ``nearest`` (the target id, null when MMseqs2
        reports no alignment), ``identity`` (float32; 0 without an alignment). Ties go to the
        target listed first.

    Raises:
        ToolError: mmseqs missing or failing.
        ValueError: unknown molecule.
    """
    if molecule not in MOLECULES:
        raise ValueError(f"molecule must be one of {MOLECULES}, got {molecule!r}")
    query_ids, target_ids = list(query), list(target)
    out = pd.DataFrame({"query": query_ids, "nearest": None, "identity": np.float32(0)})
    if not query_ids or not target_ids:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, records in (("q", query), ("t", target)):
            files[name] = Path(tmp) / f"{name}.fasta"
            write_fasta({f"{name}{i}": seq for i, seq in enumerate(records.values())}, files[name])
        raw = _search(
            files["q"], files["t"], molecule=molecule, sensitivity=sensitivity,
            max_seqs=len(target_ids),
        )  # fmt: skip
    hits = pd.DataFrame(
        {
            "q": raw["query"].str[1:].astype(np.int64),
            "t": raw["target"].str[1:].astype(np.int64),
            "identity": _identity(raw),
        }
    )
    hits = hits.sort_values(["q", "identity", "t"], ascending=[True, False, True])
    best = hits.drop_duplicates("q").set_index("q")
    positions = pd.Series(np.arange(len(query_ids)))
    target_of = positions.map(best["t"])
    out["nearest"] = [None if pd.isna(t) else target_ids[int(t)] for t in target_of]
    out["identity"] = positions.map(best["identity"]).fillna(0).astype(np.float32).to_numpy()
    return out


def pairwise_identity(
    fasta: str | os.PathLike,
    out: str | os.PathLike,
    *,
    molecule: str,
    sensitivity: float = 5.7,
) -> pd.DataFrame:
    """All-vs-all identities of a FASTA file, written as Parquet (``query``, ``target``,
    ``identity`` float32 in [0, 1]), symmetric, without self pairs, sorted.

    MMseqs2 runs on one thread: with two, a borderline hit (identity 0.65 between two RPI369
    RNAs) came and went with the machine's load — the hit order within a query block and
    the hits themselves are not stable across thread timings (MMseqs2 issue #277) — and the
    table must be byte-identical between runs. One thread costs ~2.4x on RPI1807 RNAs
    (1,078 sequences: 60 s instead of 25 s).

    Args:
        molecule: ``rna`` or ``protein``.
        sensitivity: MMseqs2 ``-s`` (prefilter sensitivity; 5.7 is its default).

    Raises:
        ToolError: mmseqs missing or failing, or ids in its output that are not in the FASTA.
        ValueError: unknown molecule.
    """
    if molecule not in MOLECULES:
        raise ValueError(f"molecule must be one of {MOLECULES}, got {molecule!r}")
    ids = set(read_fasta(fasta))
    raw = _search(fasta, fasta, molecule=molecule, sensitivity=sensitivity, max_seqs=len(ids))
    unknown = (set(raw["query"]) | set(raw["target"])) - ids
    if unknown:
        raise ToolError(f"mmseqs returned ids not in {fasta}: {sorted(unknown)[:5]}")
    raw = raw[raw["query"] != raw["target"]]
    identity = _identity(raw)
    both = pd.concat(
        [
            pd.DataFrame({"query": raw["query"], "target": raw["target"], "identity": identity}),
            pd.DataFrame({"query": raw["target"], "target": raw["query"], "identity": identity}),
        ],
        ignore_index=True,
    )
    table = (
        both.groupby(["query", "target"], sort=True, as_index=False)["identity"]
        .max()
        .reset_index(drop=True)
    )
    log.info(
        "%s: %d sequences, %d pairs with an alignment (identity >= 0.9: %d)",
        fasta,
        len(ids),
        len(table) // 2,
        int((table.identity >= 0.9).sum()) // 2,
    )
    write_parquet(table[IDENTITY_COLUMNS], out)
    return table
