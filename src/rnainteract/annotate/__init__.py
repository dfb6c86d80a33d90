"""What each molecule is related to: Rfam families of RNAs with Infernal ``cmscan``
(:mod:`.rfam`), Pfam clans of proteins with pyhmmer (:mod:`.pfam`), sequence-identity clusters
(:mod:`.clusters`: cd-hit-est, MMseqs2), all-vs-all identity (:mod:`.identity`: MMseqs2) and the
annotation tables of the output contract (:mod:`.families`).

May import: :mod:`rnainteract.io`, :mod:`rnainteract.sources`.
"""
