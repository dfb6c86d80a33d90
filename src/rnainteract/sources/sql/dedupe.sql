-- Step dedupe (App. B.4): one row per (RNA, protein) pair. RNAInter lists a pair once per
-- evidence source or raw id; the row with the highest score is kept (a missing score counts as
-- the lowest), ties go to the row listed first in RNAInter.
SELECT
    *,
    CASE
        WHEN row_number() OVER (
            PARTITION BY rna_id, protein_id
            ORDER BY
                CASE WHEN score IS NULL OR isnan(score) THEN '-inf'::DOUBLE ELSE score END DESC,
                "row"
        ) > 1 THEN 'duplicate pair'
    END AS reason
FROM step_input
