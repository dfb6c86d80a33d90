"""Benchmark: family–clan-aware negatives and the four splits at RNAInterAct scale and 10x.

Not a test (prints numbers). Synthetic positives shaped like RNAInterAct (App. B.4, Tables 6
and 7): 40,000 positives over 4,169 RNAs in 1,148 families and 1,308 proteins in 152 clans, with
the paper's RNA and protein category shares, skewed (Zipf-like) interactor degrees capped at 150
interactions per interactor; the 400,000 case scales molecules and groups by 10 (clans to 659,
all of Pfam's). Usage::

    python3 tests/benchmarks/bench_negatives_splits.py            # 40k and 400k
    python3 tests/benchmarks/bench_negatives_splits.py 40000      # one size

Target (issue 4): under 10 s for 40,000 positives on 2 cores.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from rnainteract.dataset.leakage import leakage_report
from rnainteract.dataset.negatives import build_negatives
from rnainteract.dataset.splits import SPLITS, make_split

RNA_CATEGORIES = {  # Table 6 (percent of interactions)
    "miRNA": 41.60, "snoRNA": 33.37, "snRNA": 6.74, "others": 6.49, "lncRNA": 4.51,
    "ncRNA": 4.12, "rRNA": 1.18, "scaRNA": 1.10, "pseudo": 0.39, "circRNA": 0.25,
    "ribozyme": 0.23, "sncRNA": 0.03,
}  # fmt: skip
PROTEIN_CATEGORIES = {"TF": 61.06, "RBP": 30.26, "Protein": 8.68}
CAP = 150  # interactions per interactor (App. B.4)


def synthetic_positives(n_positive: int, scale: int, seed: int = 0) -> pd.DataFrame:
    """Distinct positive pairs with family, clan, categories and clusters (see module doc)."""
    rng = np.random.default_rng(seed)
    n_rna, n_prot = 4169 * scale, 1308 * scale
    n_fam, n_clan = 1148 * scale, 152 if scale == 1 else 659
    rna_fam = rng.integers(0, n_fam, n_rna)
    prot_clan = rng.integers(0, n_clan, n_prot)
    rw = np.array(list(RNA_CATEGORIES.values()))  # the paper's shares sum to 100.01
    rcat = rng.choice(list(RNA_CATEGORIES), n_rna, p=rw / rw.sum())
    pw = np.array(list(PROTEIN_CATEGORIES.values()))
    pcat = rng.choice(list(PROTEIN_CATEGORIES), n_prot, p=pw / pw.sum())
    rna_w = 1 / np.arange(1, n_rna + 1) ** 0.6
    prot_w = 1 / np.arange(1, n_prot + 1) ** 0.8
    chunks, have = [], 0
    while have < n_positive:
        r = rng.choice(n_rna, 2 * n_positive, p=rna_w / rna_w.sum())
        p = rng.choice(n_prot, 2 * n_positive, p=prot_w / prot_w.sum())
        chunks.append(pd.DataFrame({"r": r, "p": p}))
        pairs = pd.concat(chunks).drop_duplicates()
        pairs = pairs[pairs.groupby("r").cumcount() < CAP]
        pairs = pairs[pairs.groupby("p").cumcount() < CAP]
        have = len(pairs)
    pairs = pairs.head(n_positive)
    r, p = pairs.r.to_numpy(), pairs.p.to_numpy()
    return pd.DataFrame(
        {
            "rna_id": np.char.add("r", r.astype(str)),
            "protein_id": np.char.add("p", p.astype(str)),
            "label": np.ones(len(r), dtype=np.int8),
            "family": np.char.add("RF", rna_fam[r].astype(str)),
            "clan": np.char.add("CL", prot_clan[p].astype(str)),
            "rna_category": rcat[r],
            "protein_category": pcat[p],
            "rna_cluster": np.char.add("rc", r.astype(str)),
            "protein_cluster": np.char.add("pc", p.astype(str)),
        }
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(n_positive: int) -> None:
    scale = max(1, round(n_positive / 40_000))
    positives = synthetic_positives(n_positive, scale)
    print(
        f"\n{n_positive:,} positives: {positives.rna_id.nunique():,} RNAs / "
        f"{positives.family.nunique():,} families, {positives.protein_id.nunique():,} proteins / "
        f"{positives.clan.nunique():,} clans"
    )
    start = time.perf_counter()
    negatives, stats = build_negatives(positives, seed=42)
    t_neg = time.perf_counter() - start
    print(
        f"  build_negatives: {t_neg:6.2f} s  ({stats.n_negative:,} negatives, "
        f"{stats.n_unfilled:,} unfilled, tiers {stats.by_side_tier})"
    )
    molecules = positives.drop(
        columns=["protein_id", "clan", "protein_category", "protein_cluster", "label"]
    ).drop_duplicates("rna_id")
    proteins = positives[["protein_id", "clan", "protein_category", "protein_cluster"]]
    proteins = proteins.drop_duplicates("protein_id")
    table = pd.concat(
        [
            positives,
            negatives.merge(molecules, on="rna_id")
            .merge(proteins, on="protein_id")
            .assign(label=np.int8(0)),
        ],
        ignore_index=True,
    )
    total = t_neg
    for kind in SPLITS:
        start = time.perf_counter()
        split = make_split(table, kind, n_folds=5, seed=42)
        leakage_report(table, split, kind)
        elapsed = time.perf_counter() - start
        total += elapsed
        n_test = int((split.partition == "test").sum())
        print(f"  split {kind:<12}: {elapsed:6.2f} s  ({n_test:,} test rows over all folds)")
    print(f"  total negatives + 4 splits: {total:.2f} s; peak RSS {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [40_000, 400_000]
    for size in sizes:
        bench(size)
