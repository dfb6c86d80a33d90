-- The final pairs with their categories, RNAInter id and symbols, looked up in the ingested
-- table by "row"; a `reoriented` row listed the protein as interactor 1 (rna_protein.sql).
-- Relations: pairs (the capped rows), raw (the ingested table with its row number "row").
SELECT
    pairs.rna_id,
    pairs.protein_id,
    if(pairs.reoriented, raw.Category2, raw.Category1) AS rna_category,
    if(pairs.reoriented, raw.Category1, raw.Category2) AS protein_category,
    raw.RNAInterID AS interaction_id,
    pairs.score,
    if(pairs.reoriented, raw."Interactor2.Symbol", raw."Interactor1.Symbol") AS rna_symbol,
    if(pairs.reoriented, raw."Interactor1.Symbol", raw."Interactor2.Symbol") AS protein_symbol
FROM pairs
JOIN raw USING ("row")
ORDER BY pairs.rna_id, pairs.protein_id, pairs."row"
