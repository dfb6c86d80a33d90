-- Step map_ids (App. B.2, Table 4): each Raw_ID "PREFIX:accession" names the database to ask
-- for the sequence; the pair table's ids are "<database>:<accession>" (the database is the
-- part before the first colon). Categories, species and raw ids are not carried further: the
-- categories and symbols are looked up by "row" and `reoriented` at the end (pairs.sql).
-- Reasons (macros.sql, raw_id_reason): no prefix, unknown prefix, a database not used for the
-- molecule, an accession with a comma or a space.
-- Variables: prefixes MAP(VARCHAR, VARCHAR) (lower-case prefix -> database),
-- rna_databases VARCHAR[], protein_databases VARCHAR[].
WITH parsed AS (
    SELECT
        *,
        raw_accession(rna_raw_id) AS rna_accession,
        raw_database(rna_raw_id) AS rna_database,
        raw_accession(protein_raw_id) AS protein_accession,
        raw_database(protein_raw_id) AS protein_database
    FROM step_input
)
SELECT
    "row",
    reoriented,
    score,
    rna_database || ':' || rna_accession AS rna_id,
    protein_database || ':' || protein_accession AS protein_id,
    coalesce(
        raw_id_reason(rna_raw_id, rna_accession, rna_database, 'rna',
                      getvariable('rna_databases')),
        raw_id_reason(protein_raw_id, protein_accession, protein_database, 'protein',
                      getvariable('protein_databases'))
    ) AS reason
FROM parsed
