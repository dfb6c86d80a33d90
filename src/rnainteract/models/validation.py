"""Validation cuts of a fold's train part for early stopping and tuning, following the split.

A model selected on a random cut of its training pairs is selected for molecules it has seen;
in a cold split (:mod:`rnainteract.dataset.splits`: test RNAs and/or proteins never occur in
training) the test asks about unseen ones. :func:`validation_split` therefore holds out whole
RNA and/or protein groups of the train part when it is given the split's groups
(:attr:`rnainteract.models.inputs.PairInputs.validation_groups`), and a stratified random cut,
as before groups existed, when it is not.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

log = logging.getLogger(__name__)

GROUPED_ATTEMPTS = 10
"""Seeded draws a grouped validation cut tries before it gives up (:func:`validation_split`)."""


def as_validation_groups(groups, n: int) -> np.ndarray | None:
    """``groups`` as an ``(n, k)`` int64 array (k 1 or 2), or ``None`` for no groups (``None``
    or an ``(n, 0)`` array); an ``(n,)`` array is one column.

    Raises:
        ValueError: not ``n`` rows, more than two columns, or not integer.
    """
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim == 1:
        groups = groups[:, None]
    if groups.ndim != 2 or len(groups) != n or groups.shape[1] > 2:
        raise ValueError(
            f"validation groups must be (n,) or (n, k<=2) with n = {n} rows, got {groups.shape}"
        )
    if groups.shape[1] == 0:
        return None
    if not np.issubdtype(groups.dtype, np.integer):
        raise ValueError(f"validation groups must be integer codes, got dtype {groups.dtype}")
    return groups.astype(np.int64, copy=False)


def validation_split(
    y: np.ndarray, fraction: float, seed: int, *, groups=None
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of a seeded train/validation cut of a fold's train part (early stopping and
    tuning look at the validation positions only, never at the fold's test part).

    Without ``groups`` (a random split) the cut is stratified: ``round(fraction * n_c)`` random
    positions of each class ``c`` are held out. With ``groups`` — the groups of a cold split's
    cold sides (:func:`rnainteract.models.inputs.read_validation_groups`) — the cut follows the
    split, so that model selection rewards what the test measures (molecules never seen in
    training):

    * one column (``rna_family``, ``protein_cold``, ``*_cold_id``): whole groups are held out,
      stratified as far as groups allow: scikit-learn's ``StratifiedGroupKFold`` with
      ``round(1 / fraction)`` folds (shuffled, seeded; capped by the number of groups) and, as
      the validation part, its fold closest in size to ``fraction * n`` whose two parts each
      hold every class of ``y``;
    * two columns (``both_cold``, ``both_cold_id``): the RNA groups and the protein groups are
      each put in a seeded random order, and for a share ``q`` each side holds out its first
      groups until they cover ``q`` of the pairs (never all of them). The validation part is
      the pairs whose RNA *and* protein are held out, the training part the pairs with neither;
      a pair with one side held out is in neither part (counted in the log). ``q`` is chosen
      (binary search over the steps) so that the validation part is as close as possible to
      ``fraction * n`` pairs: with independent sides this is ``q ≈ sqrt(fraction)`` and leaves
      ``(1 - q)^2`` of the pairs for training (as in the ``both_cold`` split itself, whose
      fold-crossing pairs are in neither part either), but the search follows the pairs as
      they are. On fold 0 of the project's five datasets (both_cold, both_cold_id; fraction
      0.1) the training part keeps 40–51 % of the fold's train part; the best unequal shares
      per side would keep at most 4 points more (rpi369, rpi1807, rpi2241, npinter), so the
      simpler rule stays.

    A grouped cut must leave every class of ``y`` in both parts; if a draw does not, the next
    of :data:`GROUPED_ATTEMPTS` seeded draws (seeds derived from ``(seed, attempt)``) is tried,
    then the fit gets no validation part, with a logged WARNING naming the reason (a fold
    whose train part is one group, or whose positives all sit in one group): an ungrouped cut
    would select for seen molecules, and a failed job would stop the whole run. Tuning, which
    needs a validation part, then refuses (:func:`rnainteract.models.tuning.tune_learning_rate`).

    Args:
        y: ``(n,)`` labels (0/1, or any integer strata); fraction: share held out (0 → no
            validation part; fewer than 10 rows → none either).
        seed: seeds the cut (non-negative when ``groups`` is given).
        groups: ``None``, or ``(n,)`` / ``(n, k)`` (k ≤ 2) integer group codes aligned with
            ``y``; an ``(n, 0)`` array means no groups.

    Returns:
        ``(train_positions, validation_positions)``, int64, each sorted, disjoint; with two
        group columns they need not cover ``0 … n - 1``.

    Raises:
        ValueError: ``groups`` of a bad shape or dtype, or ``fraction`` >= 1 with groups.
    """
    y = np.asarray(y)
    n = len(y)
    groups = as_validation_groups(groups, n)
    if groups is None:
        return _stratified_split(y, fraction, seed)
    if fraction <= 0 or n < 10:
        return np.arange(n, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if fraction >= 1:
        raise ValueError(f"validation fraction must be below 1, got {fraction}")
    classes = np.unique(y)
    reason = ""
    for attempt in range(GROUPED_ATTEMPTS):
        state = int(np.random.SeedSequence([seed, attempt]).generate_state(1)[0])
        if groups.shape[1] == 1:
            cut, reason = _one_side_cut(y, groups[:, 0], fraction, state, classes)
        else:
            cut, reason = _two_side_cut(y, groups, fraction, state, classes)
        if cut is not None:
            train, validation = cut
            log.info(
                "grouped validation cut (%d group column(s), attempt %d): %d train, "
                "%d validation, %d pairs in neither (one side held out)",
                groups.shape[1],
                attempt,
                len(train),
                len(validation),
                n - len(train) - len(validation),
            )
            return train, validation
    n_groups = [len(np.unique(g)) for g in groups.T]
    log.warning(
        "no grouped validation cut of %d pairs (%s groups per cold side, fraction %s) leaves "
        "every class %s in both parts after %d seeded draws (last: %s); no validation part: "
        "this fit trains on all %d pairs without early stopping (an ungrouped cut would select "
        "for molecules seen in training)",
        n,
        n_groups,
        fraction,
        classes.tolist(),
        GROUPED_ATTEMPTS,
        reason,
        n,
    )
    return np.arange(n, dtype=np.int64), np.zeros(0, dtype=np.int64)


def _stratified_split(y: np.ndarray, fraction: float, seed: int):
    """The ungrouped cut of :func:`validation_split` (unchanged since before groups)."""
    n = len(y)
    if fraction <= 0 or n < 10:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        k = int(round(fraction * len(members)))
        if 0 < k < len(members):
            held.append(rng.choice(members, size=k, replace=False))
    validation = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    train = np.setdiff1d(np.arange(n), validation)
    return train.astype(np.int64), validation.astype(np.int64)


def _has_classes(y: np.ndarray, train: np.ndarray, validation: np.ndarray, classes) -> str:
    """Why a cut is unusable ('' if it is usable)."""
    for name, part in (("training", train), ("validation", validation)):
        if len(part) == 0:
            return f"empty {name} part"
        missing = np.setdiff1d(classes, y[part])
        if len(missing):
            return f"{name} part of {len(part)} pairs lacks class(es) {missing.tolist()}"
    return ""


def _one_side_cut(y, groups, fraction, state, classes):
    """Whole groups of one side held out (StratifiedGroupKFold), see :func:`validation_split`."""
    n = len(y)
    n_groups = len(np.unique(groups))
    largest_class = int(np.bincount(np.unique(y, return_inverse=True)[1]).max())
    n_splits = min(max(2, round(1 / fraction)), n_groups, largest_class)
    if n_splits < 2:
        return None, f"{n_groups} group(s): nothing to hold out"
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=state)
    with warnings.catch_warnings():  # "least populated class has only … members": checked below
        warnings.simplefilter("ignore", UserWarning)
        parts = [np.sort(test) for _, test in folds.split(np.zeros(n), y, groups)]
    reason = ""
    for validation in sorted(parts, key=lambda p: abs(len(p) - fraction * n)):
        train = np.setdiff1d(np.arange(n), validation)
        reason = _has_classes(y, train, validation, classes)
        if not reason:
            return (train.astype(np.int64), validation.astype(np.int64)), ""
    return None, reason


def _drawn_order(codes: np.ndarray, rng: np.random.Generator):
    """Per pair, the rank of its group in a random order of the groups, and the share of the
    pairs that the groups up to each rank cover (``(n_groups,)``, increasing to 1)."""
    _, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    order = rng.permutation(len(counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse], np.cumsum(counts[order]) / len(codes)


def _two_side_cut(y, groups, fraction, state, classes):
    """RNA and protein groups held out together, see :func:`validation_split`."""
    n = len(y)
    rng = np.random.default_rng(state)
    sides = [_drawn_order(groups[:, j], rng) for j in range(2)]
    if min(len(cover) for _, cover in sides) < 2:
        return None, "a side with a single group: nothing to hold out"

    def held(q: float) -> list[np.ndarray]:
        # groups taken: the first t whose cover reaches q, at least 1, never all
        out = []
        for rank, cover in sides:
            t = min(max(1, int(np.searchsorted(cover, q - 1e-12)) + 1), len(cover) - 1)
            out.append(rank < t)
        return out

    def n_validation(q: float) -> int:
        rna, protein = held(q)
        return int(np.count_nonzero(rna & protein))

    steps = np.unique(np.concatenate([cover[:-1] for _, cover in sides]))
    target = fraction * n
    low, high = 0, len(steps) - 1  # smallest step whose validation part reaches the target
    if n_validation(steps[high]) >= target:
        while low < high:
            middle = (low + high) // 2
            if n_validation(steps[middle]) >= target:
                high = middle
            else:
                low = middle + 1
    chosen = [high] + ([high - 1] if high > 0 else [])
    q = min(steps[chosen], key=lambda s: (abs(n_validation(s) - target), s))
    rna, protein = held(q)
    validation = np.flatnonzero(rna & protein)
    train = np.flatnonzero(~rna & ~protein)
    reason = _has_classes(y, train, validation, classes)
    if reason:
        return None, reason
    return (train.astype(np.int64), validation.astype(np.int64)), ""
