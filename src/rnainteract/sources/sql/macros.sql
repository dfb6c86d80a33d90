-- Helpers of the RNAInter filtering steps (run once per connection, before the steps).

-- Trim what Python's `\s` (and pyarrow's utf8_trim_whitespace) calls whitespace from both ends.
-- DuckDB's one-argument trim removes spaces only, and its two-argument trim costs time linear in
-- the number of characters given (10 s per 10M ids with these 29; the regex takes 1.6 s).
-- The character class is that whitespace, spelled out (RE2's \s lacks \x{0b} and Unicode).
CREATE OR REPLACE TEMP MACRO rnainter_trim(s) AS CASE
    -- most ids start and end with printable ASCII: nothing to trim, no regex run
    WHEN ord(s[1]) BETWEEN 33 AND 126 AND ord(s[-1]) BETWEEN 33 AND 126 THEN s
    WHEN regexp_matches(s, '^[\t\n\x{0b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]|[\t\n\x{0b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]$')
        THEN regexp_replace(s, '^[\t\n\x{0b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+|[\t\n\x{0b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+$', '', 'g')
    ELSE s
END;

-- "PREFIX:accession" split at the first colon (App. B.2, Table 4: NCBI:69889, UniProt:P12345).
CREATE OR REPLACE TEMP MACRO raw_prefix(raw) AS
    CASE WHEN strpos(raw, ':') > 0 THEN left(raw, strpos(raw, ':') - 1) END;
CREATE OR REPLACE TEMP MACRO raw_accession(raw) AS
    CASE WHEN strpos(raw, ':') > 0 THEN rnainter_trim(substr(raw, strpos(raw, ':') + 1)) END;

-- The sequence database of a prefix (case-insensitive; variable `prefixes`: lower-case prefix
-- -> database), NULL when unknown.
CREATE OR REPLACE TEMP MACRO raw_database(raw) AS
    map_extract_value(getvariable('prefixes'), lower(rnainter_trim(raw_prefix(raw))));

-- Why a Raw_ID cannot be mapped (NULL: it can), checked in this order; `accession` and
-- `database` are raw_accession(raw) and raw_database(raw), computed once by the caller.
CREATE OR REPLACE TEMP MACRO raw_id_reason(raw, accession, database, molecule, used_databases) AS
CASE
    WHEN coalesce(accession, '') = '' THEN molecule || ' raw id without prefix'
    WHEN database IS NULL THEN molecule || ' prefix ' || raw_prefix(raw)
    WHEN NOT list_contains(used_databases, database)
        THEN molecule || ' database ' || database || ' not used'
    -- the sequence services take comma-joined id lists (RE2's \s: ASCII whitespace)
    WHEN regexp_matches(accession, '[\s,]') THEN molecule || ' accession with comma or space'
END;
