"""Model registry: config ``kind`` → where its estimator is built, what it reads, how it explains
itself.

Each model family lives in its own module under :mod:`rnainteract.models.classic` or
:mod:`rnainteract.models.neural`; this module only names them, so that the workflow can read
what a model needs while planning without importing scikit-learn or torch.

Two kinds of models:

* *feature models* (:data:`MODEL_FEATURES`): one ``(n_pairs, n_features)`` matrix, the RNA's
  feature set then the protein's; builder ``build(params, *, seed, threads)``;
* *view models* (:data:`MODEL_VIEWS`): per-molecule views (pooled or per-token embeddings,
  feature tables) and pair indices (:mod:`rnainteract.models.inputs`); builder
  ``build(params, *, seed, threads, inputs)``. A view that names a feature set comes from the
  feature tables, any other from the embedding table of the embedder the model's config names
  for that molecule (``models.<name>.embedders``).

A kind with an ``explanation`` has an estimator with ``explain(X)``
(:mod:`rnainteract.models.interpret`); the workflow draws its importance figures.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One registered model kind.

    Attributes:
        module, builder: the module and the function that builds the estimator from
            ``params``.
        features: a feature model's ``(RNA feature set, protein feature set)`` of
            :data:`rnainteract.features.kmers.FEATURE_SETS`; ``None`` for a view model.
        views: a view model's ``{molecule: views}`` (names in :mod:`rnainteract.models.inputs`).
        explanation: the name of the per-sample explanation its estimator's ``explain(X)``
            gives, or ``None``.
    """

    module: str
    builder: str
    features: tuple[str, str] | None = None
    views: Mapping[str, tuple[str, ...]] | None = None
    explanation: str | None = None


_CLASSIC = "rnainteract.models.classic"
_NEURAL = "rnainteract.models.neural"
_RPISEQ = ("rna_kmer4", "protein_ctriad3")  # RPISeq (Muppirala et al. 2011), also IPMiner's

MODELS: dict[str, ModelSpec] = {
    "rpiseq_rf": ModelSpec(f"{_CLASSIC}.rpiseq", "build_random_forest", features=_RPISEQ),
    "rpiseq_svm": ModelSpec(f"{_CLASSIC}.rpiseq", "build_svm", features=_RPISEQ),
    "ipminer": ModelSpec(f"{_CLASSIC}.ipminer", "build_ipminer", features=_RPISEQ),
    "xrpi": ModelSpec(
        f"{_CLASSIC}.xrpi", "build_xrpi", features=("rna_kmer1to4", "protein_ctriad1to3")
    ),
    # RNAInterAct §4: per-token RNA-FM and ESM-2 embeddings
    "rpiembeddor": ModelSpec(
        f"{_NEURAL}.rpiembeddor",
        "build_rpiembeddor",
        views={"rna": ("tokens",), "protein": ("tokens",)},
    ),
    # multimodal README: BioBERT CLS of the RNA + ViennaRNA descriptors, ESM-2 mean of the protein
    "multimodal_mlp": ModelSpec(
        f"{_NEURAL}.multimodal",
        "build_multimodal",
        views={"rna": ("cls", "rna_tabular"), "protein": ("mean",)},
    ),
    # ESM2_AMP README: ten segments (AMPS), + cls and eos (AMP_CSE), mean (DPM; and AE_RF);
    # "Attention-based Explainable Analysis" for the two transformers
    "esm2_amps": ModelSpec(
        f"{_NEURAL}.esm2_amp",
        "build_esm2_amps",
        views={"rna": ("segments",), "protein": ("segments",)},
        explanation="attention",
    ),
    "esm2_amp_cse": ModelSpec(
        f"{_NEURAL}.esm2_amp",
        "build_esm2_amp_cse",
        views={"rna": ("cls", "segments", "eos"), "protein": ("cls", "segments", "eos")},
        explanation="attention",
    ),
    "esm2_dpm": ModelSpec(
        f"{_NEURAL}.esm2_amp", "build_esm2_dpm", views={"rna": ("mean",), "protein": ("mean",)}
    ),
    # ESM2_AMP README, "Feature attribution interpretable method": Tree SHAP over AE_RF
    "ae_rf": ModelSpec(
        f"{_NEURAL}.ae_rf",
        "build_ae_rf",
        views={"rna": ("mean",), "protein": ("mean",)},
        explanation="tree_shap",
    ),
}
# the same, by what each part of the workflow asks
MODEL_KINDS = {kind: (spec.module, spec.builder) for kind, spec in MODELS.items()}
MODEL_FEATURES = {kind: spec.features for kind, spec in MODELS.items() if spec.features}
MODEL_VIEWS = {kind: dict(spec.views) for kind, spec in MODELS.items() if spec.views}
EXPLAINED_KINDS = tuple(kind for kind, spec in MODELS.items() if spec.explanation)
# views served by an embedding table (the rest are feature sets)
EMBEDDING_VIEWS = ("mean", "cls", "eos", "segments", "tokens")


# Shortcut baselines (rnainteract.models.baselines; issue 19): name -> the files each reads
# beyond the pair table and the split ("features": its partner's RPISeq feature table,
# "identity": the MMseqs2 all-vs-all identity tables of the dataset's RNAs and proteins).
BASELINE_INPUTS: dict[str, tuple[str, ...]] = {
    "degree": (),
    "degree_propagation": (),
    "rna_only": ("rna_features",),
    "protein_only": ("protein_features",),
    "nearest_neighbour": ("rna_identity", "protein_identity"),
}
BASELINES = tuple(BASELINE_INPUTS)
BASELINE_FEATURES = {"rna_features": _RPISEQ[0], "protein_features": _RPISEQ[1]}
"""The feature sets of ``rna_only`` / ``protein_only`` (RPISeq's, one partner each)."""


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


def explanation(kind: str) -> str | None:
    """The per-sample explanation a model kind declares (``None``: none).

    Raises:
        ValueError: ``kind`` is not registered.
    """
    if kind not in MODELS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(MODELS)}")
    return MODELS[kind].explanation


def build_model(kind: str, params: dict, *, seed: int, threads: int = 1, inputs=None):
    """Instantiate the estimator of model ``kind`` with ``params`` and ``seed`` (view models
    also take their :class:`~rnainteract.models.inputs.PairInputs`).

    Raises:
        ValueError: ``kind`` is not registered, or a view model without ``inputs``.
    """
    if kind not in MODELS:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(MODELS)}")
    spec = MODELS[kind]
    builder = getattr(importlib.import_module(spec.module), spec.builder)
    if spec.views is not None:
        if inputs is None:
            raise ValueError(f"model kind {kind!r} reads views: pass inputs")
        return builder(params, seed=seed, threads=threads, inputs=inputs)
    return builder(params, seed=seed, threads=threads)
