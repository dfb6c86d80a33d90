"""Shortcut baselines: scores that learn nothing about how an RNA and a protein interact.

Bernett, Blumenthal & List (Briefings in Bioinformatics 25:bbae076, 2024, "Cracking the black
box of deep sequence-based protein–protein interaction prediction") showed that baselines using
only the node degree of each molecule in the training network reach the accuracy of published
models on random splits. A model is worth its score only where it beats these:

* ``degree``: each partner's smoothed share of positive training pairs (:func:`degree_score`);
* ``degree_propagation``: label propagation over the graph of pairs (:func:`propagation_score`);
* ``rna_only`` / ``protein_only``: the RPISeq random forest on one partner's features alone
  (:func:`one_partner_forest`);
* ``nearest_neighbour``: the labels of the most similar training pairs by sequence identity
  (:func:`nearest_neighbour_score`).

Common inputs: ``table``, the dataset's pair table (row ``i`` = ``pair_index`` ``i``; columns
``rna_id``, ``protein_id``, ``label`` 0/1), and ``train``, ``test``, int64 row positions of the
fold's two parts. Scores are ``(len(test),)`` float64, higher = more likely interacting;
:func:`baseline_scores` adds each baseline's 0/1 decision.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg

from rnainteract.features.kmers import pair_matrix
from rnainteract.models.classic.rpiseq import build_random_forest
from rnainteract.models.crossval import score_and_decision
from rnainteract.models.registry import BASELINE_FEATURES, BASELINES

# the feature set each one-partner forest reads (RPISeq's, Muppirala et al. 2011)
PARTNER_FEATURES = {
    "rna_only": ("rna", BASELINE_FEATURES["rna_features"]),
    "protein_only": ("protein", BASELINE_FEATURES["protein_features"]),
}
_ID_COLUMN = {"rna": "rna_id", "protein": "protein_id"}
log = logging.getLogger(__name__)


def _fold(table: pd.DataFrame, train, test) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Checked ``(train, test, labels, prior)``: int64 positions, ``(n_pairs,)`` float64 0/1
    labels, and the positive share of the training pairs.

    Raises:
        ValueError: a missing column, a label other than 0/1, an empty train part, positions
            outside the table, or a pair in both parts.
    """
    missing = [c for c in ("rna_id", "protein_id", "label") if c not in table.columns]
    if missing:
        raise ValueError(f"pair table lacks column(s) {missing}")
    y = table.label.to_numpy()
    bad = ~np.isin(y, (0, 1))
    if bad.any():
        raise ValueError(f"pair table: label of pair {int(np.flatnonzero(bad)[0])} is not 0/1")
    train, test = np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64)
    for part, index in (("train", train), ("test", test)):
        outside = (index < 0) | (index >= len(table))
        if outside.any():
            raise ValueError(
                f"{part} position {int(index[outside][0])} outside 0..{len(table) - 1} "
                "of the pair table"
            )
    if len(train) == 0:
        raise ValueError("the train part is empty; a baseline needs training pairs")
    both = np.intersect1d(train, test)
    if len(both):
        raise ValueError(f"pair {int(both[0])} (and {len(both) - 1} more) in train and test")
    y = y.astype(np.float64)
    return train, test, y, float(y[train].mean())


def _codes(table: pd.DataFrame, molecule: str) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each pair's RNA or protein (``(n_pairs,)`` int64) and the ids in code
    order."""
    codes, ids = pd.factorize(table[_ID_COLUMN[molecule]])
    return codes.astype(np.int64), pd.Index(ids)


def degree_score(table: pd.DataFrame, train, test, *, smoothing: float = 1.0) -> np.ndarray:
    """Node-degree baseline: how often each partner interacts in the training pairs.

    For a molecule ``m``, ``r_m = (k_m + a * p) / (n_m + a)``: ``k_m`` positives among the
    ``n_m`` training pairs of ``m``, ``p`` the positive share of all training pairs and ``a``
    the smoothing (pseudo-pairs at the prior); a molecule absent from training gets ``p``. The
    score of a test pair is ``(r_rna + r_protein) / 2``. After Bernett et al. 2024 (their
    degree baselines, here as a positive rate rather than a count, since negatives are pairs
    of the same network).

    Returns:
        ``(len(test),)`` float64 in [0, 1].

    Raises:
        ValueError: ``smoothing`` < 0, or a bad table or fold (:func:`_fold`).
    """
    if not smoothing >= 0:
        raise ValueError(f"smoothing must be >= 0, got {smoothing}")
    train, test, y, prior = _fold(table, train, test)
    score = np.zeros(len(test), dtype=np.float64)
    for molecule in ("rna", "protein"):
        codes, ids = _codes(table, molecule)
        positives = np.bincount(codes[train], weights=y[train], minlength=len(ids))
        pairs = np.bincount(codes[train], minlength=len(ids)).astype(np.float64)
        rate = np.full(len(ids), prior)
        seen = pairs > 0
        rate[seen] = (positives[seen] + smoothing * prior) / (pairs[seen] + smoothing)
        score += rate[codes[test]] / 2
    return score


def propagation_score(
    table: pd.DataFrame, train, test, *, max_iter: int = 10_000, tol: float = 1e-8
) -> np.ndarray:
    """Label propagation over the graph of pairs: the harmonic function of Zhu, Ghahramani &
    Lafferty (ICML 2003), the "degree propagation" baseline of Bernett et al. 2024.

    Nodes are the fold's pairs (train and test; pairs in neither part are left out); two pairs
    are adjacent when they share an RNA or a protein (weight 1; 2 if they share both, which
    only a duplicated pair can). Training pairs are clamped to their labels; each test pair's
    score is the weighted mean of its neighbours' scores (the harmonic solution
    ``f_U = (D_UU - A_UU)^-1 A_UL y_L``). A test pair with no path to a training pair gets the
    training prior ``p``.

    Why not networkx: ``node_classification.harmonic_function`` (used by Bernett et al.) returns
    hard labels only, after a fixed number of Jacobi steps, on an explicit graph. Here the
    adjacency is never built: with ``R``, ``P`` the pair × RNA and pair × protein incidence
    matrices, ``A x = R (R^T x) + P (P^T x) - 2x``, and the symmetric positive definite system
    is solved by conjugate gradients (scipy ``cg``, Jacobi preconditioner) to a relative
    residual of ``tol``: O(pairs) memory and time per step, whatever the hub degrees.

    Args:
        max_iter: most CG steps; tol: relative residual at which CG stops.

    Returns:
        ``(len(test),)`` float64 in [0, 1].

    Raises:
        ValueError: a bad table or fold (:func:`_fold`).
        (CG missing ``tol`` in ``max_iter`` steps is logged as a WARNING, and its last iterate
        used.)
    """
    train, test, y, prior = _fold(table, train, test)
    nodes = np.concatenate([train, test])
    n_train = len(train)
    rna, rna_ids = _codes(table, "rna")
    protein, protein_ids = _codes(table, "protein")
    rows = np.arange(len(nodes))
    ones = np.ones(len(nodes))
    R = sp.csr_array((ones, (rows, rna[nodes])), shape=(len(nodes), len(rna_ids)))
    P = sp.csr_array((ones, (rows, protein[nodes])), shape=(len(nodes), len(protein_ids)))

    def adjacency(x: np.ndarray) -> np.ndarray:
        return R @ (R.T @ x) + P @ (P.T @ x) - 2 * x

    degree = adjacency(ones)
    # a test pair reaches a training pair iff its RNA's component of the bipartite molecule
    # graph (edges = the fold's pairs) holds a training pair
    bipartite = sp.coo_array(
        (ones, (rna[nodes], len(rna_ids) + protein[nodes])),
        shape=(len(rna_ids) + len(protein_ids),) * 2,
    )
    _, component = connected_components(bipartite, directed=False)
    labelled = np.zeros(component.max() + 1, dtype=bool)
    labelled[component[rna[train]]] = True
    reached = labelled[component[rna[test]]]

    score = np.full(len(test), prior)
    unknown = n_train + np.flatnonzero(reached)  # node positions of the test pairs to solve
    if len(unknown) == 0:
        return score
    clamped = np.zeros(len(nodes))
    clamped[:n_train] = y[train]
    rhs = adjacency(clamped)[unknown]

    def laplacian(x: np.ndarray) -> np.ndarray:
        full = np.zeros(len(nodes))
        full[unknown] = x.ravel()
        return degree[unknown] * x.ravel() - adjacency(full)[unknown]

    size = (len(unknown),) * 2
    operator = LinearOperator(size, matvec=laplacian, dtype=np.float64)
    jacobi = LinearOperator(size, matvec=lambda x: x.ravel() / degree[unknown], dtype=np.float64)
    solution, info = cg(operator, rhs, rtol=tol, atol=0.0, maxiter=max_iter, M=jacobi)
    if info != 0:  # the scores only rank pairs: an approximate solution still ranks them
        log.warning(
            "label propagation: conjugate gradients did not reach rtol %g in %d steps on %d "
            "test pairs; the last iterate is used",
            tol,
            max_iter,
            len(unknown),
        )
    score[reached] = np.clip(solution, 0.0, 1.0)
    return score


def identity_matrix(
    identity: pd.DataFrame, ids: pd.Index, *, name: str = "identity"
) -> sp.csr_array:
    """Symmetric ``(len(ids), len(ids))`` float64 sparse matrix of pairwise sequence identity.

    ``identity`` is an MMseqs2 table (:mod:`rnainteract.annotate`; columns ``query``,
    ``target``, ``identity`` in [0, 1]). The tables in results/identity/ hold both directions
    and no self hits; here ``id(x, x) = 1`` is set explicitly, a hit in one direction counts
    for both, and where a pair appears more than once (both directions, duplicates) the
    largest identity wins. Rows naming an id outside ``ids`` are not needed and skipped (the
    identity table may cover a larger dataset); ids without hits have only ``id(x, x) = 1``.

    Raises:
        ValueError: a missing column, or an identity that is not a number in [0, 1] (names
            ``name`` and the record).
    """
    missing = [c for c in ("query", "target", "identity") if c not in identity.columns]
    if missing:
        raise ValueError(f"{name}: lacks column(s) {missing}")
    values = pd.to_numeric(identity.identity, errors="coerce").to_numpy(np.float64)
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}: identity of {identity['query'].iloc[i]!r} -> "
            f"{identity['target'].iloc[i]!r} is {identity.identity.iloc[i]}; "
            "expected a number in [0, 1]"
        )
    query = ids.get_indexer(identity["query"])
    target = ids.get_indexer(identity["target"])
    keep = (query >= 0) & (target >= 0)
    n = len(ids)
    entries = pd.DataFrame(
        {
            "row": np.concatenate([query[keep], target[keep], np.arange(n)]),
            "col": np.concatenate([target[keep], query[keep], np.arange(n)]),
            "value": np.concatenate([values[keep], values[keep], np.ones(n)]),
        }
    )
    entries.loc[entries.row == entries.col, "value"] = 1.0
    best = entries.groupby(["row", "col"], sort=False).value.max().reset_index()
    best = best[best.value > 0]
    return sp.csr_array((best.value, (best.row, best.col)), shape=(n, n))


def nearest_neighbour_score(
    table: pd.DataFrame,
    train,
    test,
    rna_identity: pd.DataFrame,
    protein_identity: pd.DataFrame,
    *,
    k: int = 10,
) -> np.ndarray:
    """Identity-weighted labels of the most similar training pairs (learns nothing).

    The similarity of a test pair ``(r, p)`` to a training pair ``(r', p')`` is
    ``id(r, r') * id(p, p')`` (:func:`identity_matrix`: MMseqs2 identity, self = 1, symmetric,
    0 without a hit). The score is ``sum(s_j * y_j) / sum(s_j)`` over the ``k`` training pairs
    of highest similarity ``s_j > 0``; training pairs tied with the ``k``-th similarity
    (equal floats) all count, so that the score does not depend on the order of the training
    pairs. A test pair without a training pair of similarity > 0 gets the training prior.

    Args:
        rna_identity, protein_identity: MMseqs2 identity tables (``query``, ``target``,
            ``identity``). k: neighbours, >= 1.

    Returns:
        ``(len(test),)`` float64 in [0, 1].

    Raises:
        ValueError: ``k`` < 1, a bad identity table, or a bad table or fold (:func:`_fold`).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    train, test, y, prior = _fold(table, train, test)
    similarity = None
    for molecule, identity in (("rna", rna_identity), ("protein", protein_identity)):
        codes, ids = _codes(table, molecule)
        matrix = identity_matrix(identity, ids, name=f"{molecule} identity")
        block = matrix[codes[test]][:, codes[train]]  # (n_test, n_train)
        similarity = block if similarity is None else similarity.multiply(block)
    similarity = sp.coo_array(similarity)
    similarity.eliminate_zeros()
    row, col, value = similarity.row, similarity.col, similarity.data
    order = np.lexsort((-value, row))  # rows in order, each by decreasing similarity
    row, col, value = row[order], col[order], value[order]
    counts = np.bincount(row, minlength=len(test))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    kth = np.zeros(len(test))
    kth[has] = value[starts[has] + np.minimum(counts[has], k) - 1]
    chosen = value >= kth[row]
    weight = np.bincount(row[chosen], weights=value[chosen], minlength=len(test))
    positive = np.bincount(
        row[chosen], weights=value[chosen] * y[train][col[chosen]], minlength=len(test)
    )
    score = np.full(len(test), prior)
    score[has] = positive[has] / weight[has]
    return score


def partner_matrix(
    table: pd.DataFrame, features: pd.DataFrame, molecule: str, *, name: str = "feature table"
) -> np.ndarray:
    """One partner's feature row for each pair: ``(n_pairs, n_features)`` float32, joined by
    :func:`rnainteract.features.kmers.pair_matrix` (with no columns for the other partner).

    Args:
        features: a feature table (``id`` + feature columns) of ``molecule`` (``"rna"`` or
            ``"protein"``); name: its file, for the messages.

    Raises:
        ValueError: unknown ``molecule``.
        KeyError: an id of the pair table has no feature row.
    """
    if molecule not in _ID_COLUMN:
        raise ValueError(f"molecule must be 'rna' or 'protein', got {molecule!r}")
    other = "protein" if molecule == "rna" else "rna"
    empty = pd.DataFrame({"id": table[_ID_COLUMN[other]].unique()})
    if molecule == "rna":
        return pair_matrix(table, features, empty, names=(name, "-"))
    return pair_matrix(table, empty, features, names=("-", name))


def one_partner_forest(
    table: pd.DataFrame,
    train,
    test,
    features: pd.DataFrame,
    *,
    molecule: str,
    params: dict,
    seed: int,
    threads: int = 1,
    name: str = "feature table",
) -> tuple[np.ndarray, np.ndarray]:
    """The RPISeq random forest (:func:`rnainteract.models.classic.rpiseq.build_random_forest`)
    trained on one partner's features only (``rna_only``: RNA 4-mers; ``protein_only``:
    protein conjoint triads, :data:`PARTNER_FEATURES`): what a pair model can score from one
    side of the pair.

    Args:
        features: ``molecule``'s feature table (``id`` + columns); params: forest keyword
            arguments; name: the table's file, for the messages.

    Returns:
        ``(score, pred)``: P(class 1) float64 and the forest's own decision (> 0.5) int8, each
        ``(len(test),)``.

    Raises:
        ValueError: a train part with a single class, or a bad table or fold.
        KeyError: an id of the pair table has no feature row.
    """
    train, test, y, _ = _fold(table, train, test)
    if len(np.unique(y[train])) < 2:
        raise ValueError("the train part has a single class; cannot fit a forest")
    X = partner_matrix(table, features, molecule, name=name)
    forest = build_random_forest(params, seed=seed, threads=threads)
    forest.fit(X[train], y[train].astype(np.int8))
    score, pred = score_and_decision(forest, X[test])
    return score.astype(np.float64), pred.astype(np.int8)


def baseline_scores(
    name: str,
    table: pd.DataFrame,
    train,
    test,
    *,
    seed: int,
    params: dict,
    features: Mapping[str, pd.DataFrame] | None = None,
    identities: Mapping[str, pd.DataFrame] | None = None,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Score and decide one baseline of :data:`BASELINES` on one fold.

    Args:
        params: the baseline's keyword arguments (``degree``: ``smoothing``;
            ``degree_propagation``: ``max_iter``, ``tol``; ``nearest_neighbour``: ``k``; the
            forests: ``RandomForestClassifier`` arguments).
        features: ``{"rna": table, "protein": table}`` (needed by ``rna_only``/``protein_only``).
        identities: ``{"rna": table, "protein": table}`` MMseqs2 identities (needed by
            ``nearest_neighbour``).
        seed: the forests' random state (the other baselines are deterministic).

    Returns:
        ``(score, pred)``: ``(len(test),)`` float64 and int8. ``pred`` is ``score > p`` (the
        training prior) for the score baselines, the forest's ``predict`` for the forests.

    Raises:
        ValueError: an unknown baseline, or a missing input it needs (named).
    """
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; known: {list(BASELINES)}")
    if name in PARTNER_FEATURES:
        molecule, feature_set = PARTNER_FEATURES[name]
        if not features or features.get(molecule) is None:
            raise ValueError(
                f"baseline {name!r} needs the {molecule} feature table ({feature_set})"
            )
        return one_partner_forest(
            table,
            train,
            test,
            features[molecule],
            molecule=molecule,
            params=params,
            seed=seed,
            threads=threads,
            name=feature_set,
        )
    if name == "degree":
        score = degree_score(table, train, test, **params)
    elif name == "degree_propagation":
        score = propagation_score(table, train, test, **params)
    else:
        if not identities or any(identities.get(m) is None for m in ("rna", "protein")):
            raise ValueError(f"baseline {name!r} needs the RNA and protein identity tables")
        score = nearest_neighbour_score(
            table, train, test, identities["rna"], identities["protein"], **params
        )
    prior = float(table.label.to_numpy()[np.asarray(train, dtype=np.int64)].mean())
    return score, (score > prior).astype(np.int8)
