"""RNAInter's filtering steps as DuckDB SQL (RNAInterAct App. B.2-B.4), one file per step, read
and run by :func:`rnainteract.sources.rnainter_sql.run_steps`: ``macros.sql`` (Raw_ID parsing),
then ``rna_protein``, ``categories``, ``species``, ``map_ids``, ``sequences``, ``length``,
``dedupe``, ``cap``, and ``pairs.sql`` (the final pair table). No Python lives here; the files
are package data so that the library runs them without the workflow."""
