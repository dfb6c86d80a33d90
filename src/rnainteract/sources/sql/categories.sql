-- Step categories (App. B.4: "we exclude all mRNA sequences and categories that are
-- unspecified"): drop rows whose RNA category is excluded or missing, or whose protein category
-- is excluded. Each excluded category is its own reason ("rna category mRNA").
-- Variables: exclude_rna_categories VARCHAR[], exclude_protein_categories VARCHAR[].
SELECT
    *,
    CASE
        WHEN rna_category IS NULL THEN 'rna category missing'
        WHEN list_contains(getvariable('exclude_rna_categories'), rna_category)
            THEN 'rna category ' || rna_category
        WHEN list_contains(getvariable('exclude_protein_categories'), protein_category)
            THEN 'protein category ' || protein_category
    END AS reason
FROM step_input
