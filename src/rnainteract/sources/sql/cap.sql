-- Step cap (App. B.4: at most 150 interactions per interactor): seeded subsampling. Rows are
-- ordered by row_hash("row", seed) (SplitMix64, the same on every machine); each RNA keeps its
-- first max_per_interactor rows, then each protein keeps its first max_per_interactor of those.
-- The second pass only removes rows, so both limits hold afterwards.
-- Variables: max_per_interactor BIGINT (NULL keeps every row), cap_seed UBIGINT.
WITH hashed AS (
    SELECT *, row_hash("row", getvariable('cap_seed')) AS h FROM step_input
),
by_rna AS (
    SELECT *, row_number() OVER (PARTITION BY rna_id ORDER BY h) AS rna_rank FROM hashed
),
by_protein AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY protein_id, rna_rank <= getvariable('max_per_interactor') ORDER BY h
        ) AS protein_rank
    FROM by_rna
)
SELECT
    * EXCLUDE (h, rna_rank, protein_rank),
    CASE
        WHEN rna_rank > getvariable('max_per_interactor')
            THEN 'more than ' || getvariable('max_per_interactor') || ' interactions of the RNA'
        WHEN protein_rank > getvariable('max_per_interactor')
            THEN 'more than ' || getvariable('max_per_interactor')
                 || ' interactions of the protein'
    END AS reason
FROM by_protein
