"""How a molecule becomes numbers: k-mer and conjoint-triad frequencies and the feature-set
registry (:mod:`.kmers`), ViennaRNA descriptors of RNAs (:mod:`.tabular`), and language-model
embeddings cached to Parquet (:mod:`.embeddings`).

May import: :mod:`rnainteract.io` up to :mod:`rnainteract.dataset`.
"""
