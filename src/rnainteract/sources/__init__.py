"""Where the data come from: resolving and downloading sources (:mod:`.download`: mirror, cache
or URL, checksummed), the classic benchmarks' parsers and the canonical pair table
(:mod:`.benchmarks`), RNAInter at full scale (:mod:`.rnainter`: ingest and pair contract;
:mod:`.rnainter_sql` and ``sql/``: the filtering steps in DuckDB SQL) and the sequence clients
of NCBI, UniProt, Ensembl, miRBase and NONCODE (:mod:`.seqclients`).

May import: :mod:`rnainteract.io`.
"""
