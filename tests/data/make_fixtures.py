"""Regenerate the tiny synthetic fixtures of tests/data (seeded; see README.md here).

python tests/data/make_fixtures.py
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).parent
N_FAMILIES = 6  # RNA families = protein clans
MEMBERS = 3  # sequences per family / clan
AMINO = "ACDEFGHIKLMNPQRSTVWY"


def mutate(seq: str, alphabet: str, rate: float, rng: random.Random) -> str:
    return "".join(rng.choice(alphabet) if rng.random() < rate else c for c in seq)


def main() -> None:
    rng = random.Random(20261127)
    rna, proteins = {}, {}
    for fam in range(N_FAMILIES):
        # family-specific composition so that RPISeq's k-mer features can tell families apart
        rna_letters = "ACGU" + "ACGU"[fam % 4] * 3
        prot_letters = AMINO + AMINO[fam * 3 : fam * 3 + 3] * 4
        rna_root = "".join(rng.choice(rna_letters) for _ in range(rng.randint(70, 110)))
        prot_root = "".join(rng.choice(prot_letters) for _ in range(rng.randint(90, 140)))
        for m in range(MEMBERS):
            # PDB-style ids in mixed case, as the real benchmark copies use them
            rna[f"{fam + 1}r{m}x-R"] = mutate(rna_root, "ACGU", 0.04, rng)
            proteins[f"{fam + 1}P{m}X-a"] = mutate(prot_root, AMINO, 0.05, rng)
    pairs = []
    rna_ids, prot_ids = list(rna), list(proteins)
    for r in rna_ids:
        fam = int(r[0]) - 1
        partners = [p for p in prot_ids if int(p[0]) - 1 == fam]
        others = [p for p in prot_ids if int(p[0]) - 1 != fam]
        for p in rng.sample(partners, 2):
            pairs.append((p, r, 1))
        for p in rng.sample(others, 2):
            pairs.append((p, r, 0))
    rng.shuffle(pairs)
    out = HERE / "mirror" / "tiny"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "pairs.txt", "w") as handle:
        for p, r, label in pairs:
            handle.write(f"{p.lower() if rng.random() < 0.5 else p}\t{r}\t{label}\n")
    with open(out / "rna.fa", "w") as handle:
        for rid, seq in rna.items():
            handle.write(f">{rid}\n{seq}\n")
    with open(out / "proteins.fa", "w") as handle:
        for pid, seq in proteins.items():
            handle.write(f">{pid}\n{seq}\n")


if __name__ == "__main__":
    main()
