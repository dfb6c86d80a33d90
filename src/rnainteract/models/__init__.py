"""Model registry: config ``kind`` → builder and the feature sets it reads.

Each model family lives in its own module; this module only names them, so that the workflow can
read :data:`MODEL_FEATURES` while planning without importing scikit-learn or torch.
"""

from __future__ import annotations

import importlib

# kind -> (module, builder function)
MODEL_KINDS = {
    "rpiseq_rf": ("rnainteract.models.rpiseq", "build_random_forest"),
    "rpiseq_svm": ("rnainteract.models.rpiseq", "build_svm"),
    "ipminer": ("rnainteract.models.ipminer", "build_ipminer"),
    "xrpi": ("rnainteract.models.xrpi", "build_xrpi"),
}
# kind -> (RNA feature set, protein feature set) of rnainteract.features.FEATURE_SETS
MODEL_FEATURES = {
    "rpiseq_rf": ("rna_kmer4", "protein_ctriad3"),
    "rpiseq_svm": ("rna_kmer4", "protein_ctriad3"),
    "ipminer": ("rna_kmer4", "protein_ctriad3"),
    "xrpi": ("rna_kmer1to4", "protein_ctriad1to3"),
}


def build_model(kind: str, params: dict, *, seed: int, threads: int = 1):
    """Instantiate the estimator of model ``kind`` with ``params`` and ``seed``.

    Raises:
        ValueError: ``kind`` is not registered.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(MODEL_KINDS)}")
    module, func = MODEL_KINDS[kind]
    return getattr(importlib.import_module(module), func)(params, seed=seed, threads=threads)
