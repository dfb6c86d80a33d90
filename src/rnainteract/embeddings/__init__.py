"""Sequence embeddings (ESM-2, RNA-FM, BioBERT, one-hot) cached to Parquet by sequence SHA-256.

* :mod:`rnainteract.embeddings.models`: loading embedders from local paths;
* :mod:`rnainteract.embeddings.pooling`: mean/cls/eos/segment pooling and length policies;
* :mod:`rnainteract.embeddings.cache`: the restartable shard cache and the rule's output table.
"""
