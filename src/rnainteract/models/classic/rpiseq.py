"""RPISeq (Muppirala, Honavar & Dobbs, BMC Bioinformatics 12:489, 2011).

Features: RNA 4-mer + protein conjoint-triad 3-mer frequencies (:mod:`rnainteract.features.kmers`).
Classifiers: a random forest and a support vector machine, as in the paper (there: Weka's
RandomForest and SMO with an RBF kernel); here scikit-learn's ``RandomForestClassifier`` and an
RBF ``SVC`` after standardization. Hyperparameters come from config (``models:`` section).
"""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

RF_DEFAULTS = {"n_estimators": 300, "max_features": "sqrt", "min_samples_leaf": 1}
SVM_DEFAULTS = {"C": 1.0, "gamma": "scale", "kernel": "rbf", "cache_size": 1000}


def build_random_forest(params: dict, *, seed: int, threads: int = 1) -> RandomForestClassifier:
    """RPISeq-RF: a random forest; ``params`` are ``RandomForestClassifier`` keyword arguments."""
    return RandomForestClassifier(**{**RF_DEFAULTS, **params}, random_state=seed, n_jobs=threads)


def build_svm(params: dict, *, seed: int, threads: int = 1):
    """RPISeq-SVM: standardization then ``SVC`` (``params`` are SVC keyword arguments).

    Its score is the signed distance to the margin (``decision_function``).
    """
    return make_pipeline(StandardScaler(), SVC(**{**SVM_DEFAULTS, **params}, random_state=seed))
