"""Sequence features of the classical RPI predictors.

RPISeq (Muppirala, Honavar & Dobbs, BMC Bioinformatics 12:489, 2011, "Methods"): an RNA is the
normalized frequency vector of its 4-mers over ``ACGU`` (4^4 = 256 values) and a protein the
normalized frequency vector of its 3-mers over the 7-letter conjoint-triad alphabet of Shen et al.
(PNAS 104:4337, 2007) (7^3 = 343 values); a pair is the concatenation (599 values).

"Normalized frequency" here is count / number of valid k-mers in the sequence, so each vector
sums to 1 (0 for a sequence shorter than k). A k-mer that overlaps an unknown letter (``N`` in RNA,
``X`` or a letter outside the 20 amino acids in protein) is skipped.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rnainteract.io.fasta import read_fasta
from rnainteract.io.files import write_parquet

RNA_ALPHABET = "ACGU"
# Shen et al. 2007, Table 1 (classes by dipole and side-chain volume); class order as published
CONJOINT_TRIAD_CLASSES = ("AGV", "ILFP", "YMTS", "HNQW", "RK", "DE", "C")
_CT_CODE = {aa: str(i) for i, group in enumerate(CONJOINT_TRIAD_CLASSES) for aa in group}


def reduce_to_conjoint_triad(protein: str) -> str:
    """Map a protein to conjoint-triad class digits ``0``–``6``; other letters become ``?``."""
    return "".join(_CT_CODE.get(aa, "?") for aa in protein.upper())


def kmer_names(alphabet: str, k: int) -> list[str]:
    """All k-mers over ``alphabet`` in lexicographic order of the alphabet (index order)."""
    return ["".join(p) for p in itertools.product(alphabet, repeat=k)]


def kmer_frequencies(sequence: str, alphabet: str, k: int) -> np.ndarray:
    """Normalized k-mer frequencies of ``sequence``.

    Returns:
        ``(len(alphabet) ** k,)`` float32, indexed like :func:`kmer_names`; sums to 1, or all zeros
        when the sequence has no valid k-mer.
    """
    size = len(alphabet)
    lookup = np.full(256, -1, dtype=np.int64)
    for i, letter in enumerate(alphabet):
        lookup[ord(letter)] = i
    codes = lookup[np.frombuffer(sequence.encode("ascii", "replace"), dtype=np.uint8)]
    counts = np.zeros(size**k, dtype=np.float64)
    n = len(codes) - k + 1
    if n > 0:
        windows = np.lib.stride_tricks.sliding_window_view(codes, k)
        valid = (windows >= 0).all(axis=1)
        weights = size ** np.arange(k - 1, -1, -1)
        np.add.at(counts, windows[valid] @ weights, 1.0)
    total = counts.sum()
    return (counts / total if total else counts).astype(np.float32)


FEATURE_SETS = {
    # name: (molecule, alphabet, k-mer lengths, sequence transform)
    "rna_kmer4": ("rna", RNA_ALPHABET, (4,), None),
    "protein_ctriad3": ("protein", "0123456", (3,), reduce_to_conjoint_triad),
    # XRPI-style (rnainteract.models.classic.xrpi): every k-mer length up to 4 (RNA) / 3 (protein)
    "rna_kmer1to4": ("rna", RNA_ALPHABET, (1, 2, 3, 4), None),
    "protein_ctriad1to3": ("protein", "0123456", (1, 2, 3), reduce_to_conjoint_triad),
}


# the multimodal model's RNA descriptors (GC, MFE, loops, ...): rnainteract.features.tabular
TABULAR_SET = "rna_tabular"


def feature_size(feature_set: str) -> int:
    """Number of columns (besides ``id``) of a feature set's table."""
    _, alphabet, ks, _ = FEATURE_SETS[feature_set]
    return sum(len(alphabet) ** k for k in ks)


def feature_table(fasta: str | os.PathLike, feature_set: str) -> pd.DataFrame:
    """Compute a feature set for every record of a FASTA file (:func:`feature_frame`).

    Raises:
        ValueError: unknown feature set.
        SequenceError: an unreadable FASTA file (:func:`rnainteract.io.fasta.read_fasta`).
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; known: {sorted(FEATURE_SETS)}")
    return feature_frame(read_fasta(fasta), feature_set)


def feature_frame(records: Mapping[str, str], feature_set: str) -> pd.DataFrame:
    """Compute a feature set for ``{id: sequence}`` (canonical letters: upper case, U for RNA).

    Each k-mer length is normalized on its own (sums to 1 per length).

    Returns:
        DataFrame with ``id`` then one float32 column per k-mer (named ``<set>:<k-mer>``), the
        k-mer lengths in increasing order; rows in the order of ``records``.

    Raises:
        ValueError: unknown feature set.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; known: {sorted(FEATURE_SETS)}")
    _, alphabet, ks, transform = FEATURE_SETS[feature_set]
    sequences = [transform(seq) if transform else seq for seq in records.values()]
    matrix = (
        np.stack(
            [np.concatenate([kmer_frequencies(seq, alphabet, k) for k in ks]) for seq in sequences]
        )
        if sequences
        else np.zeros((0, feature_size(feature_set)), dtype=np.float32)
    )
    columns = [f"{feature_set}:{name}" for k in ks for name in kmer_names(alphabet, k)]
    table = pd.DataFrame(matrix, columns=columns)
    table.insert(0, "id", list(records))
    return table


def write_feature_table(
    fasta: str | os.PathLike, feature_set: str, out: str | os.PathLike
) -> pd.DataFrame:
    """:func:`feature_table` written to Parquet (atomically); ``rna_tabular`` is the ViennaRNA
    descriptor table of :mod:`rnainteract.features.tabular`."""
    if feature_set == TABULAR_SET:
        from rnainteract.features.tabular import (
            write_rna_tabular_table,
        )  # ViennaRNA: imported on use

        return write_rna_tabular_table(fasta, out)
    table = feature_table(fasta, feature_set)
    write_parquet(table, out)
    return table


def pair_matrix(
    pairs: pd.DataFrame,
    rna_features: pd.DataFrame,
    protein_features: pd.DataFrame,
    *,
    names: tuple[str, str] = ("the RNA feature table", "the protein feature table"),
) -> np.ndarray:
    """Concatenate the RNA and protein feature rows of each pair.

    Args:
        names: the two feature tables' files (or descriptions), for the messages.

    Returns:
        ``(n_pairs, n_rna_features + n_protein_features)`` float32.

    Raises:
        KeyError: an id of the pair table has no feature row (names the table and the ids).
    """
    rna = rna_features.set_index("id")
    prot = protein_features.set_index("id")
    for name, ids, table, source in (
        ("RNA", pairs.rna_id, rna, names[0]),
        ("protein", pairs.protein_id, prot, names[1]),
    ):
        missing = set(ids) - set(table.index)
        if missing:
            raise KeyError(
                f"{source}: {len(missing)} {name} id(s) of the pair table have no feature row, "
                f"e.g. {sorted(missing)[:5]}"
            )
    return np.hstack(
        [
            rna.loc[pairs.rna_id].to_numpy(np.float32),
            prot.loc[pairs.protein_id].to_numpy(np.float32),
        ]
    )
