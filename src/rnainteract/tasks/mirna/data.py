"""miRNA–target data of the miRAW benchmark: parsers, canonical seed sites, candidate windows.

Two real, public derivatives of miRAW (Pla et al. 2018, PLoS Comput Biol 14:e1006185) are read
(../shared/data/miRAW/PROVENANCE.md):

* **site level** (TEC-miTarget's copy of the miTAR processing): a headerless TSV of
  ``>miRNA  >site  label``. Both sequences carry a leading ``>``, the miRNA is stored **3'→5'**
  and the 40-nt site in the DNA alphabet. :func:`read_site_file` strips the ``>``, reverses the
  miRNA to 5'→3' and maps T→U (:func:`site_orientation_check` measures that the reversal is
  right: canonical seed matches appear in the positive sites only in that orientation);
* **gene level** (TargetNet's copy of miRAW's ``balanced10`` test splits 0–9): a TSV with header
  ``mirna_id mirna_seq mrna_id mrna_seq label [split]``, the miRNA 5'→3' and the full 3'UTR
  (DNA alphabet), 548 positive and 548 negative miRNA–gene pairs per split.

Letters are ``ACGU`` plus ``N``; any other letter is a
:class:`~rnainteract.io.sequences.SequenceError` naming the file and line.

Canonical site types (Bartel 2009, Cell 136:215, Fig. 1; TargetScan): with ``m`` the miRNA
5'→3' and ``rc`` the reverse complement, a target (5'→3') holds a

* ``8mer``: ``rc(m[2..8]) + "A"`` (seed positions 2–8 paired and an A opposite position 1),
* ``7mer_m8``: ``rc(m[2..8])``,
* ``7mer_a1``: ``rc(m[2..7]) + "A"``,
* ``6mer``: ``rc(m[2..7])``,

so every canonical site contains the 6mer and an 8mer is also a 7mer-m8, a 7mer-A1 and a 6mer.

Candidate windows of a 3'UTR (issue 7, point 4) are 40-nt windows, either every ``stride``
nucleotides, or anchored on each canonical 6mer (placed where the seed sits in miRAW's positive
sites: the 6mer starts at window position 29, measured on the training sites), or TargetNet's
relaxed candidate target sites (Min et al. 2022, Bioinformatics 38:671, "extended seed
alignment"): windows whose positions 25–34 pair with miRNA positions 1–10 in at least
``esa_min`` Watson–Crick or G:U wobble pairs under a gap-free-cost alignment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from rnainteract.io.files import write_json, write_parquet
from rnainteract.io.sequences import SequenceError

log = logging.getLogger(__name__)

SITE_LENGTH = 40
"""Length of a candidate target site (miRAW, §Methods; the seed README's 40-nt mRNA input)."""
MIRNA_LENGTH = 30
"""Positions reserved for the miRNA (miRAW's 70-nt input = 30 miRNA + 40 site)."""
SEED_ANCHOR = 29
"""0-based window position of the 6mer's first base in an anchored window: the mode of the
6mer position in miRAW's positive training sites (29: 37 %, 30: 33 %; TEC-miTarget train set)."""
SITE_TYPES = ("8mer", "7mer_m8", "7mer_a1", "6mer")
WINDOW_MODES = ("stride", "canonical", "esa")

TOKENS = {"A": 1, "C": 2, "G": 3, "U": 4, "N": 5}
"""Integer codes of :func:`encode_pairs`; 0 is padding."""
_LOOKUP = np.zeros(256, dtype=np.int64)
for _letter, _code in TOKENS.items():
    _LOOKUP[ord(_letter)] = _code
_COMPLEMENT = str.maketrans("ACGUN", "UGCAN")


def _clean(raw: str, *, what: str, source: str, line: int) -> str:
    seq = raw.strip().upper().replace("T", "U")
    if not seq:
        raise SequenceError(f"{source}: line {line}: empty {what}")
    bad = set(seq) - set(TOKENS)
    if bad:
        raise SequenceError(
            f"{source}: line {line}: {what} has letters {sorted(bad)}; allowed ACGU(T) and N"
        )
    return seq


def _label(raw: str, *, source: str, line: int) -> int:
    raw = raw.strip()
    if raw not in ("0", "1", "0.0", "1.0"):
        raise ValueError(f"{source}: line {line}: label must be 0 or 1, got {raw!r}")
    return int(float(raw))


def read_site_file(path: str | os.PathLike) -> pd.DataFrame:
    """Read a site-level file (TEC-miTarget / miTAR layout; module docstring).

    Returns:
        ``mirna_seq`` (5'→3', ACGU/N), ``site_seq`` (5'→3', ACGU/N), ``label`` (int8 0/1), one row
        per line, in file order.

    Raises:
        ValueError: a line without three tab-separated fields, a field without its leading
            ``>``, or a label other than 0/1 (naming file and line).
        SequenceError: empty sequences or letters outside ACGU(T)/N.
    """
    source = os.fspath(path)
    rows = []
    with open(path) as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            fields = text.rstrip("\r\n").split("\t")
            if len(fields) != 3:
                raise ValueError(
                    f"{source}: line {number}: expected 3 tab-separated fields "
                    f"(>miRNA, >site, label), got {len(fields)}"
                )
            mirna, site, label = fields
            if not (mirna.startswith(">") and site.startswith(">")):
                raise ValueError(
                    f"{source}: line {number}: both sequences must start with '>' "
                    "(TEC-miTarget layout); is this the right parser?"
                )
            rows.append(
                (
                    # stored 3'->5': reverse to the usual 5'->3'
                    _clean(mirna[1:], what="miRNA", source=source, line=number)[::-1],
                    _clean(site[1:], what="site", source=source, line=number),
                    _label(label, source=source, line=number),
                )
            )
    table = pd.DataFrame(rows, columns=["mirna_seq", "site_seq", "label"])
    table["label"] = table.label.astype(np.int8)
    return table


GENE_COLUMNS = ["mirna_id", "mirna_seq", "mrna_id", "mrna_seq", "label"]


def read_gene_file(path: str | os.PathLike) -> pd.DataFrame:
    """Read a gene-level file (TargetNet layout; module docstring).

    Returns:
        ``mirna_id``, ``mirna_seq`` (5'→3'), ``gene_id`` (Ensembl gene), ``utr_seq`` (3'UTR
        5'→3', ACGU/N), ``label`` (int8), one row per data line.

    Raises:
        ValueError: a header other than the TargetNet one, a line with fewer than 5 fields or a
            label other than 0/1 (naming file and line).
        SequenceError: empty sequences or letters outside ACGU(T)/N.
    """
    source = os.fspath(path)
    rows = []
    with open(path) as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        if header[:5] != GENE_COLUMNS:
            raise ValueError(f"{source}: header must start with {GENE_COLUMNS}, got {header}")
        for number, text in enumerate(handle, start=2):
            if not text.strip():
                continue
            fields = text.rstrip("\r\n").split("\t")
            if len(fields) < 5:
                raise ValueError(
                    f"{source}: line {number}: expected >= 5 fields, got {len(fields)}"
                )
            rows.append(
                (
                    fields[0],
                    _clean(fields[1], what="miRNA", source=source, line=number),
                    fields[2],
                    _clean(fields[3], what="3'UTR", source=source, line=number),
                    _label(fields[4], source=source, line=number),
                )
            )
    table = pd.DataFrame(rows, columns=["mirna_id", "mirna_seq", "gene_id", "utr_seq", "label"])
    table["label"] = table.label.astype(np.int8)
    return table


def reverse_complement(seq: str) -> str:
    """Reverse complement of an RNA string (ACGUN)."""
    return seq.translate(_COMPLEMENT)[::-1]


def site_pattern(mirna: str, site_type: str) -> str:
    """The target string (5'→3') of a canonical site type for ``mirna`` (5'→3').

    Raises:
        ValueError: unknown ``site_type`` or a miRNA shorter than 8 nt.
    """
    if len(mirna) < 8:
        raise ValueError(f"miRNA {mirna!r} is shorter than 8 nt: no seed")
    if site_type == "8mer":
        return reverse_complement(mirna[1:8]) + "A"
    if site_type == "7mer_m8":
        return reverse_complement(mirna[1:8])
    if site_type == "7mer_a1":
        return reverse_complement(mirna[1:7]) + "A"
    if site_type == "6mer":
        return reverse_complement(mirna[1:7])
    raise ValueError(f"site type must be one of {SITE_TYPES}, got {site_type!r}")


def count_sites(mirna: str, target: str, site_type: str) -> int:
    """Number of (possibly overlapping) occurrences of ``site_type`` for ``mirna`` in
    ``target`` (both 5'→3')."""
    pattern = site_pattern(mirna, site_type)
    count, start = 0, target.find(pattern)
    while start >= 0:
        count += 1
        start = target.find(pattern, start + 1)
    return count


def site_orientation_check(table: pd.DataFrame) -> dict:
    """Share of positive and negative site pairs holding a canonical 6mer, with the miRNA as
    read (5'→3') and reversed again (as stored): evidence that the reversal is right.

    Args:
        table: :func:`read_site_file` output.
    """
    out = {}
    for name, mirnas in (("as_read", table.mirna_seq), ("as_stored", table.mirna_seq.str[::-1])):
        hits = np.array(
            [count_sites(m, s, "6mer") > 0 for m, s in zip(mirnas, table.site_seq, strict=True)]
        )
        for label in (1, 0):
            mask = (table.label == label).to_numpy()
            out[f"6mer_rate_{name}_label{label}"] = float(hits[mask].mean()) if mask.any() else None
    return out


def encode_pairs(
    mirnas: Sequence[str],
    sites: Sequence[str],
    *,
    mirna_length: int = MIRNA_LENGTH,
    site_length: int = SITE_LENGTH,
) -> np.ndarray:
    """Token matrix of miRNA–site pairs: the miRNA (5'→3') in the first ``mirna_length``
    positions, the site (5'→3') in the next ``site_length``, both right-padded with 0.

    Returns:
        ``(n, mirna_length + site_length)`` int64, codes :data:`TOKENS` (0 = padding).

    Raises:
        ValueError: a miRNA or site longer than its slot, or an empty miRNA.
    """
    n = len(mirnas)
    if len(sites) != n:
        raise ValueError(f"{n} miRNAs but {len(sites)} sites")
    out = np.zeros((n, mirna_length + site_length), dtype=np.int64)
    for i, (mirna, site) in enumerate(zip(mirnas, sites, strict=True)):
        if not 0 < len(mirna) <= mirna_length:
            raise ValueError(f"pair {i}: miRNA length {len(mirna)} not in 1..{mirna_length}")
        if len(site) > site_length:
            raise ValueError(f"pair {i}: site length {len(site)} > {site_length}")
        out[i, : len(mirna)] = _LOOKUP[np.frombuffer(mirna.encode("ascii"), dtype=np.uint8)]
        if site:
            out[i, mirna_length : mirna_length + len(site)] = _LOOKUP[
                np.frombuffer(site.encode("ascii"), dtype=np.uint8)
            ]
    return out


# pairing table of the extended seed alignment: Watson-Crick and G:U wobble count 1
_PAIRS = {("A", "U"), ("U", "A"), ("G", "C"), ("C", "G"), ("G", "U"), ("U", "G")}


def extended_seed_scores(mirna: str, utr: str, *, site_length: int = SITE_LENGTH) -> np.ndarray:
    """TargetNet's extended-seed-alignment score of every window start of ``utr``.

    For a window ``[s, s + site_length)`` the miRNA's positions 1–10 are aligned with the window
    positions ``s + 34`` down to ``s + 25`` (TargetNet reverses the mRNA and aligns miRNA[0:10]
    with reversed-window[5:15]) by a global alignment that scores 1 per Watson–Crick or G:U pair,
    0 per mismatch and 0 per gap (Biopython ``globaldx``): the score is the largest number of
    pairs any order-preserving alignment makes.

    Returns:
        ``(max(0, len(utr) - site_length + 1),)`` int64 scores (0–10).
    """
    n_starts = len(utr) - site_length + 1
    if n_starts <= 0:
        return np.zeros(0, dtype=np.int64)
    seed = mirna[:10]
    codes = np.frombuffer(utr.encode("ascii"), dtype=np.uint8)
    starts = np.arange(n_starts)
    # target letter j of the reversed window segment: utr[s + 34 - j], j = 0..9
    target = [codes[starts + 34 - j] for j in range(10)]
    pair = {
        (i, j): np.isin(target[j], [ord(b) for a, b in _PAIRS if a == seed[i]]).astype(np.int64)
        for i in range(len(seed))
        for j in range(10)
    }
    previous = [np.zeros(n_starts, dtype=np.int64) for _ in range(11)]
    for i in range(len(seed)):
        current = [np.zeros(n_starts, dtype=np.int64)]
        for j in range(10):
            current.append(
                np.maximum(np.maximum(previous[j + 1], current[j]), previous[j] + pair[(i, j)])
            )
        previous = current
    return previous[10]


def candidate_windows(
    mirna: str,
    utr: str,
    *,
    mode: str = "canonical",
    stride: int = 1,
    esa_min: int = 6,
    site_length: int = SITE_LENGTH,
    anchor: int = SEED_ANCHOR,
) -> np.ndarray:
    """Start positions (0-based, sorted, unique) of the candidate windows of a 3'UTR.

    Args:
        mode: ``stride`` (every ``stride`` nt, plus a last window flush with the UTR's end),
            ``canonical`` (one window per canonical 6mer, the 6mer at window position
            ``anchor``, shifted inside the UTR at its ends) or ``esa`` (TargetNet's relaxed
            candidate sites: :func:`extended_seed_scores` ``>= esa_min``, every start).
        stride: step of ``mode="stride"``.

    Returns:
        int64 starts. A UTR shorter than ``site_length`` has the one window ``[0]`` (shorter,
        padded by :func:`encode_pairs`) in ``stride`` mode, in ``canonical`` mode if it holds a
        6mer, and none in ``esa`` mode (TargetNet scans full windows only).

    Raises:
        ValueError: unknown ``mode`` or ``stride < 1``.
    """
    if mode not in WINDOW_MODES:
        raise ValueError(f"window mode must be one of {WINDOW_MODES}, got {mode!r}")
    last = max(0, len(utr) - site_length)
    if mode == "stride":
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        starts = np.arange(0, last + 1, stride)
        if starts[-1] != last:
            starts = np.append(starts, last)
        return starts.astype(np.int64)
    if mode == "canonical":
        pattern = site_pattern(mirna, "6mer")
        hits, start = [], utr.find(pattern)
        while start >= 0:
            hits.append(min(max(start - anchor, 0), last))
            start = utr.find(pattern, start + 1)
        return np.unique(np.asarray(hits, dtype=np.int64))
    if len(utr) < site_length:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(extended_seed_scores(mirna, utr, site_length=site_length) >= esa_min)


def gene_windows(pairs: pd.DataFrame, **options) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Candidate windows of every miRNA–gene pair (:func:`candidate_windows` ``options``).

    Args:
        pairs: ``pair_index``, ``mirna_seq``, ``utr_seq``.

    Returns:
        ``(pair_index, start, site_seq)``: ``(w,)`` int64, ``(w,)`` int64 and the ``w`` window
        strings, pair by pair in table order.
    """
    site_length = options.get("site_length", SITE_LENGTH)
    index, starts, sites = [], [], []
    for pair, mirna, utr in zip(pairs.pair_index, pairs.mirna_seq, pairs.utr_seq, strict=True):
        found = candidate_windows(mirna, utr, **options)
        index.append(np.full(len(found), pair, dtype=np.int64))
        starts.append(found)
        sites.extend(utr[s : s + site_length] for s in found)
    if not index:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    return np.concatenate(index), np.concatenate(starts), sites


def unique_gene_pairs(
    splits: Iterable[tuple[int, pd.DataFrame]], *, sources: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct miRNA–gene pairs of the gene-level splits and which split holds which.

    Args:
        splits: ``(split number, read_gene_file table)`` pairs.
        sources: file names for error messages (same order).

    Returns:
        ``(pairs, membership)``: pairs ``pair_index mirna_id mirna_seq gene_id utr_seq label``
        (one row per distinct ``(mirna_id, gene_id)``) and membership ``split pair_index label``
        (one row per row of the files).

    Raises:
        ValueError: a pair listed with two labels, two miRNA sequences or two UTRs.
    """
    frames = []
    for k, (number, table) in enumerate(splits):
        frames.append(
            table.assign(split=int(number), source=sources[k] if sources else str(number))
        )
    rows = pd.concat(frames, ignore_index=True)
    key = ["mirna_id", "gene_id"]
    for column in ("label", "mirna_seq", "utr_seq"):
        counts = rows.groupby(key)[column].nunique()
        if (counts > 1).any():
            bad = counts[counts > 1].index[0]
            where = sorted(set(rows.source[(rows.mirna_id == bad[0]) & (rows.gene_id == bad[1])]))
            raise ValueError(f"pair {bad[0]}/{bad[1]} has two values of {column} in {where}")
    pairs = rows.drop_duplicates(key)[
        ["mirna_id", "mirna_seq", "gene_id", "utr_seq", "label"]
    ].reset_index(drop=True)
    pairs.insert(0, "pair_index", np.arange(len(pairs), dtype=np.int64))
    membership = rows.merge(pairs[["pair_index", *key]], on=key)[["split", "pair_index", "label"]]
    return pairs, membership.reset_index(drop=True)


def training_sites_in_genes(sites: pd.DataFrame, pairs: pd.DataFrame) -> dict:
    """Leakage check: gene-level pairs whose 3'UTR contains a training site of the same miRNA.

    Args:
        sites: training site pairs (``mirna_seq``, ``site_seq``, ``label``).
        pairs: :func:`unique_gene_pairs` pairs.

    Returns:
        Counts: pairs with a positive training site inside, with only negative ones, by label.
    """
    by_mirna: dict[str, list[tuple[str, int]]] = {}
    for mirna, site, label in zip(sites.mirna_seq, sites.site_seq, sites.label, strict=True):
        by_mirna.setdefault(mirna, []).append((site, int(label)))
    counts = {"n_pairs": int(len(pairs))}
    for mirna, utr, label in zip(pairs.mirna_seq, pairs.utr_seq, pairs.label, strict=True):
        inside = {lab for site, lab in by_mirna.get(mirna, ()) if site in utr}
        kind = "positive_site" if 1 in inside else "negative_site_only" if inside else None
        if kind:
            name = f"label{int(label)}_with_{kind}"
            counts[name] = counts.get(name, 0) + 1
    counts["mirnas_seen_in_training"] = int(pairs.mirna_seq.isin(by_mirna).sum())
    return counts


def build_site_dataset(
    train_files: Sequence[str | os.PathLike],
    test_files: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    stats_out: str | os.PathLike,
    *,
    n_folds: int = 10,
    seed: int = 42,
    mirna_length: int = MIRNA_LENGTH,
    site_length: int = SITE_LENGTH,
) -> pd.DataFrame:
    """Site pairs of the training and test files with cross-validation folds.

    The folds are stratified by label and grouped by the (miRNA, site) sequence pair
    (``StratifiedGroupKFold``, as the gene level groups by pair): a pair listed more than once
    in the training files (``duplicate_train_pairs`` in the stats) has all its copies in one
    fold, so that no copy is tested after training on another (``straddling_pairs``: 0).

    Pairs whose site is not ``site_length`` nt or whose miRNA is longer than ``mirna_length``
    are dropped and counted (``stats_out``).

    Returns (and writes to ``out``):
        ``site_index`` (int64), ``mirna_seq``, ``site_seq``, ``label`` (int8), ``partition``
        (``train``/``test``), ``fold`` (int16: the CV fold of a training pair, -1 for test),
        ``source`` (file name).
    """
    frames, stats = [], {"files": {}, "dropped": {}}
    for partition, files in (("train", train_files), ("test", test_files)):
        for path in files:
            table = read_site_file(path)
            name = os.path.basename(os.fspath(path))
            stats["files"][name] = {
                "partition": partition,
                "rows": len(table),
                "positives": int(table.label.sum()),
            }
            wrong_site = table.site_seq.str.len() != site_length
            long_mirna = table.mirna_seq.str.len() > mirna_length
            stats["dropped"][name] = {
                f"site_not_{site_length}_nt": int(wrong_site.sum()),
                f"mirna_over_{mirna_length}_nt": int((long_mirna & ~wrong_site).sum()),
            }
            if (wrong_site | long_mirna).any():
                log.info(
                    "%s: dropped %d pairs (length filter)",
                    name,
                    int((wrong_site | long_mirna).sum()),
                )
            frames.append(
                table[~(wrong_site | long_mirna)].assign(partition=partition, source=name)
            )
    sites = pd.concat(frames, ignore_index=True)
    sites.insert(0, "site_index", np.arange(len(sites), dtype=np.int64))
    sites["fold"] = np.int16(-1)
    train = np.flatnonzero(sites.partition == "train")
    key = sites.mirna_seq + ":" + sites.site_seq
    folds = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    fold = np.full(len(train), -1, dtype=np.int16)
    groups = pd.factorize(key.to_numpy()[train])[0]
    for k, (_, test) in enumerate(folds.split(train, sites.label.to_numpy()[train], groups)):
        fold[test] = k
    sites.loc[train, "fold"] = fold
    straddling = int((pd.Series(fold).groupby(groups).nunique() > 1).sum())
    in_train = set(key[sites.partition == "train"])
    stats.update(
        n_train=int(len(train)),
        n_test=int((sites.partition == "test").sum()),
        duplicate_train_pairs=int(key[sites.partition == "train"].duplicated().sum()),
        straddling_pairs=straddling,
        test_pairs_also_in_train=int(key[sites.partition == "test"].isin(in_train).sum()),
        orientation=site_orientation_check(sites[sites.partition == "train"]),
        n_folds=n_folds,
        seed=seed,
    )
    write_parquet(sites, out)
    write_json(stats, stats_out)
    return sites


def build_gene_dataset(
    split_files: Sequence[str | os.PathLike],
    sites: str | os.PathLike,
    out_pairs: str | os.PathLike,
    out_membership: str | os.PathLike,
    stats_out: str | os.PathLike,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct miRNA–gene pairs of the gene-level splits (split ``k`` = ``split_files[k]``),
    their split membership, and statistics including the leakage check against the training
    sites (:func:`rnainteract.tasks.mirna.data.training_sites_in_genes`)."""
    names = [os.path.basename(os.fspath(p)) for p in split_files]
    tables = [(k, read_gene_file(path)) for k, path in enumerate(split_files)]
    pairs, membership = unique_gene_pairs(tables, sources=names)
    site_table = pd.read_parquet(sites)
    times = membership.groupby("pair_index").size()
    stats = {
        "splits": {names[k]: {"rows": len(t), "positives": int(t.label.sum())} for k, t in tables},
        "n_pairs": int(len(pairs)),
        "n_positive_pairs": int(pairs.label.sum()),
        "pairs_in_every_split": {
            f"label{lab}": int(
                ((times == len(tables)) & pairs.set_index("pair_index").label.eq(lab)).sum()
            )
            for lab in (0, 1)
        },
        "n_mirnas": int(pairs.mirna_id.nunique()),
        "n_genes": int(pairs.gene_id.nunique()),
        "utr_length": pairs.utr_seq.str.len().describe().round(1).to_dict(),
        "training_sites_in_utrs": training_sites_in_genes(
            site_table[site_table.partition == "train"], pairs
        ),
    }
    write_parquet(pairs, out_pairs)
    write_parquet(membership, out_membership)
    write_json(stats, stats_out)
    return pairs, membership
