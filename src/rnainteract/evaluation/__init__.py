"""What the predictions say: binary metrics and the summary table (:mod:`.binary`), the homology
gap and confusion counts (:mod:`.gap`), multi-label metrics of the RBP branch
(:mod:`.multilabel`), ROC/PR and importance figures (:mod:`.plots`), the shortcut table and
ladder figures (:mod:`.shortcuts`: best model vs best baseline, DeLong tests), and the report's
random-init banner (:mod:`.report`). Everything reads the
prediction files of :mod:`rnainteract.io.predictions`, whichever model wrote them.

May import: :mod:`rnainteract.io` up to :mod:`rnainteract.models`.
"""
