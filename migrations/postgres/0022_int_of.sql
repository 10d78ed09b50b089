-- jm_int_of(v): the query module's int_of!() (PAI-DLC's NumericRangeField
-- columns, src/query/dialects/pai_dlc_jobs.rs) with SQLite's answers, so both
-- backends filter the same rows. No SQLite counterpart: there it is an
-- expression, here a function of the column's type.
--
-- An integer is itself (a BIGINT column holds nothing else).
CREATE FUNCTION jm_int_of(v bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v
$$;

-- A text is an integer when, spaces (only ' ', as SQLite's trim()) trimmed,
-- it is ASCII digits after at most one '+' or '-'; then its value as SQLite's
-- CAST(... AS INTEGER) gives it, clamped to the bigint range (any number of
-- leading zeros, any length). Anything else (empty, '1.5', '1e3', '0x10',
-- '+-1', '- 1', non-ASCII digits) and NULL: NULL.
CREATE FUNCTION jm_int_of(v text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN btrim(v, ' ') ~ '^[+-]?[0123456789]+$' THEN
        LEAST(GREATEST(
            CASE WHEN left(btrim(v, ' '), 1) = '-' THEN -1 ELSE 1 END
            -- the digits without sign and leading zeros: more than 19 is
            -- beyond the range whatever they are
            * CASE WHEN length(ltrim(btrim(v, ' '), '+-0')) > 19 THEN 1e19
                   ELSE ('0' || ltrim(btrim(v, ' '), '+-0'))::numeric END,
            -9223372036854775808), 9223372036854775807)::bigint
    END
$$;
