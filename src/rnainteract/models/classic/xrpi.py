"""XRPI-style gradient boosting (after Jain, Gupte & Aduri, Sci Rep 8:9552, 2018).

XRPI classifies RNA–protein pairs with extreme gradient boosting (XGBoost) on composition
features over reduced alphabets. Its published residue classes come from the authors' analysis
of RNA–protein complex structures, which is not in the material available to this project; here
the protein alphabet is the 7-class conjoint-triad reduction of Shen et al. (PNAS 104:4337,
2007) and the features are the normalized k-mer frequencies of every length up to 3 (protein:
7 + 49 + 343) and up to 4 (RNA: 4 + 16 + 64 + 256) — feature sets ``protein_ctriad1to3`` and
``rna_kmer1to4`` of :mod:`rnainteract.features.kmers`. The booster's hyperparameters are this
project's choice (XRPI does not publish them); config ``params`` override them.
"""

from __future__ import annotations

from xgboost import XGBClassifier

XRPI_DEFAULTS = {
    "n_estimators": 100,
    "learning_rate": 0.2,
    "max_depth": 6,
    "max_bin": 64,  # NPInter fold: 5.4 s, AUROC 0.944 (400 trees at 0.05, 256 bins: 23 s, 0.946)
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "tree_method": "hist",
    "eval_metric": "logloss",
}


def build_xrpi(params: dict, *, seed: int, threads: int = 1) -> XGBClassifier:
    """An ``XGBClassifier`` with :data:`XRPI_DEFAULTS` updated by ``params`` (its keyword
    arguments). Its score is P(interacting) (``predict_proba``).

    Raises:
        ValueError: a parameter XGBoost does not know (XGBoost itself only warns at ``fit``, so a
            misspelt one would be silently ignored).
    """
    unknown = sorted(set(params) - set(XGBClassifier().get_params()))
    if unknown:
        raise ValueError(f"xrpi: unknown XGBoost parameter(s) {unknown}")
    return XGBClassifier(**{**XRPI_DEFAULTS, **params}, random_state=seed, n_jobs=threads)
