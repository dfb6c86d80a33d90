"""Benchmark: RNAInter at full scale — ingest the tar.gz and run every filtering step, with the
DuckDB SQL steps of the package and the Arrow stage engine they replaced side by side.

Not a test (prints numbers). Generates a synthetic ``Download_data_RP.tar.gz`` in RNAInter v4's
format (the 13 columns, ``N/A`` for empty evidence, ``PREFIX:id`` raw ids) with realistic column
distributions, ingests it once (pyarrow + ISA-L, shared by both engines), then runs the filtering
passes with each engine (:mod:`rnainteract.sources.rnainter_sql`, DuckDB; ``rnainter_arrow.py`` in
this folder, the frozen Arrow engine), each pass in a fresh process so that its peak RSS is its
own. Checks after every pass that both engines kept the same rows with the same counts, and
prints rows in/out, wall time and peak RSS per step and in total for both.

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
        [--engines arrow duckdb] [--threads 2] [--memory-limit 2GB]

Targets: issue 3, 37M rows in ≤ 3 minutes and ≤ 4 GB peak RSS on a 2-core machine; issue 21,
the DuckDB path's total (ingest included) ≤ 0.65 × the Arrow engine's in the same run and
≤ 3 GB peak RSS.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing as mp
import resource
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from rnainteract.io.files import atomic_path, write_parquet
from rnainteract.sources.rnainter import RNAINTER_COLUMNS
from rnainteract.sources.rnainter_sql import unique_ids

sys.path.insert(0, str(Path(__file__).parent))  # rnainter_arrow.py, the frozen Arrow engine

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


def _passes() -> list:
    """The workflow's grouping (workflow/rules/rnainter.smk): the row-wise steps in one pass,
    sequences + length in another, then dedupe, then the cap."""
    return [
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


def _run_engine(engine: str, steps, src, out, threads: int, memory_limit: str, tmp: str):
    if engine == "arrow":
        import rnainter_arrow

        return rnainter_arrow.run_steps(steps, src, out)
    from rnainteract.sources.rnainter_sql import run_steps

    return run_steps(
        steps, src, out, threads=threads, memory_limit=memory_limit, temp_directory=tmp
    )


def _same_rows(arrow: Path, duckdb_out: Path, raw: Path) -> bool:
    """Both files hold the same rows (row, categories, score, ids; order ignored). The DuckDB
    passes carry ``reoriented`` instead of the categories: those come from the raw row."""
    import duckdb

    query = "SELECT count(*) FROM (({q} EXCEPT ALL {r}) UNION ALL ({r} EXCEPT ALL {q}))"
    q = f"SELECT row, rna_category, protein_category, score, rna_id, protein_id FROM '{arrow}'"
    r = (
        "SELECT row, if(reoriented, Category2, Category1), if(reoriented, Category1, Category2), "
        f"score, rna_id, protein_id FROM '{duckdb_out}' JOIN (SELECT file_row_number AS row, "
        f"Category1, Category2 FROM read_parquet('{raw}', file_row_number = true)) USING (row)"
    )
    with duckdb.connect() as con:
        return con.execute(query.format(q=q, r=r)).fetchone()[0] == 0


def run(n_rows: int, workdir: Path, *, seed: int = 0, engines=("arrow", "duckdb"),
        threads: int = 2, memory_limit: str = "2GB") -> None:  # fmt: skip
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
    raw = workdir / "raw.parquet"
    result, wall, rss = _in_process(_ingest, archive, raw)
    rows = {e: [("ingest (tar.gz -> Parquet)", "", result["rows"], wall, rss)] for e in engines}
    sources = dict.fromkeys(engines, raw)
    tables = None
    for i, steps in enumerate(_passes()):
        outs = {}
        for engine in engines:
            out = workdir / f"{engine}_pass{i}.parquet"
            if steps[0][0] == "sequences":
                if tables is None:
                    t0 = time.perf_counter()
                    tables = _sequence_tables(sources[engine], workdir, seed)
                    print(f"   (synthetic sequence tables: {time.perf_counter() - t0:.1f} s, "
                          "not counted)")  # fmt: skip
                steps[0] = ("sequences", {"rna_tables": tables["rna"],
                                          "protein_tables": tables["protein"]})  # fmt: skip
            tmp = str(workdir / "duckdb_tmp")
            counts, wall, rss = _in_process(
                _run_engine, engine, steps, sources[engine], out, threads, memory_limit, tmp
            )
            for j, c in enumerate(counts):
                label = c["step"] if len(counts) == 1 else f"{c['step']} (pass {i + 1})"
                rows[engine].append((label, c["rows_in"], c["rows_out"], wall if j == 0 else 0.0,
                                     rss, c["reasons"]))  # fmt: skip
            sources[engine] = outs[engine] = out
        if len(engines) == 2:
            a, b = (rows[e][-len(steps) :] for e in engines)
            same_counts = [(x[1], x[2], x[5]) for x in a] == [(y[1], y[2], y[5]) for y in b]
            same = same_counts and _same_rows(outs["arrow"], outs["duckdb"], raw)
            print(f"   pass {i + 1}: both engines keep the same rows and counts: {same}")
            if not same:
                raise SystemExit(f"pass {i + 1}: the engines differ ({outs})")
    header = f"{'step':28s} {'rows in':>12s} {'rows out':>12s}"
    for engine in engines:
        header += f" {engine + ' s':>10s} {engine + ' GiB':>11s}"
    print(header)
    first = rows[engines[0]]
    for k, (name, rin, rout, *_rest) in enumerate(first):
        line = f"{name:28s} {f'{rin:,}' if rin != '' else '':>12s} {rout:>12,}"
        for engine in engines:
            line += f" {rows[engine][k][3]:10.1f} {rows[engine][k][4]:11.2f}"
        print(line)
    totals = {e: sum(r[3] for r in rows[e]) for e in engines}
    line = f"{'total':28s} {'':>12s} {'':>12s}"
    for engine in engines:
        line += f" {totals[engine]:10.1f} {max(r[4] for r in rows[engine]):11.2f}"
    print(line)
    if len(engines) == 2:
        steps_only = {e: totals[e] - rows[e][0][3] for e in engines}
        print(
            f"duckdb / arrow: total {totals['duckdb'] / totals['arrow']:.2f}, "
            f"filtering steps only {steps_only['duckdb'] / steps_only['arrow']:.2f}"
        )


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
    parser.add_argument(
        "--engines", nargs="+", default=["arrow", "duckdb"], choices=["arrow", "duckdb"]
    )
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit")
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
            run(
                n,
                workdir,
                engines=tuple(args.engines),
                threads=args.threads,
                memory_limit=args.memory_limit,
            )
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
