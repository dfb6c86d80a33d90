"""Hyperparameter tuning for any estimator of the zoo: Optuna on a validation cut of the train part.

The ESM2_AMP authors tuned their models' learning rate and weight decay with Optuna; the same
search serves every neural view model here (``models.<name>.tune`` in the config, rule
``tune_model``). Optuna is imported on use, so that planning and the other models need not
have it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator

from rnainteract.models.inputs import binary_labels, validation_split


def tune_learning_rate(
    build: Callable[[float, float], BaseEstimator],
    X,
    y,
    *,
    n_trials: int,
    seed: int,
    lr_range: tuple[float, float] = (1e-4, 1e-2),
    weight_decay_range: tuple[float, float] = (1e-4, 1e-1),
    validation_fraction: float = 0.2,
    groups=None,
) -> dict:
    """Tune learning rate and weight decay with Optuna (TPE, seeded), as the ESM2_AMP authors
    did (seed: ESM2_AMP README, "Model training"; their ranges, from the repository's
    ``optuna_train_5fold.py``: lr 1e-5 … 1e-3, weight decay 1e-4 … 1e-2; log scale).

    Works for any estimator with ``fit`` and ``predict_proba``: ``build(lr, weight_decay)``
    returns a fresh one. Each trial fits it on the training positions of a stratified, seeded
    cut of ``X`` (:func:`~rnainteract.models.inputs.validation_split`; in a cold split, with
    ``groups``, a cut of whole RNA and/or protein groups, so that the search rewards unseen
    molecules as the split's test does) and scores the
    validation positions by their log loss (binary cross-entropy of P(interacting): smooth and
    what the trainer's early stopping minimizes too). Nothing outside ``X``/``y`` is touched.

    Args:
        X: rows the estimator accepts (pair indices here); y: ``(n,)`` 0/1.
        n_trials: Optuna trials (>= 1); seed: the sampler's seed and the cut's.
        lr_range, weight_decay_range: ``(low, high)``, both > 0, sampled log-uniformly.
        validation_fraction: share of ``X`` in the validation cut.
        groups: ``None`` or ``(n,)`` / ``(n, k<=2)`` integer group codes of the rows of ``X``
            (:meth:`rnainteract.models.inputs.PairInputs.validation_groups_of`).

    Returns:
        ``{"lr", "weight_decay", "value"}`` of the best trial (``value``: its validation log
        loss) and ``n_trials``.

    Raises:
        ValueError: ``n_trials`` < 1, a bad range, or a cut without both classes in its
            validation part (fewer than 10 rows, or a class too rare; with ``groups``, no
            grouped cut keeps both classes in both parts).
    """
    import optuna
    from sklearn.metrics import log_loss

    if n_trials < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    for name, (low, high) in (("lr_range", lr_range), ("weight_decay_range", weight_decay_range)):
        if not 0 < low <= high:
            raise ValueError(f"{name} must be 0 < low <= high, got ({low}, {high})")
    X = np.asarray(X)
    y = binary_labels(y, len(X))
    train, val = validation_split(y, validation_fraction, seed, groups=groups)
    if len(np.unique(y[val])) < 2:
        raise ValueError(
            f"the validation cut of {len(y)} rows (fraction {validation_fraction}) lacks a class"
        )
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial) -> float:
        lr = trial.suggest_float("lr", *lr_range, log=True)
        weight_decay = trial.suggest_float("weight_decay", *weight_decay_range, log=True)
        estimator = build(lr, weight_decay).fit(X[train], y[train])
        p = estimator.predict_proba(X[val])[:, 1]
        return float(log_loss(y[val], p, labels=[0, 1]))

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    best = study.best_trial
    return {
        "lr": best.params["lr"],
        "weight_decay": best.params["weight_decay"],
        "value": float(best.value),
        "n_trials": len(study.trials),
    }
