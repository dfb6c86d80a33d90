"""Is MMseqs2 protein clustering reproducible across runs under CPU load? (issue 20, item 6)

Clusters one protein FASTA (default: RPI1807's, from a pipeline run) ``--runs`` times with
:func:`rnainteract.annotate.clusters.cluster_proteins` on ``--threads`` threads, while
``--load`` busy-loop processes compete for the cores (thread timings then vary from run to run),
and prints the sha256 of each cluster table and how many distinct tables came out.

    python tests/benchmarks/bench_cluster_determinism.py \
        results/sequences/rpi1807/proteins.fasta --runs 20 --threads 2 --load 2
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import tempfile
import time
from collections import Counter
from pathlib import Path

from rnainteract.annotate.clusters import cluster_proteins


def _burn(stop_at: float) -> None:
    x = 0
    while time.time() < stop_at:
        x = (x * 31 + 7) % 1_000_003


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fasta")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--load", type=int, default=2, help="busy-loop processes")
    args = parser.parse_args()
    digests: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            # a fresh load each run, started at a different moment of the clustering
            burners = [
                multiprocessing.Process(target=_burn, args=(time.time() + 3 + run % 5,))
                for _ in range(args.load)
            ]
            for proc in burners:
                proc.start()
            out = Path(tmp) / f"clusters_{run}.tsv"
            start = time.perf_counter()
            table = cluster_proteins(args.fasta, out, threads=args.threads)
            seconds = time.perf_counter() - start
            for proc in burners:
                proc.join()
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
            digests.append(digest)
            print(
                f"run {run:2d}: {seconds:6.2f} s  {table.cluster.nunique()} clusters  "
                f"sha256 {digest[:16]}",
                flush=True,
            )
    counts = Counter(digests)
    print(
        f"{args.runs} runs, threads={args.threads}, load={args.load}: "
        f"{len(counts)} distinct cluster table(s): {dict(counts)}"
    )


if __name__ == "__main__":
    main()
