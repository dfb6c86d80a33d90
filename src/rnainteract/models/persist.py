"""Fitted models on disk in safe formats: never pickle or joblib, which run code when loaded.

* scikit-learn estimators (RPISeq-RF, RPISeq-SVM): skops (``model.skops``), loaded with an
  explicit allowlist of types (:data:`SKOPS_TRUSTED`); a file naming any other type is refused;
* XGBoost (XRPI): XGBoost's own JSON model format (``model.json``);
* IPMiner: its torch modules as state dicts (``weights.pt``, read with
  ``torch.load(weights_only=True)``) and its scikit-learn parts (scaler, forests, stacking
  regression) with skops (``model.skops``); the modules are rebuilt from the parameters.

* view models (RPIembeddor, the multimodal MLP, the ESM2_AMP family, AE_RF): their torch
  modules and tensors as state dicts (``weights.pt``, ``weights_only=True``), their scikit-learn
  parts with skops (``model.skops``, AE_RF's scaler and forest, the multimodal scalers) and
  as JSON what the weights do not tell (``state.json``: the multimodal view widths, AE_RF's
  column blocks), from the estimator's ``fitted_state()``; loading
  rebuilds the estimator from the parameters and calls ``load_fitted_state(state)``. They score
  the pairs of the :class:`~rnainteract.models.inputs.PairInputs` they are given (the views of
  new molecules: :mod:`rnainteract.tasks.final_views`).

Every format reproduces the fitted model's scores exactly on the same inputs
(``tests/test_final.py``, ``tests/test_final_views.py``); a view model's scores of new molecules
also depend on their embeddings, computed again (batch padding may move the last bits).
"""

from __future__ import annotations

import os
from pathlib import Path

from rnainteract.io.files import atomic_path, write_json
from rnainteract.models.registry import MODEL_VIEWS, build_model

#: How a view model (``fitted_state()`` / ``load_fitted_state()``) is stored.
VIEW_FORMAT = "torch-state-dict+skops+json"
#: How each model kind is stored (kinds not named here cannot be saved).
FORMATS = {
    "rpiseq_rf": "skops",
    "rpiseq_svm": "skops",
    "xrpi": "xgboost-json",
    "ipminer": "torch-state-dict+skops",
    **dict.fromkeys(MODEL_VIEWS, VIEW_FORMAT),
}
#: The only non-builtin types a skops file may hold beyond skops' own default-trusted ones
#: (scikit-learn's estimators and numpy arrays): a tree's internal structure.
SKOPS_TRUSTED = frozenset({"sklearn.tree._tree.Tree"})


class ModelFormatError(ValueError):
    """A saved model cannot be read safely (names the file and the reason)."""


def saveable(kind: str) -> bool:
    """Whether models of ``kind`` can be saved and loaded (:data:`FORMATS`)."""
    return kind in FORMATS


def _require(kind: str) -> None:
    if kind not in FORMATS:
        raise ValueError(
            f"model kind {kind!r} cannot be saved as a final model: only {sorted(FORMATS)}"
        )


def _dump_skops(obj, path: Path) -> None:
    import skops.io as sio

    with atomic_path(path) as tmp:
        sio.dump(obj, tmp)


def _load_skops(path: Path):
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    refused = sorted(set(untrusted) - SKOPS_TRUSTED)
    if refused:
        raise ModelFormatError(f"{path}: refusing to load types outside the allowlist: {refused}")
    return sio.load(path, trusted=list(untrusted))


def save_model(model, kind: str, folder: str | os.PathLike) -> list[str]:
    """Write a fitted model of ``kind`` into ``folder`` (created); each file atomically.

    Returns:
        The names of the files written (relative to ``folder``).

    Raises:
        ValueError: ``kind`` has no safe format (:data:`FORMATS`).
    """
    _require(kind)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fmt = FORMATS[kind]
    if fmt == "skops":
        _dump_skops(model, folder / "model.skops")
        return ["model.skops"]
    if fmt == "xgboost-json":
        with atomic_path(folder / "model.json") as tmp:
            named = Path(str(tmp) + ".json")  # XGBoost picks the format by the extension
            try:
                model.save_model(str(named))
                os.replace(named, tmp)
            finally:
                named.unlink(missing_ok=True)
        return ["model.json"]
    if fmt == VIEW_FORMAT:
        return _save_view_model(model, folder)
    import torch

    weights = {
        "pre_rna": [e.state_dict() for e in model.pre_rna_],
        "pre_protein": [e.state_dict() for e in model.pre_protein_],
        "tuner": model.tuner_.state_dict(),
    }
    with atomic_path(folder / "weights.pt") as tmp:
        torch.save(weights, tmp)
    parts = {"scaler": model.scaler_, "forests": model.forests_, "stack": model.stack_}
    _dump_skops(parts, folder / "model.skops")
    return ["weights.pt", "model.skops"]


def _save_view_model(model, folder: Path) -> list[str]:
    import torch

    state = model.fitted_state()
    files = ["weights.pt", "state.json"]
    with atomic_path(folder / "weights.pt") as tmp:
        torch.save(state["torch"], tmp)
    write_json(state["meta"], folder / "state.json")
    if state["sklearn"]:
        _dump_skops(state["sklearn"], folder / "model.skops")
        files.append("model.skops")
    return files


def _load_view_model(folder: Path, kind: str, params: dict, *, seed: int):
    import json

    import numpy as np
    import torch

    from rnainteract.models.inputs import PairInputs

    empty = np.zeros(0, dtype=np.int64)  # no molecules yet: set estimator.inputs to score
    inputs = PairInputs(rna_row=empty, protein_row=empty, rna={}, protein={})
    model = build_model(kind, params, seed=seed, inputs=inputs)
    skops_file = folder / "model.skops"
    state = {
        "torch": torch.load(folder / "weights.pt", weights_only=True),
        "sklearn": _load_skops(skops_file) if skops_file.is_file() else {},
        "meta": json.loads((folder / "state.json").read_text()),
    }
    parts = state["sklearn"].values()
    _one_thread([e for p in parts for e in (p if isinstance(p, list) else [p]) if e is not None])
    try:
        return model.load_fitted_state(state)
    except (RuntimeError, KeyError, ValueError) as err:  # torch: missing/unexpected keys, shapes
        raise ModelFormatError(
            f"{folder}: the saved state does not fit a {kind} built with the recorded params "
            f"({err})"
        ) from err


def load_model(folder: str | os.PathLike, kind: str, params: dict, *, seed: int):
    """Read back a model written by :func:`save_model` (``params`` and ``seed`` as it was
    built with; they rebuild IPMiner's and the view models' modules), set to one thread
    (``n_jobs=1``). A view model comes without molecules: set its ``inputs`` (a
    :class:`~rnainteract.models.inputs.PairInputs`) before scoring.

    Raises:
        ValueError: ``kind`` has no safe format.
        ModelFormatError: a skops file with a type outside :data:`SKOPS_TRUSTED`, or a view
            model's saved state that does not fit the model built from ``params``.
        FileNotFoundError: a model file is missing.
    """
    _require(kind)
    folder = Path(folder)
    fmt = FORMATS[kind]
    if fmt == "skops":
        model = _load_skops(folder / "model.skops")
    elif fmt == "xgboost-json":
        model = build_model(kind, params, seed=seed)
        model.load_model(str(folder / "model.json"))
    elif fmt == VIEW_FORMAT:
        return _load_view_model(folder, kind, params, seed=seed)
    else:
        model = _load_ipminer(folder, params, seed=seed)
    _one_thread([model, *[f for forests in getattr(model, "forests_", []) for f in forests]])
    return model


def _one_thread(estimators) -> None:
    """``n_jobs=1`` on the scikit-learn estimators that take it: rows are parallelized by the
    caller."""
    for estimator in estimators:
        if "n_jobs" in estimator.get_params():
            estimator.set_params(n_jobs=1)


def _load_ipminer(folder: Path, params: dict, *, seed: int):
    import numpy as np
    import torch
    from torch import nn

    from rnainteract.models.classic.ipminer import _Branch, _FineTuner

    model = build_model("ipminer", params, seed=seed)
    parts = _load_skops(folder / "model.skops")
    weights = torch.load(folder / "weights.pt", weights_only=True)
    model.scaler_, model.forests_, model.stack_ = parts["scaler"], parts["forests"], parts["stack"]
    model.classes_ = np.array([0, 1])
    n_protein = int(model.scaler_.n_features_in_) - model.n_rna_features

    def encoders(n_in: int, states: list) -> list[nn.Module]:
        widths = [n_in, *model.hidden]
        layers = []
        for (a, b), state in zip(zip(widths[:-1], widths[1:], strict=True), states, strict=True):
            layer = nn.Sequential(nn.Linear(a, b), nn.Sigmoid())
            layer.load_state_dict(state)
            layers.append(layer.eval())
        return layers

    model.pre_rna_ = encoders(model.n_rna_features, weights["pre_rna"])
    model.pre_protein_ = encoders(n_protein, weights["pre_protein"])
    width = model.hidden[-1]
    model.tuner_ = _FineTuner(
        _Branch(encoders(model.n_rna_features, weights["pre_rna"]), width, model.dropout),
        _Branch(encoders(n_protein, weights["pre_protein"]), width, model.dropout),
        width,
    )
    model.tuner_.load_state_dict(weights["tuner"])
    model.tuner_.eval()
    return model
