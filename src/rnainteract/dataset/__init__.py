"""From pairs to a benchmark: RNAInterAct's family–clan-aware negatives (:mod:`.negatives`), the
dataset table with families, clans, clusters and categories (:mod:`.assemble`), seeded random
and homology-aware splits (:mod:`.splits`), what train and test share (:mod:`.leakage`) and the
dataset card (:mod:`.cards`).

May import: :mod:`rnainteract.io`, :mod:`rnainteract.sources`, :mod:`rnainteract.annotate`.
"""
