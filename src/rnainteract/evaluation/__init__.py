"""What the predictions say: binary metrics and the summary table (:mod:`.binary`), the homology
gap and confusion counts (:mod:`.gap`), multi-label metrics of the RBP branch
(:mod:`.multilabel`), ROC/PR and importance figures (:mod:`.plots`), and the report's
random-init banner (:mod:`.report`). Everything reads the
prediction files of :mod:`rnainteract.io.predictions`, whichever model wrote them.

May import: :mod:`rnainteract.io` up to :mod:`rnainteract.models`.
"""
