-- The final pairs with their RNAInter id and symbols, looked up in the ingested table by "row"
-- (a row whose Category1 is not its RNA category listed the protein first).
-- Relations: pairs (the capped rows), raw (the ingested table with its row number "row").
SELECT
    pairs.rna_id,
    pairs.protein_id,
    pairs.rna_category,
    pairs.protein_category,
    raw.RNAInterID AS interaction_id,
    pairs.score,
    if(raw.Category1 IS NOT DISTINCT FROM pairs.rna_category,
       raw."Interactor1.Symbol", raw."Interactor2.Symbol") AS rna_symbol,
    if(raw.Category1 IS NOT DISTINCT FROM pairs.rna_category,
       raw."Interactor2.Symbol", raw."Interactor1.Symbol") AS protein_symbol
FROM pairs
JOIN raw USING ("row")
ORDER BY pairs.rna_id, pairs.protein_id, pairs."row"
