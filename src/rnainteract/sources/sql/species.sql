-- Step species: keep rows whose RNA and protein species are both listed (App. B.1 keeps the
-- species of the study; NULL keeps every row). A missing species is never listed.
-- Variables: species VARCHAR[] or NULL.
SELECT
    *,
    CASE
        WHEN getvariable('species') IS NULL THEN NULL
        WHEN NOT coalesce(list_contains(getvariable('species'), rna_species), false)
            THEN 'rna species ' || coalesce(rna_species, 'missing')
        WHEN NOT coalesce(list_contains(getvariable('species'), protein_species), false)
            THEN 'protein species ' || coalesce(protein_species, 'missing')
    END AS reason
FROM step_input
