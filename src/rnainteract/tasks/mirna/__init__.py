"""The miRNA–target branch on miRAW: parsers, canonical seed sites, candidate windows and the
site/gene datasets (:mod:`.data`); site-level training, gene-level scoring, attention MIL and the
seed-match baselines (:mod:`.train`). Its models are
:mod:`rnainteract.models.neural.mirna_target`.

May import: the layers below :mod:`rnainteract.tasks`, not the other branches.
"""
