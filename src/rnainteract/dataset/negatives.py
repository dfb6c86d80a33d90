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

Samplers. ``sampler="paper"`` (the default) is the above. It ties every molecule's negatives to
its positives: an RNA with ``k`` positives gets exactly ``k`` keep_rna negatives (plus the
keep_protein negatives that draw it as partner), so every molecule's share of positives is about
1/3 and none is purely positive or negative. A held-out pair then moves its molecules' training
share *against* its label (leave-one-out coupling): a held-out positive leaves its RNA with
fewer positives in training, a held-out negative with fewer negatives. The node-degree score
(smoothed training share of positives of each partner, ``models.baselines.degree_score``) is
therefore far *below* chance, and so is any model that learns per-molecule propensities. On
RPI369 positives (5 folds, split seed 42, sampler seeds 0..4) its AUROC is 0.04 (random), 0.12
(rna_family), 0.11 (protein_cold), on RPI1807 positives 0.09, 0.04, 0.27; rewiring the pairs of
RPI369+these negatives at random while keeping each molecule's positive/negative counts still
gives 0.05 (random split), i.i.d. labels on the same rewired pairs 0.45–0.53.

``sampler="degree_neutral"`` (not in the paper) keeps every rule above (family–clan
non-interaction, category tiers, the set rules, seeded determinism, 2 negatives per positive in
total, one keep_rna and one keep_protein per positive *on average*), but randomises how many
negatives each molecule gets: every molecule has a propensity ``w ~ Gamma(shape)`` (scale 1);
the keep_rna (keep_protein) counts are a multinomial over RNAs (proteins) with probabilities
∝ ``k * w`` (``k`` its positives), capped at the molecule's candidates with the overflow
redrawn, and partners within a tier are drawn ∝ ``k * w`` instead of uniformly. The shape is
calibrated per side from :data:`NEUTRAL_SHAPES`: the one whose leave-one-out degree AUROC over
the drawn pairs is nearest 0.5 (:func:`_loo_degree_auroc`). A small shape (strong dispersion)
makes some molecules mostly negative, which offsets the leave-one-out coupling; a large one
evens the shares out (hub-heavy data such as NPInter need that). No shape removes the coupling
itself (that would need molecules without any positive, which positives cannot provide): the
calibration balances the two. Degree AUROC, mean over 5 folds (split seed 42), [min, max] over
sampler seeds 0..4, random / rna_family / protein_cold:

* RPI369 positives: paper 0.04 / 0.12 / 0.11; degree_neutral 0.52 [0.50, 0.53] /
  0.48 [0.46, 0.50] / 0.51 [0.50, 0.53];
* RPI1807: paper 0.09 / 0.04 / 0.27; degree_neutral 0.52 / 0.46 / 0.48 (seed range ≤ 0.04);
* RPI2241: paper 0.17 / 0.10 / 0.44; degree_neutral 0.53 / 0.47 / 0.51;
* NPInter: paper 0.59 / 0.60 / 0.37; degree_neutral 0.52 / 0.49 / 0.43 [0.39, 0.45].

both_cold is 0.50 for any sampler (no test molecule is seen in training). The calibration costs
one full draw per shape (17 draws; ~1 s for RPI369, ~5 s for RPI1807).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import gamma, rankdata

log = logging.getLogger(__name__)

FALLBACKS = ("none", "interacting")
SAMPLERS = ("paper", "degree_neutral")
NEUTRAL_SHAPES = (
    0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0,
)  # fmt: skip
"""Gamma shapes tried per side by ``sampler="degree_neutral"`` (small = strongly dispersed)."""
NEUTRAL_TRAIN_FRACTION = 0.8
"""Share of a molecule's other pairs assumed in training when calibrating (5-fold CV)."""
NEUTRAL_SMOOTHING = 1.0
"""Pseudo-pairs ``a`` of the degree score the calibration neutralises (as in ``degree_score``)."""
NEGATIVE_SIDES = ("keep_rna", "keep_protein")
UNKNOWN_CATEGORY = "unknown"
NEGATIVE_COLUMNS = ["rna_id", "protein_id", "negative_side", "negative_tier"]


@dataclass
class NegativeStats:
    """Counts of one :func:`build_negatives` call (JSON-ready through :meth:`as_dict`).

    ``neutral`` (``degree_neutral`` only): the calibrated ``shape_rna``, ``shape_protein`` and
    the leave-one-out degree AUROC of each side of the returned draw.
    """

    n_positive: int = 0
    n_requested: int = 0
    n_negative: int = 0
    n_unfilled: int = 0
    by_side_tier: dict[str, dict[str, int]] = field(default_factory=dict)
    n_interacting_family_clan_pairs: int = 0
    n_families: int = 0
    n_clans: int = 0
    categories_used: bool = False
    sampler: str = "paper"
    neutral: dict[str, float] = field(default_factory=dict)

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
            "sampler": self.sampler,
            **({"degree_neutral": self.neutral} if self.neutral else {}),
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
    rng: np.random.Generator, tiers: list[np.ndarray], k: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``k`` distinct candidates, exhausting tier 1 before tier 2 (and so on).

    Within a tier the choice is uniform, or proportional to ``weights`` (float64 > 0, one per
    candidate molecule) when given.

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
        if weights is None:
            pick = pool[rng.choice(len(pool), size=take, replace=False)]
        else:
            w = weights[pool]
            pick = pool[rng.choice(len(pool), size=take, replace=False, p=w / w.sum())]
        chosen.append(pick)
        tier_of.append(np.full(take, number, dtype=np.int8))
        need -= take
    if not chosen:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
    return np.concatenate(chosen), np.concatenate(tier_of)


def _draw_side(rng, tiers_of, counts, weights):
    """``counts[i]`` negatives for each anchor ``i`` (in order): anchors, partners, tiers."""
    anchors, partners, tier_numbers = [], [], []
    for i, tiers in enumerate(tiers_of):
        chosen, tier_of = _draw(rng, tiers, int(counts[i]), weights)
        anchors.append(np.full(len(chosen), i, dtype=np.int64))
        partners.append(chosen)
        tier_numbers.append(tier_of)
    return np.concatenate(anchors), np.concatenate(partners), np.concatenate(tier_numbers)


def _draw_all(rng, rna_tiers, prot_tiers, rna_counts, prot_counts, w_rna=None, w_prot=None):
    """keep_rna negatives, then keep_protein negatives that repeat none of them.

    ``rna_counts``: keep_rna negatives per RNA; ``prot_counts``: per protein, or a function of
    each protein's number of candidates left (then called after the keep_rna draw).
    Returns ``(keep_rna_r, keep_rna_p, keep_rna_tier, keep_prot_r, keep_prot_p, keep_prot_tier)``.
    """
    keep_rna_r, keep_rna_p, keep_rna_tier = _draw_side(rng, rna_tiers, rna_counts, w_prot)
    # keep_rna negatives by protein: a keep_protein negative must not repeat one of them
    order = np.argsort(keep_rna_p, kind="stable")
    taken_by_prot = np.split(
        keep_rna_r[order], np.cumsum(np.bincount(keep_rna_p, minlength=len(prot_tiers)))[:-1]
    )
    prot_tiers = [
        [t[~np.isin(t, taken)] for t in tiers] if len(taken) else tiers
        for tiers, taken in zip(prot_tiers, taken_by_prot, strict=True)
    ]
    if callable(prot_counts):
        prot_counts = prot_counts(np.array([sum(map(len, t)) for t in prot_tiers], dtype=np.int64))
    keep_prot_p, keep_prot_r, keep_prot_tier = _draw_side(rng, prot_tiers, prot_counts, w_rna)
    return keep_rna_r, keep_rna_p, keep_rna_tier, keep_prot_r, keep_prot_p, keep_prot_tier


def _capped_multinomial(
    rng: np.random.Generator, total: int, weights: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Counts (int64) ∝ ``weights``, each at most ``capacity``, summing to
    ``min(total, capacity.sum())``: a multinomial whose overflow is redrawn among the rest."""
    counts = np.zeros(len(weights), dtype=np.int64)
    target = min(int(total), int(capacity.sum()))
    while counts.sum() < target:
        w = np.where(counts < capacity, weights, 0.0)
        counts = np.minimum(counts + rng.multinomial(target - counts.sum(), w / w.sum()), capacity)
    return counts


def _loo_degree_auroc(pos_codes: np.ndarray, neg_codes: np.ndarray, n: int) -> float:
    """AUROC of one side's leave-one-out degree score over all pairs of a negative draw.

    For a pair of molecule ``m`` (``k`` positives of ``n_m`` pairs), the score is the smoothed
    positive rate of ``m``'s *other* pairs, thinned to the training share ``t`` of a fold:
    ``(t (k - y) + a p) / (t (n_m - 1) + a)`` (``p`` the positive share, ``a`` =
    :data:`NEUTRAL_SMOOTHING`, ``t`` = :data:`NEUTRAL_TRAIN_FRACTION`): the degree score of
    ``rnainteract.models.baselines.degree_score`` for one side, in expectation over folds.
    """
    if len(pos_codes) == 0 or len(neg_codes) == 0:
        return 0.5
    k = np.bincount(pos_codes, minlength=n).astype(np.float64)
    m = k + np.bincount(neg_codes, minlength=n)
    prior = len(pos_codes) / (len(pos_codes) + len(neg_codes))
    t, a = NEUTRAL_TRAIN_FRACTION, NEUTRAL_SMOOTHING
    score_pos = (t * (k[pos_codes] - 1) + a * prior) / (t * (m[pos_codes] - 1) + a)
    score_neg = (t * k[neg_codes] + a * prior) / (t * (m[neg_codes] - 1) + a)
    ranks = rankdata(np.concatenate([score_pos, score_neg]))
    n_pos, n_neg = len(score_pos), len(score_neg)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _draw_degree_neutral(seed, rna_tiers, prot_tiers, n_per_rna, n_per_prot):
    """The ``degree_neutral`` draw: gamma propensities, shape calibrated per side.

    Returns the six arrays of :func:`_draw_all` and ``{"shape_rna", "shape_protein",
    "loo_auroc_rna", "loo_auroc_protein"}`` of the returned draw.
    """

    def draw(shape_rna: float, shape_prot: float):
        rng = np.random.default_rng(seed)
        # one uniform per molecule, turned into a gamma propensity by its quantile function, so
        # that draws for different shapes are coupled (a molecule keeps its rank)
        w_rna = gamma.ppf(rng.random(len(rna_tiers)), shape_rna)
        w_prot = gamma.ppf(rng.random(len(prot_tiers)), shape_prot)
        # expected negatives of a molecule ∝ its positives k times its propensity, as anchor
        # and as partner alike
        w_rna = n_per_rna * np.maximum(w_rna, 1e-12)
        w_prot = n_per_prot * np.maximum(w_prot, 1e-12)
        cap_rna = np.array([sum(map(len, t)) for t in rna_tiers], dtype=np.int64)
        rna_counts = _capped_multinomial(rng, n_per_rna.sum(), w_rna, cap_rna)

        def prot_counts(capacity):
            return _capped_multinomial(rng, n_per_prot.sum(), w_prot, capacity)

        drawn = _draw_all(rng, rna_tiers, prot_tiers, rna_counts, prot_counts, w_rna, w_prot)
        rna_neg = np.concatenate([drawn[0], drawn[3]])
        prot_neg = np.concatenate([drawn[1], drawn[4]])
        auc = (
            _loo_degree_auroc(pos_r, rna_neg, len(rna_tiers)),
            _loo_degree_auroc(pos_p, prot_neg, len(prot_tiers)),
        )
        return drawn, auc

    pos_r = np.repeat(np.arange(len(n_per_rna)), n_per_rna)
    pos_p = np.repeat(np.arange(len(n_per_prot)), n_per_prot)
    gaps = np.array([np.abs(np.array(draw(a, a)[1]) - 0.5) for a in NEUTRAL_SHAPES])
    # per side the shape whose leave-one-out AUROC is nearest 0.5 (ties: the larger shape)
    best = [NEUTRAL_SHAPES[len(gaps) - 1 - int(np.argmin(gaps[::-1, side]))] for side in (0, 1)]
    drawn, auc = draw(*best)
    shapes = {
        "shape_rna": best[0],
        "shape_protein": best[1],
        "loo_auroc_rna": round(auc[0], 4),
        "loo_auroc_protein": round(auc[1], 4),
    }
    return drawn, shapes


def _fallback_tier(tiers: list[np.ndarray], partners: np.ndarray, n: int) -> np.ndarray:
    """Tier 3: candidates in no other tier that are not positive partners."""
    taken = np.zeros(n, dtype=bool)
    taken[partners] = True
    for tier in tiers:
        taken[tier] = True
    return np.flatnonzero(~taken)


def build_negatives(
    positives: pd.DataFrame, *, seed: int, fallback: str = "none", sampler: str = "paper"
) -> tuple[pd.DataFrame, NegativeStats]:
    """Draw two family–clan-aware negatives per positive pair (App. B.5).

    Args:
        positives: one row per positive pair with ``rna_id``, ``protein_id``, ``family``,
            ``clan`` (str) and optionally ``rna_category``, ``protein_category`` (str; missing or
            all ``unknown`` means no category preference). Pairs must be distinct.
        seed: seed of the draw (same seed and positives → same negatives).
        fallback: ``none`` (the paper: leave a negative unfilled when no non-interacting
            family–clan candidate exists) or ``interacting`` (then take any non-positive pair).
        sampler: ``paper`` (App. B.5: each positive's own RNA and protein anchor one negative
            each; partners uniform within a tier) or ``degree_neutral`` (anchor counts and
            partners drawn by calibrated gamma propensities so that the node-degree score is
            near chance; see the module docstring). The chosen shapes and their leave-one-out
            AUROCs are in ``stats.neutral``.

    Returns:
        ``(negatives, stats)``: negatives with ``rna_id``, ``protein_id``, ``negative_side``
        (``keep_rna``/``keep_protein``) and ``negative_tier`` (int8, 1–3), keep_rna rows first
        (RNAs sorted by id), then keep_protein rows; and the counts.

    Raises:
        ValueError: unknown fallback or sampler, missing columns, duplicate positive pairs, or an
            id with two families/clans/categories.
    """
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}, got {fallback!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
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
    stats = NegativeStats(n_positive=len(pos), n_requested=2 * len(pos), sampler=sampler)
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

    # candidate tiers of every RNA (keep_rna) and protein (keep_protein); no draw happens here
    fam_cache: dict[int, list[np.ndarray]] = {}
    rna_tiers = []
    for r in range(len(rnas)):
        f = rna_fam[r]
        if f not in fam_cache:
            fam_cache[f] = tiers_for(fam_clan[f], fam_pcat[f], prot_clan, prot_cat)
        tiers = list(fam_cache[f])
        if fallback == "interacting":
            tiers.append(_fallback_tier(tiers, partners_of_rna[r], len(prots)))
        rna_tiers.append(tiers)
    clan_cache: dict[int, list[np.ndarray]] = {}
    prot_tiers = []
    for p in range(len(prots)):
        c = prot_clan[p]
        if c not in clan_cache:
            clan_cache[c] = tiers_for(fam_clan[:, c], clan_rcat[c], rna_fam, rna_cat)
        tiers = list(clan_cache[c])
        if fallback == "interacting":
            tiers.append(_fallback_tier(tiers, partners_of_prot[p], len(rnas)))
        prot_tiers.append(tiers)

    if sampler == "paper":
        drawn = _draw_all(rng, rna_tiers, prot_tiers, n_per_rna, n_per_prot)
    else:
        drawn, shapes = _draw_degree_neutral(seed, rna_tiers, prot_tiers, n_per_rna, n_per_prot)
        stats.neutral = shapes
    keep_rna_r, keep_rna_p, keep_rna_tier, keep_prot_r, keep_prot_p, keep_prot_tier = drawn

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
