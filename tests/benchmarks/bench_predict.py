"""Benchmark: `rnainteract predict` on one million pairs (1,000 RNAs x 1,000 proteins).

Not a test (prints numbers). Writes 1,000 random RNAs (100-1,000 nt) and 1,000 random proteins
(100-800 aa) as gzipped FASTA (seeded), then runs the console command all-vs-all with a final
model in a fresh process and prints its wall time and peak RSS (the child's ru_maxrss).

Usage::

    python3 tests/benchmarks/bench_predict.py [--model results/final/npinter/rpiseq_rf]
        [--n-rna 1000] [--n-proteins 1000] [--workdir DIR]

Target (issue 18): one million pairs scored by NPInter's final rpiseq_rf in <= 2 minutes and
<= 4 GB peak RSS on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _write(path: Path, prefix: str, letters: str, n: int, lo: int, hi: int, rng) -> None:
    alphabet = np.array(list(letters))
    with gzip.open(path, "wt") as handle:
        for i in range(n):
            seq = "".join(rng.choice(alphabet, size=int(rng.integers(lo, hi + 1))))
            handle.write(f">{prefix}{i:05d}\n{seq}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/final/npinter/rpiseq_rf")
    parser.add_argument("--n-rna", type=int, default=1000)
    parser.add_argument("--n-proteins", type=int, default=1000)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    if not (Path(args.model) / "training.json").is_file():
        sys.exit(f"{args.model}: no final model; run `snakemake --cores 2` first")
    rng = np.random.default_rng(18)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        tmp = Path(tmp)
        _write(tmp / "rna.fa.gz", "query_rna_", "ACGU", args.n_rna, 100, 1000, rng)
        _write(tmp / "proteins.fa.gz", "query_protein_", "ACDEFGHIKLMNPQRSTVWY",
               args.n_proteins, 100, 800, rng)  # fmt: skip
        n_pairs = args.n_rna * args.n_proteins
        cmd = [
            sys.executable, "-m", "rnainteract.cli", "predict", "--model", args.model,
            "--rna", str(tmp / "rna.fa.gz"), "--protein", str(tmp / "proteins.fa.gz"),
            "--max-pairs", str(n_pairs), "-o", str(tmp / "out.tsv"),
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        with open(tmp / "out.tsv") as handle:
            rows = sum(1 for line in handle if not line.startswith("#")) - 1
    print(f"model {args.model}: {rows:,} pairs ({args.n_rna} RNAs x {args.n_proteins} proteins)")
    print(f"wall time: {wall:.1f} s   peak RSS: {peak_gb:.2f} GB   (target: <= 120 s, <= 4 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
