"""Benchmark: RNAInter at full scale — ingest the tar.gz and run every filtering step.

Not a test (prints numbers). Generates a synthetic ``Download_data_RP.tar.gz`` in RNAInter v4's
format (the 13 columns, ``N/A`` for empty evidence, ``PREFIX:id`` raw ids) with realistic column
distributions, then runs :mod:`rnainteract.sources.rnainter` step by step, each step in a fresh
process so that its peak RSS is its own. Prints rows in/out, wall time and peak RSS per step and
in total.

Distributions (RNAInterAct App. B.1–B.4 and the RNAInter v4 paper): interactors are drawn with
Zipf-like weights (a few transcription factors and RNAs carry millions of rows, as RNAInter's
predicted TF–RNA rows do), so pairs repeat (duplicates) and the 150-per-interactor cap bites;
~60 % of rows have an mRNA, categories and species as in the tables of App. B.4; raw ids are
mostly ``NCBI:<GeneID>`` with Ensembl, miRBase and NONCODE RNAs and UniProt proteins; scores are
right-skewed in [0, 1] with 4 decimals. Sequence lengths (for the length step) are log-normal
(RNA median ~150 nt, protein ~450 aa), 3 % of ids unobtainable.

The row-wise steps run fused as in the workflow (one pass: rna_protein, categories, species,
map_ids; another: sequences, length); a fused pass's wall time is printed on its first step.

Usage::

    python3 tests/benchmarks/bench_rnainter.py 1000000 10000000 37000000 [--workdir DIR [--keep]]

Target (issue 3): 37M rows in ≤ 3 minutes and ≤ 4 GB peak RSS on a 2-core machine.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing as mp
import resource
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from rnainteract.io.files import atomic_path, write_parquet
from rnainteract.sources.rnainter import RNAINTER_COLUMNS, run_steps, unique_ids

RNA_CATEGORIES = {
    "mRNA": 0.60, "lncRNA": 0.14, "miRNA": 0.06, "pseudo": 0.05, "snoRNA": 0.04, "ncRNA": 0.03,
    "others": 0.025, "snRNA": 0.02, "circRNA": 0.015, "rRNA": 0.01, "scaRNA": 0.004,
    "ribozyme": 0.003, "sncRNA": 0.003, "unknown": 0.005,
}  # fmt: skip
PROTEIN_CATEGORIES = {"TF": 0.61, "RBP": 0.30, "Protein": 0.09}
SPECIES = {"Homo sapiens": 0.55, "Mus musculus": 0.35, "Rattus norvegicus": 0.04,
           "Drosophila melanogaster": 0.03, "Arabidopsis thaliana": 0.03}  # fmt: skip
RNA_PREFIXES = {"NCBI": 0.88, "Ensembl": 0.06, "miRBase": 0.03, "NONCODE": 0.025, "Other": 0.005}
PROTEIN_PREFIXES = {"NCBI": 0.985, "UniProt": 0.014, "Other": 0.001}
WEAK = ["HITS-CLIP", "PAR-CLIP", "eCLIP", "iCLIP", "RIP-Seq", "CLIP-Seq"]
STRONG = ["Western blot", "RNA pull-down", "Luciferase reporter assay", "RIP"]
PREDICT = ["Scan pipeline widely used MATCH algorithm", "catRAPID", "RPISeq"]
CHUNK = 1_000_000


def _choice(rng, table: dict[str, float], n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k] for k in keys])
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=p / p.sum())]


def _interactors(rng, n: int, molecule: str) -> dict[str, pa.Array]:
    """Per-interactor attributes (consistent across every row that names the interactor)."""
    if molecule == "rna":
        category = _choice(rng, RNA_CATEGORIES, n)
        prefix = _choice(rng, RNA_PREFIXES, n)
    else:
        category = _choice(rng, PROTEIN_CATEGORIES, n)
        prefix = _choice(rng, PROTEIN_PREFIXES, n)
    species = _choice(rng, SPECIES, n)
    idx = np.arange(n)
    accession = np.where(
        prefix == "NCBI",
        (idx + 1000).astype(str),
        np.where(
            prefix == "Ensembl",
            np.char.add("ENSG", np.char.zfill(idx.astype(str), 11)),
            np.where(
                prefix == "miRBase",
                np.char.add("MIMAT", np.char.zfill(idx.astype(str), 7)),
                np.where(
                    prefix == "NONCODE",
                    np.char.add("NONHSAT", np.char.zfill(idx.astype(str), 6)),
                    np.char.add("X", idx.astype(str)),
                ),
            ),
        ),
    )
    symbol = np.char.add("R" if molecule == "rna" else "P", idx.astype(str))
    raw_id = np.char.add(np.char.add(prefix.astype(str), ":"), accession)
    return {
        "symbol": pa.array(symbol),
        "category": pa.array(category.astype(str)),
        "species": pa.array(species.astype(str)),
        "raw_id": pa.array(raw_id),
    }


def _zipf_indices(rng, n_items: int, n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n_items + 1) ** exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    order = rng.permutation(n_items)  # popular interactors spread over the id range
    return order[np.searchsorted(cdf, rng.random(n))]


def _evidence(rng, values: list[str], p_present: float, n: int) -> pa.Array:
    picked = np.array(values, dtype=object)[rng.integers(0, len(values), n)]
    return pa.array(np.where(rng.random(n) < p_present, picked, "N/A").astype(str))


def generate(path: Path, n_rows: int, *, seed: int = 0) -> None:
    """Write a synthetic RNAInter RP table of ``n_rows`` as ``path`` (a tar.gz of one TSV)."""
    rng = np.random.default_rng(seed)
    n_rna, n_protein = max(1000, n_rows // 60), max(300, n_rows // 120)
    rna, protein = _interactors(rng, n_rna, "rna"), _interactors(rng, n_protein, "protein")
    tsv = path.with_suffix("").with_suffix(".txt")
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    with open(tsv, "wb") as handle:
        handle.write(("\t".join(RNAINTER_COLUMNS) + "\n").encode())
        with pacsv.CSVWriter(handle, _schema(), write_options=options) as writer:
            for start in range(0, n_rows, CHUNK):
                n = min(CHUNK, n_rows - start)
                ri = pa.array(_zipf_indices(rng, n_rna, n, 0.8))
                pi = pa.array(_zipf_indices(rng, n_protein, n, 1.1))
                ids = pc.utf8_lpad(
                    pc.cast(pa.array(np.arange(start, start + n)), pa.string()), 8, "0"
                )
                score = np.round(rng.beta(1.2, 5.0, n), 4)
                columns = [
                    pc.binary_join_element_wise("RP", ids, ""),
                    pc.take(rna["symbol"], ri), pc.take(rna["category"], ri),
                    pc.take(rna["species"], ri),
                    pc.take(protein["symbol"], pi), pc.take(protein["category"], pi),
                    pc.take(protein["species"], pi),
                    pc.take(rna["raw_id"], ri), pc.take(protein["raw_id"], pi),
                    pc.cast(pa.array(score), pa.string()),
                    _evidence(rng, STRONG, 0.02, n), _evidence(rng, WEAK, 0.35, n),
                    _evidence(rng, PREDICT, 0.7, n),
                ]  # fmt: skip
                writer.write_table(pa.Table.from_arrays(columns, schema=_schema()))
    # atomic: a later --keep run reuses the archive, so a killed run must not leave half of one
    with atomic_path(path) as tmp, tarfile.open(tmp, "w:gz", compresslevel=1) as archive:
        archive.add(tsv, arcname="Download_data_RP.txt")
    tsv.unlink()


def _schema() -> pa.Schema:
    return pa.schema([(c, pa.string()) for c in RNAINTER_COLUMNS])


def _sequence_tables(mapped: Path, workdir: Path, seed: int) -> dict[str, list[str]]:
    """Synthetic sequence tables (lengths only matter downstream): one per molecule/database."""
    rng = np.random.default_rng(seed + 1)
    ids = unique_ids(mapped)
    tables: dict[str, list[str]] = {"rna": [], "protein": []}
    for (molecule, database), accessions in ids.items():
        n = len(accessions)
        median, sigma = (150, 1.0) if molecule == "rna" else (450, 0.6)
        length = np.maximum(18, rng.lognormal(np.log(median), sigma, n)).astype(np.int64)
        ok = rng.random(n) > 0.03
        import pandas as pd

        table = pd.DataFrame(
            {
                "id": [f"{database}:{a}" for a in accessions],
                "accession": accessions,
                "record": accessions,
                "sequence": None,
                "status": np.where(ok, "ok", "not found"),
                "length": pd.array(np.where(ok, length, 0), dtype="Int64"),
            }
        )
        table.loc[~ok, "length"] = pd.NA
        out = workdir / f"seq_{molecule}_{database}.parquet"
        write_parquet(table, out)
        tables[molecule].append(str(out))
    return tables


def _in_process(fn, *args, **kwargs) -> tuple[object, float, float]:
    """Run ``fn`` in a fresh process; return (result, wall s, peak RSS GiB of that process)."""
    with cf.ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        start = time.perf_counter()
        result, rss_kib = pool.submit(_measured, fn, *args, **kwargs).result()
        return result, time.perf_counter() - start, rss_kib / 2**20


def _measured(fn, *args, **kwargs):
    result = fn(*args, **kwargs)
    # VmHWM is this process image's own high-water mark (ru_maxrss would include the parent's
    # RSS at fork time on Linux).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return result, int(line.split()[1])
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _ingest(archive: Path, out: Path) -> dict:
    from rnainteract.sources.rnainter import ingest_rnainter

    return ingest_rnainter(archive, out)


def run(n_rows: int, workdir: Path, *, seed: int = 0) -> None:
    archive = workdir / f"rnainter_{n_rows}.tar.gz"
    start = time.perf_counter()
    if archive.exists():  # kept from an earlier run (--keep): same seed, same file
        print(f"\n== {n_rows:,} rows: reusing {archive}")
    else:
        generate(archive, n_rows, seed=seed)
        print(
            f"\n== {n_rows:,} rows: generated {archive.stat().st_size / 2**20:,.0f} MiB tar.gz "
            f"in {time.perf_counter() - start:.0f} s (not counted)"
        )
    rows = []
    raw = workdir / "raw.parquet"
    result, wall, rss = _in_process(_ingest, archive, raw)
    rows.append(("ingest (tar.gz -> Parquet)", "", result["rows"], wall, rss))
    # the workflow's grouping (workflow/rules/rnainter.smk): row-wise steps fused in one pass
    passes = [
        [
            ("rna_protein", {}),
            ("categories", {"exclude_rna_categories": ["mRNA", "unknown"]}),
            ("species", {"species": ["Homo sapiens", "Mus musculus"]}),
            ("map_ids", {}),
        ],
        [("sequences", None), ("length", {"max_rna_length": 1024, "max_protein_length": 1024})],
        [("dedupe", {})],
        [("cap", {"max_per_interactor": 150, "seed": 42})],
    ]
    src = raw
    for i, steps in enumerate(passes):
        out = workdir / f"pass{i}.parquet"
        if steps[0][0] == "sequences":
            t0 = time.perf_counter()
            tables = _sequence_tables(src, workdir, seed)
            print(f"   (synthetic sequence tables: {time.perf_counter() - t0:.1f} s, not counted)")
            steps[0] = (
                "sequences",
                {"rna_tables": tables["rna"], "protein_tables": tables["protein"]},
            )
        counts, wall, rss = _in_process(run_steps, steps, src, out)
        for j, c in enumerate(counts):
            label = c["step"] if len(counts) == 1 else f"{c['step']} (pass {i + 1})"
            rows.append((label, c["rows_in"], c["rows_out"], wall if j == 0 else 0.0, rss))
        src = out
    print(f"{'step':28s} {'rows in':>12s} {'rows out':>12s} {'wall s':>8s} {'peak RSS GiB':>13s}")
    for name, rin, rout, wall, rss in rows:
        rin_text = f"{rin:,}" if rin != "" else ""
        print(f"{name:28s} {rin_text:>12s} {rout:>12,} {wall:8.1f} {rss:13.2f}")
    total = sum(r[3] for r in rows)
    print(f"{'total':28s} {'':>12s} {'':>12s} {total:8.1f} {max(r[4] for r in rows):13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000_000])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the files in WORKDIR/bench_rnainter_<rows> (needs --workdir); a later run "
        "with --keep reuses the generated archive there",
    )
    args = parser.parse_args()
    if args.keep and args.workdir is None:
        parser.error("--keep needs --workdir")
    for n in args.sizes:
        if args.keep:
            workdir = args.workdir / f"bench_rnainter_{n}"
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(tempfile.mkdtemp(prefix=f"bench_rnainter_{n}_", dir=args.workdir))
        try:
            run(n, workdir)
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
