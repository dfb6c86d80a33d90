"""Benchmark: embedding 1,000 sequences naively (one at a time) vs through the pipeline.

Not a test (prints numbers). Proteins: 1,000 random sequences with lengths drawn like
RNAInterAct's (App. B, Fig. 4: roughly log-normal, clipped to 50–1024 aa), embedded with the
ESM-2 t6_8M architecture (random init: same compute as the real weights). RNAs (only with the
optional ``multimolecule``): 1,000 sequences of 50–1024 nt (most 50–250), RNA-FM architecture.

(a) naive: one sequence per forward pass, in file order; (b) the pipeline:
:func:`rnainteract.features.embeddings.cache.write_embeddings` (length-sorted batches under a token
budget, inference mode, shards). Prints sequences/s, tokens/s and peak RSS. Usage::

    python3 tests/benchmarks/bench_embeddings.py [n_sequences] [--rna]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rnainteract.features.embeddings.cache import write_embeddings
from rnainteract.features.embeddings.embedders import load_embedder

ESM2_T6 = {"hidden_size": 320, "num_hidden_layers": 6, "num_attention_heads": 20,
           "intermediate_size": 1280, "max_position_embeddings": 1026}  # fmt: skip


def lengths(n: int, rng: np.random.Generator, median: float, sigma: float) -> np.ndarray:
    return np.clip(rng.lognormal(np.log(median), sigma, n), 50, 1024).astype(int)


def sequences(n: int, molecule: str, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    if molecule == "protein":
        letters, sizes = list("ACDEFGHIKLMNPQRSTVWY"), lengths(n, rng, 380, 0.55)
    else:
        letters, sizes = list("ACGU"), lengths(n, rng, 120, 0.7)
    return ["".join(rng.choice(letters, size)) for size in sizes]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, seconds: float, n: int, n_tokens: int) -> None:
    print(
        f"  {label:<15}: {seconds:7.1f} s  {n / seconds:6.2f} seq/s  "
        f"{n_tokens / seconds:8.0f} tok/s  peak RSS {peak_rss_mb():,.0f} MB"
    )


def bench(molecule: str, n: int, budget: int | None = None) -> None:
    kind = "esm2" if molecule == "protein" else "rnafm"
    config = ESM2_T6 if kind == "esm2" else {}
    embedder = load_embedder(f"bench_{kind}", kind, None, allow_random_init=True,
                             random_config=config, threads=2)  # fmt: skip
    seqs = sequences(n, molecule)
    n_tokens = sum(len(s) for s in seqs)
    print(
        f"\n{kind} ({embedder.dim}-d, random init), {n} {molecule} sequences, {n_tokens:,} residues"
    )
    start = time.perf_counter()
    for seq in seqs:  # cut to the model window, as the pipeline's truncate policy does
        embedder.embed([seq[: embedder.window]])
    naive = time.perf_counter() - start
    report("(a) naive loop", naive, n, n_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        fasta = Path(tmp) / "seqs.fa"
        fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
        start = time.perf_counter()
        write_embeddings([fasta], embedder, Path(tmp) / "out.parquet", cache_dir=Path(tmp) / "c",
                         token_budget=budget, progress=False)  # fmt: skip
        piped = time.perf_counter() - start
    report("(b) pipeline", piped, n, n_tokens)
    print(f"  speed-up (b)/(a): {naive / piped:.2f}x")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 1000
    bench("protein", count)
    if "--rna" in sys.argv:
        bench("rna", count)
