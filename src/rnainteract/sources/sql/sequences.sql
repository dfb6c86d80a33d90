-- Step sequences (App. B.2: "exclude any entry that lacks sequence"): attach the lengths of the
-- fetched sequences; drop rows whose RNA or protein has no valid one. The reason names the
-- molecule, the database and the status ("rna ncbi not found", "protein uniprot invalid
-- letters"); an id in no sequence table is "not fetched".
-- Relations: rna_sequences, protein_sequences (id, status, length; one row per id: the
-- sequence tables of rnainteract.sources.rnainter.sequence_table).
SELECT
    pairs.*,
    rna.length AS rna_length,
    protein.length AS protein_length,
    CASE
        WHEN rna.status IS DISTINCT FROM 'ok'
            THEN concat_ws(' ', 'rna', split_part(pairs.rna_id, ':', 1),
                           coalesce(rna.status, 'not fetched'))
        WHEN protein.status IS DISTINCT FROM 'ok'
            THEN concat_ws(' ', 'protein', split_part(pairs.protein_id, ':', 1),
                           coalesce(protein.status, 'not fetched'))
    END AS reason
FROM step_input AS pairs
LEFT JOIN rna_sequences AS rna ON rna.id = pairs.rna_id
LEFT JOIN protein_sequences AS protein ON protein.id = pairs.protein_id
