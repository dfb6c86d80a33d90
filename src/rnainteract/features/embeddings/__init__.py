"""Sequence embeddings (ESM-2, RNA-FM, BioBERT, one-hot) cached to Parquet by sequence SHA-256.

* :mod:`.embedders`: loading embedders from local paths (random init where allowed);
* :mod:`.weights`: gathering an embedder's weight files;
* :mod:`.pooling`: mean/cls/eos/segment pooling and length policies;
* :mod:`.cache`: the restartable shard cache and the rule's output table.

May import: :mod:`rnainteract.io` (torch, transformers and fair-esm are imported on use).
"""
