-- Step length (App. B.2: at most 1024, the input size of RNA-FM and ESM-2): keep rows whose RNA
-- and protein lengths lie within the limits; the first limit broken is the reason.
-- Variables: max_rna_length, min_rna_length, max_protein_length, min_protein_length (BIGINT;
-- a NULL maximum is no limit).
SELECT
    *,
    CASE
        WHEN rna_length > getvariable('max_rna_length')
            THEN 'rna longer than ' || getvariable('max_rna_length')
        WHEN rna_length < getvariable('min_rna_length')
            THEN 'rna shorter than ' || getvariable('min_rna_length')
        WHEN protein_length > getvariable('max_protein_length')
            THEN 'protein longer than ' || getvariable('max_protein_length')
        WHEN protein_length < getvariable('min_protein_length')
            THEN 'protein shorter than ' || getvariable('min_protein_length')
    END AS reason
FROM step_input
