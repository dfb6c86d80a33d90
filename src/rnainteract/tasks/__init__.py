"""The branches' steps on files, one function per rule: the RNA–protein models' training
(:mod:`.rpi`), the ESM2_AMP family on protein–protein data (:mod:`.ppi`), miRNA targets on miRAW
(:mod:`.mirna`) and the RBP multi-label task (:mod:`.rbp`). A branch never imports another
branch; what two branches share belongs in a layer below.

May import: every layer below (:mod:`rnainteract.io` up to :mod:`rnainteract.evaluation`).
"""
