"""Family–clan-aware negative pairs (RNAInterAct, Matus et al., App. B.5).

The positives define a *family–clan interaction network*: RNA family ``f`` and protein clan ``c``
interact when some RNA of ``f`` and some protein of ``c`` form a positive pair. Each family is
annotated with the protein categories of its members' partners, each clan with the RNA
categories of its members' partners (App. B.5, first paragraph).

For every positive pair ``(r, p)`` two negatives are drawn (App. B.5, second paragraph):

* ``keep_rna``: ``(r, p')`` with ``p'`` from a clan that does not interact with ``r``'s family
  and, if possible, whose category is not among those interacting with ``r``'s family;
* ``keep_protein``: ``(r', p)`` with ``r'`` from a family that does not interact with ``p``'s
  clan and, if possible, whose category is not among those interacting with ``p``'s clan.

Candidates come in tiers: tier 1 is a non-interacting family–clan pair *and* a non-interacting
category, tier 2 a non-interacting family–clan pair whose category does interact (taken only
when tier 1 is exhausted). Without categories (the classic benchmarks) every candidate is tier 2.
Tier 3 (optional, ``fallback="interacting"``; not in the paper) is any pair that is not a known
positive, used only when tiers 1 and 2 are exhausted. Without a candidate a negative is left
unfilled and counted; the paper's 1:2 ratio holds whenever valid candidates exist.

Rules that make the result a set, not a multiset: the ``keep_rna`` negatives of one RNA are
distinct proteins, the ``keep_protein`` negatives of one protein distinct RNAs, and a
``keep_protein`` negative never repeats a ``keep_rna`` one. Since a tier-1/2 negative pairs a
family and a clan with no positive between them, it can never be a known positive.

Choices within a tier are uniform over sequences (not over clans or families), drawn with one
``numpy.random.Generator(PCG64(seed))`` in a fixed order (RNAs, then proteins, each sorted by
id), so a seed gives exactly one negative set, whatever the order of the input rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

FALLBACKS = ("none", "interacting")
NEGATIVE_SIDES = ("keep_rna", "keep_protein")
UNKNOWN_CATEGORY = "unknown"
NEGATIVE_COLUMNS = ["rna_id", "protein_id", "negative_side", "negative_tier"]


@dataclass
class NegativeStats:
    """Counts of one :func:`build_negatives` call (JSON-ready through :meth:`as_dict`)."""

    n_positive: int = 0
    n_requested: int = 0
    n_negative: int = 0
    n_unfilled: int = 0
    by_side_tier: dict[str, dict[str, int]] = field(default_factory=dict)
    n_interacting_family_clan_pairs: int = 0
    n_families: int = 0
    n_clans: int = 0
    categories_used: bool = False

    def as_dict(self) -> dict:
        ratio = self.n_negative / self.n_positive if self.n_positive else None
        return {
            "n_positive": self.n_positive,
            "n_negative_requested": self.n_requested,
            "n_negative": self.n_negative,
            "n_negative_unfilled": self.n_unfilled,
            "negative_to_positive_ratio": ratio,
            "by_side_tier": self.by_side_tier,
            "n_interacting_family_clan_pairs": self.n_interacting_family_clan_pairs,
            "n_families": self.n_families,
            "n_clans": self.n_clans,
            "categories_used": self.categories_used,
        }


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the code of each element (int64)."""
    uniques, codes = np.unique(values.to_numpy(dtype=object).astype(str), return_inverse=True)
    return uniques, codes.astype(np.int64)


def _molecule_table(positives: pd.DataFrame, id_col: str, group_col: str, cat_col: str):
    """One row per distinct molecule (sorted by id) with its group and category.

    Raises:
        ValueError: an id listed with two different groups or categories.
    """
    table = positives[[id_col, group_col, cat_col]].drop_duplicates()
    clash = table[id_col].duplicated(keep=False)
    if clash.any():
        bad = table[clash].sort_values(id_col).head(4).to_dict("records")
        raise ValueError(f"{id_col}: one id with two {group_col}/{cat_col} values, e.g. {bad}")
    return table.sort_values(id_col, kind="stable").reset_index(drop=True)


def _draw(
    rng: np.random.Generator, tiers: list[np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``k`` distinct candidates, exhausting tier 1 before tier 2 (and so on).

    Returns the chosen candidate indices and the tier number (1-based) of each.
    """
    chosen, tier_of = [], []
    need = k
    for number, pool in enumerate(tiers, start=1):
        if need == 0:
            break
        if len(pool) == 0:
            continue
        take = min(need, len(pool))
        pick = pool[rng.choice(len(pool), size=take, replace=False)]
        chosen.append(pick)
        tier_of.append(np.full(take, number, dtype=np.int8))
        need -= take
    if not chosen:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
    return np.concatenate(chosen), np.concatenate(tier_of)


def _fallback_tier(tiers: list[np.ndarray], partners: np.ndarray, n: int) -> np.ndarray:
    """Tier 3: candidates in no other tier that are not positive partners."""
    taken = np.zeros(n, dtype=bool)
    taken[partners] = True
    for tier in tiers:
        taken[tier] = True
    return np.flatnonzero(~taken)


def build_negatives(
    positives: pd.DataFrame, *, seed: int, fallback: str = "none"
) -> tuple[pd.DataFrame, NegativeStats]:
    """Draw two family–clan-aware negatives per positive pair (App. B.5).

    Args:
        positives: one row per positive pair with ``rna_id``, ``protein_id``, ``family``,
            ``clan`` (str) and optionally ``rna_category``, ``protein_category`` (str; missing or
            all ``unknown`` means no category preference). Pairs must be distinct.
        seed: seed of the draw (same seed and positives → same negatives).
        fallback: ``none`` (the paper: leave a negative unfilled when no non-interacting
            family–clan candidate exists) or ``interacting`` (then take any non-positive pair).

    Returns:
        ``(negatives, stats)``: negatives with ``rna_id``, ``protein_id``, ``negative_side``
        (``keep_rna``/``keep_protein``) and ``negative_tier`` (int8, 1–3), keep_rna rows first
        (RNAs sorted by id), then keep_protein rows; and the counts.

    Raises:
        ValueError: unknown fallback, missing columns, duplicate positive pairs, or an id with two
            families/clans/categories.
    """
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}, got {fallback!r}")
    missing = [c for c in ("rna_id", "protein_id", "family", "clan") if c not in positives]
    if missing:
        raise ValueError(f"positives lack column(s) {missing}")
    pos = positives.copy()
    for col in ("rna_category", "protein_category"):
        if col not in pos:
            pos[col] = UNKNOWN_CATEGORY
        pos[col] = pos[col].fillna(UNKNOWN_CATEGORY).astype(str)
    dup = pos.duplicated(["rna_id", "protein_id"])
    if dup.any():
        raise ValueError(
            f"{int(dup.sum())} duplicate positive pair(s), e.g. "
            f"{pos.loc[dup, ['rna_id', 'protein_id']].head(3).to_dict('records')}"
        )
    stats = NegativeStats(n_positive=len(pos), n_requested=2 * len(pos))
    if pos.empty:
        return pd.DataFrame(columns=NEGATIVE_COLUMNS), stats
    rng = np.random.default_rng(seed)

    rnas = _molecule_table(pos, "rna_id", "family", "rna_category")
    prots = _molecule_table(pos, "protein_id", "clan", "protein_category")
    families, rna_fam = _codes(rnas.family)
    clans, prot_clan = _codes(prots.clan)
    rcats, rna_cat = _codes(rnas.rna_category)
    pcats, prot_cat = _codes(prots.protein_category)
    use_categories = not (set(rcats) <= {UNKNOWN_CATEGORY} and set(pcats) <= {UNKNOWN_CATEGORY})
    stats.categories_used = use_categories
    stats.n_families, stats.n_clans = len(families), len(clans)

    rna_index = pd.Index(rnas.rna_id)
    prot_index = pd.Index(prots.protein_id)
    pos_r = rna_index.get_indexer(pos.rna_id)
    pos_p = prot_index.get_indexer(pos.protein_id)
    # the network: family x clan, family x protein category, clan x RNA category
    fam_clan = np.zeros((len(families), len(clans)), dtype=bool)
    fam_clan[rna_fam[pos_r], prot_clan[pos_p]] = True
    fam_pcat = np.zeros((len(families), len(pcats)), dtype=bool)
    fam_pcat[rna_fam[pos_r], prot_cat[pos_p]] = True
    clan_rcat = np.zeros((len(clans), len(rcats)), dtype=bool)
    clan_rcat[prot_clan[pos_p], rna_cat[pos_r]] = True
    stats.n_interacting_family_clan_pairs = int(fam_clan.sum())

    n_per_rna = np.bincount(pos_r, minlength=len(rnas))
    n_per_prot = np.bincount(pos_p, minlength=len(prots))
    # positive partners, for the tier-3 fallback only
    order = np.lexsort((pos_p, pos_r))
    partners_of_rna = np.split(pos_p[order], np.cumsum(n_per_rna)[:-1])
    order = np.lexsort((pos_r, pos_p))
    partners_of_prot = np.split(pos_r[order], np.cumsum(n_per_prot)[:-1])

    def tiers_for(group_row: np.ndarray, cat_row: np.ndarray, cand_group, cand_cat):
        """Candidate indices by tier for a family (or clan) row of the network."""
        valid = ~group_row[cand_group]
        if use_categories:
            preferred = valid & ~cat_row[cand_cat]
            return [np.flatnonzero(preferred), np.flatnonzero(valid & ~preferred)]
        return [np.empty(0, dtype=np.int64), np.flatnonzero(valid)]  # all tier 2

    out_r, out_p, out_tier = [], [], []
    fam_cache: dict[int, list[np.ndarray]] = {}
    for r in range(len(rnas)):
        f = rna_fam[r]
        if f not in fam_cache:
            fam_cache[f] = tiers_for(fam_clan[f], fam_pcat[f], prot_clan, prot_cat)
        tiers = list(fam_cache[f])
        if fallback == "interacting":
            tiers.append(_fallback_tier(tiers, partners_of_rna[r], len(prots)))
        chosen, tier_of = _draw(rng, tiers, int(n_per_rna[r]))
        out_r.append(np.full(len(chosen), r, dtype=np.int64))
        out_p.append(chosen)
        out_tier.append(tier_of)
    keep_rna_r = np.concatenate(out_r)
    keep_rna_p = np.concatenate(out_p)
    keep_rna_tier = np.concatenate(out_tier)
    # keep_rna negatives by protein: a keep_protein negative must not repeat one of them
    order = np.argsort(keep_rna_p, kind="stable")
    taken_by_prot = np.split(
        keep_rna_r[order], np.cumsum(np.bincount(keep_rna_p, minlength=len(prots)))[:-1]
    )

    out_r, out_p, out_tier = [], [], []
    clan_cache: dict[int, list[np.ndarray]] = {}
    for p in range(len(prots)):
        c = prot_clan[p]
        if c not in clan_cache:
            clan_cache[c] = tiers_for(fam_clan[:, c], clan_rcat[c], rna_fam, rna_cat)
        tiers = list(clan_cache[c])
        if fallback == "interacting":
            tiers.append(_fallback_tier(tiers, partners_of_prot[p], len(rnas)))
        if len(taken_by_prot[p]):
            tiers = [t[~np.isin(t, taken_by_prot[p])] for t in tiers]
        chosen, tier_of = _draw(rng, tiers, int(n_per_prot[p]))
        out_r.append(chosen)
        out_p.append(np.full(len(chosen), p, dtype=np.int64))
        out_tier.append(tier_of)
    keep_prot_r = np.concatenate(out_r)
    keep_prot_p = np.concatenate(out_p)
    keep_prot_tier = np.concatenate(out_tier)

    negatives = pd.DataFrame(
        {
            "rna_id": rna_index.to_numpy()[np.concatenate([keep_rna_r, keep_prot_r])],
            "protein_id": prot_index.to_numpy()[np.concatenate([keep_rna_p, keep_prot_p])],
            "negative_side": np.repeat(NEGATIVE_SIDES, [len(keep_rna_r), len(keep_prot_r)]),
            "negative_tier": np.concatenate([keep_rna_tier, keep_prot_tier]).astype(np.int8),
        }
    )
    counts: dict[str, dict[str, int]] = {}
    for side in NEGATIVE_SIDES:
        tiers = negatives.negative_tier[negatives.negative_side == side].value_counts()
        counts[side] = {f"tier_{int(t)}": int(n) for t, n in sorted(tiers.items())}
        counts[side]["unfilled"] = len(pos) - int(tiers.sum())
    stats.by_side_tier = counts
    stats.n_negative = len(negatives)
    stats.n_unfilled = stats.n_requested - stats.n_negative
    if stats.n_unfilled:
        log.warning(
            "%d of %d negatives unfilled: no candidate from a non-interacting family-clan pair%s",
            stats.n_unfilled,
            stats.n_requested,
            "" if fallback == "interacting" else " (fallback: none)",
        )
    return negatives, stats
