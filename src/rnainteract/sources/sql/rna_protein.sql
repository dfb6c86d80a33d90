-- Step rna_protein (RNAInterAct App. B.4: "TF, RBP and general proteins"): keep rows with one
-- RNA and one protein interactor, oriented RNA first. RNAInter's RP table lists the RNA as
-- interactor 1; a row that lists the protein first is swapped (`reoriented`, also counted).
-- Input: the ingested table (RNAINTER_COLUMNS) and its 0-based row number "row"; only what the
-- later steps need is carried (categories, symbols and RNAInter ids are looked up by "row" at
-- the end).
-- Variables: protein_categories VARCHAR[].
WITH flagged AS (
    SELECT
        *,
        coalesce(list_contains(getvariable('protein_categories'), Category1), false) AS p1,
        coalesce(list_contains(getvariable('protein_categories'), Category2), false) AS p2,
        p1 AND NOT p2 AS swap
    FROM step_input
)
SELECT
    "row",
    if(swap, Category2, Category1) AS rna_category,
    if(swap, Species2, Species1) AS rna_species,
    if(swap, Category1, Category2) AS protein_category,
    if(swap, Species1, Species2) AS protein_species,
    if(swap, Raw_ID2, Raw_ID1) AS rna_raw_id,
    if(swap, Raw_ID1, Raw_ID2) AS protein_raw_id,
    score,
    swap AS reoriented,
    swap AS count_reoriented,
    CASE
        WHEN p1 AND p2 THEN 'protein-protein'
        WHEN NOT p1 AND NOT p2 THEN 'no protein interactor'
    END AS reason
FROM flagged
