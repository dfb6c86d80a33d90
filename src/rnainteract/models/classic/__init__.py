"""Models on hand-made feature tables (k-mers, conjoint triads), the field's baselines: RPISeq's
random forest and SVM (:mod:`.rpiseq`), IPMiner's stacked autoencoders and forests
(:mod:`.ipminer`), XRPI-style XGBoost (:mod:`.xrpi`). Each builds a scikit-learn-style estimator
from its config ``params``.

May import: the shared modules of :mod:`rnainteract.models` and the layers below.
"""
