"""Regenerate the tiny synthetic fixtures of tests/data (seeded; see README.md here).

python tests/data/make_fixtures.py
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
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
    make_hmms(proteins, out)
    if "--cm" in sys.argv:
        make_cm(rna, out)


def make_hmms(proteins: dict[str, str], out: Path) -> None:
    """Profile HMMs of clans 1 and 2 (with Pfam-style names, accessions and GA cut-offs) and a
    Pfam-A.clans.tsv in which only the first belongs to a clan."""
    import pyhmmer

    alphabet = pyhmmer.easel.Alphabet.amino()
    builder = pyhmmer.plan7.Builder(alphabet, seed=1)
    background = pyhmmer.plan7.Background(alphabet)
    with open(out / "tiny_pfam.hmm", "wb") as handle:
        for clan in (1, 2):
            members = [(k, v) for k, v in proteins.items() if k.startswith(str(clan))]
            msa = pyhmmer.easel.TextMSA(
                name=f"TinyDom{clan}".encode(),
                sequences=[
                    pyhmmer.easel.TextSequence(name=k.encode(), sequence=v) for k, v in members
                ],
            ).digitize(alphabet)
            hmm, _, _ = builder.build_msa(msa, background)
            hmm.accession = f"PF9000{clan}.1"
            hmm.cutoffs.gathering = (25.0, 25.0)
            hmm.write(handle)
    (out / "tiny_pfam_clans.tsv").write_text(
        "PF90001\tCL9001\tTinyClan\tTinyDom1\tsynthetic domain of clan 1\n"
        "PF90002\t\t\tTinyDom2\tsynthetic domain without clan\n"
    )


def make_cm(rna: dict[str, str], out: Path) -> None:
    """A calibrated covariance model of RNA family 1 (no structure) with GA 20 bits, and a clan
    file naming it."""
    members = [(k, v) for k, v in rna.items() if k.startswith("1")]
    with tempfile.TemporaryDirectory() as tmp:
        sto = Path(tmp) / "fam1.sto"
        width = len(members[0][1])
        lines = ["# STOCKHOLM 1.0", "#=GF ID TinyFam1", "#=GF AC RT90001", "#=GF GA 20.00"]
        lines += [f"{k:20s} {v}" for k, v in members] + [
            f"{'#=GC SS_cons':20s} {'.' * width}",
            "//",
        ]
        sto.write_text("\n".join(lines) + "\n")
        cm = Path(tmp) / "tiny.cm"
        subprocess.run(["cmbuild", "-F", str(cm), str(sto)], check=True, capture_output=True)
        subprocess.run(
            ["cmcalibrate", "--cpu", "2", "--seed", "1", str(cm)], check=True, capture_output=True
        )
        (out / "tiny_rfam.cm").write_bytes(cm.read_bytes())
    (out / "tiny_rfam.clanin").write_text("CL90001\tTinyFam1\n")


if __name__ == "__main__":
    main()
