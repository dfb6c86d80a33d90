"""The RBP multi-label branch (MMFA on AURA): the three RNA views (:mod:`.views`), the AURA/EDCNN
data and the task table (:mod:`.data`), and the training of the view CNNs and MMFA
(:mod:`.train`). Its models are :mod:`rnainteract.models.neural.mmfa`; its metrics
:mod:`rnainteract.evaluation.multilabel`.

May import: the layers below :mod:`rnainteract.tasks`, not the other branches.
"""
