"""Per-sample explanations of fitted models, dispatched through the registry.

A model kind declares in :data:`rnainteract.models.registry.MODELS` the name of the method by
which it explains itself (``explanation``), and its estimator implements ``explain(X)``: one row
per test pair, ``pair_index`` and one float column per feature or token slot.
:func:`interpret` turns that into the long table that ``train_view_model`` writes and
:func:`rnainteract.evaluation.plots.plot_importance` draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnainteract.models.registry import explanation

INTERPRETATION_COLUMNS = ["seed", "fold", "pair_index", "method", "feature", "value"]


def interpret(kind: str, model, X_test: np.ndarray) -> pd.DataFrame:
    """Per-sample feature importance of a fitted model on test pairs, long format
    (:data:`INTERPRETATION_COLUMNS` less seed/fold); no rows for a kind without an explanation.

    Raises:
        TypeError: the kind declares an explanation but its estimator has no ``explain``.
    """
    method = explanation(kind)
    if method is None:
        return pd.DataFrame(columns=INTERPRETATION_COLUMNS[2:])
    if not callable(getattr(model, "explain", None)):
        raise TypeError(f"model kind {kind!r} declares {method!r} but has no explain()")
    wide = model.explain(X_test)
    long = wide.melt(id_vars="pair_index", var_name="feature", value_name="value")
    long.insert(1, "method", method)
    return long[INTERPRETATION_COLUMNS[2:]]
