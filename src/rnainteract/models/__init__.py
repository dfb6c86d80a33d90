"""Model registry: config ``kind`` → builder and what it reads.

Each model family lives in its own module; this module only names them, so that the workflow can
read :data:`MODEL_FEATURES` and :data:`MODEL_VIEWS` while planning without importing scikit-learn
or torch.

Two kinds of models:

* *feature models* (:data:`MODEL_FEATURES`): one ``(n_pairs, n_features)`` matrix, the RNA's
  feature set then the protein's; builder ``build(params, *, seed, threads)``;
* *view models* (:data:`MODEL_VIEWS`): per-molecule views (pooled or per-token embeddings,
  feature tables) and pair indices (:mod:`rnainteract.models.inputs`); builder
  ``build(params, *, seed, threads, inputs)``. A view that names a feature set comes from the
  feature tables, any other from the embedding table of the embedder the model's config names
  for that molecule (``models.<name>.embedders``).
"""

from __future__ import annotations

import importlib

# kind -> (module, builder function)
MODEL_KINDS = {
    "rpiseq_rf": ("rnainteract.models.rpiseq", "build_random_forest"),
    "rpiseq_svm": ("rnainteract.models.rpiseq", "build_svm"),
    "ipminer": ("rnainteract.models.ipminer", "build_ipminer"),
    "xrpi": ("rnainteract.models.xrpi", "build_xrpi"),
    "rpiembeddor": ("rnainteract.models.rpiembeddor", "build_rpiembeddor"),
    "multimodal_mlp": ("rnainteract.models.multimodal", "build_multimodal"),
    "esm2_amps": ("rnainteract.models.esm2_amp", "build_esm2_amps"),
    "esm2_amp_cse": ("rnainteract.models.esm2_amp", "build_esm2_amp_cse"),
    "esm2_dpm": ("rnainteract.models.esm2_amp", "build_esm2_dpm"),
    "ae_rf": ("rnainteract.models.ae_rf", "build_ae_rf"),
}
# feature models: kind -> (RNA feature set, protein feature set) of rnainteract.features
MODEL_FEATURES = {
    "rpiseq_rf": ("rna_kmer4", "protein_ctriad3"),
    "rpiseq_svm": ("rna_kmer4", "protein_ctriad3"),
    "ipminer": ("rna_kmer4", "protein_ctriad3"),
    "xrpi": ("rna_kmer1to4", "protein_ctriad1to3"),
}
# view models: kind -> {molecule: views} (rnainteract.models.inputs names the views)
MODEL_VIEWS = {
    # RNAInterAct §4: per-token RNA-FM and ESM-2 embeddings
    "rpiembeddor": {"rna": ("tokens",), "protein": ("tokens",)},
    # multimodal README: BioBERT CLS of the RNA + ViennaRNA descriptors, ESM-2 mean of the protein
    "multimodal_mlp": {"rna": ("cls", "rna_tabular"), "protein": ("mean",)},
    # ESM2_AMP README: ten segments (AMPS), + cls and eos (AMP_CSE), mean (DPM; and AE_RF)
    "esm2_amps": {"rna": ("segments",), "protein": ("segments",)},
    "esm2_amp_cse": {"rna": ("cls", "segments", "eos"), "protein": ("cls", "segments", "eos")},
    "esm2_dpm": {"rna": ("mean",), "protein": ("mean",)},
    "ae_rf": {"rna": ("mean",), "protein": ("mean",)},
}
# views served by an embedding table (the rest are feature sets)
EMBEDDING_VIEWS = ("mean", "cls", "eos", "segments", "tokens")


def model_views(kind: str, params: dict | None = None) -> dict[str, tuple[str, ...]]:
    """The views a view model reads with ``params`` ({} for a feature model): the one-hot
    ablation of RPIembeddor reads the sequences only."""
    if kind not in MODEL_VIEWS:
        return {}
    if kind == "rpiembeddor" and (params or {}).get("ablation") == "one_hot":
        return {"rna": (), "protein": ()}
    return MODEL_VIEWS[kind]


def is_embedding_view(view: str) -> bool:
    """Whether a view comes from an embedding table (else it is a feature set)."""
    return view in EMBEDDING_VIEWS


def build_model(kind: str, params: dict, *, seed: int, threads: int = 1, inputs=None):
    """Instantiate the estimator of model ``kind`` with ``params`` and ``seed`` (view models
    also take their :class:`~rnainteract.models.inputs.PairInputs`).

    Raises:
        ValueError: ``kind`` is not registered, or a view model without ``inputs``.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(MODEL_KINDS)}")
    module, func = MODEL_KINDS[kind]
    builder = getattr(importlib.import_module(module), func)
    if kind in MODEL_VIEWS:
        if inputs is None:
            raise ValueError(f"model kind {kind!r} reads views: pass inputs")
        return builder(params, seed=seed, threads=threads, inputs=inputs)
    return builder(params, seed=seed, threads=threads)
