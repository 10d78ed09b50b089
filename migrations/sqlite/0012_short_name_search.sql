-- Name search with a needle of 1 or 2 characters, which the trigram index of
-- 0008 cannot serve (it would scan every present row): a second contentless
-- FTS5 table whose tokens are every 1- and 2-character substring of
-- lower(job_name) of the present rows, written as the upper-case hex of its
-- UTF-8 (so any character is one plain token; UTF-8 being prefix-free, a
-- token names exactly one substring). detail=none: only which rows hold a
-- token is kept (no positions), which is all a substring test of 1-2
-- characters needs. Kept by triggers, like the trigram index; the query
-- module checks every candidate with LIKE as before.
--
-- The substrings are listed with json_each over a JSON array of length(name)
-- zeros (triggers cannot use recursive CTEs). lower() and LIKE fold ASCII
-- letters only, the rule jobmirror follows.
-- Rebuild (e.g. after restoring only the main table):
--   DELETE FROM modelarts_training_jobs_name_grams;
--   INSERT INTO modelarts_training_jobs_name_grams (rowid, grams)
--     SELECT rowid, <the grams expression below, on job_name> FROM modelarts_training_jobs
--     WHERE deleted_at IS NULL AND job_name IS NOT NULL;
CREATE VIRTUAL TABLE modelarts_training_jobs_name_grams USING fts5 (
    grams,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61'
);

INSERT INTO modelarts_training_jobs_name_grams (rowid, grams)
SELECT t.rowid, (
    SELECT group_concat(
        hex(substr(lower(t.job_name), key + 1, 1))
            || CASE WHEN key + 1 < length(t.job_name)
                    THEN ' ' || hex(substr(lower(t.job_name), key + 1, 2)) ELSE '' END,
        ' ')
    FROM json_each('[' || substr(replace(hex(zeroblob(length(t.job_name))), '00', ',0'), 2) || ']')
)
FROM modelarts_training_jobs AS t
WHERE t.deleted_at IS NULL AND t.job_name IS NOT NULL;

CREATE TRIGGER modelarts_training_jobs_name_grams_insert AFTER INSERT ON modelarts_training_jobs
WHEN NEW.deleted_at IS NULL AND NEW.job_name IS NOT NULL
BEGIN
    INSERT INTO modelarts_training_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, group_concat(
        hex(substr(lower(NEW.job_name), key + 1, 1))
            || CASE WHEN key + 1 < length(NEW.job_name)
                    THEN ' ' || hex(substr(lower(NEW.job_name), key + 1, 2)) ELSE '' END,
        ' ')
    FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.job_name))), '00', ',0'), 2) || ']');
END;

CREATE TRIGGER modelarts_training_jobs_name_grams_update
AFTER UPDATE OF job_name, deleted_at ON modelarts_training_jobs
WHEN OLD.job_name IS NOT NEW.job_name
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM modelarts_training_jobs_name_grams WHERE rowid = OLD.rowid;
    INSERT INTO modelarts_training_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.job_name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.job_name)
                        THEN ' ' || hex(substr(lower(NEW.job_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.job_name))), '00', ',0'), 2) || ']')
    )
    WHERE NEW.deleted_at IS NULL AND NEW.job_name IS NOT NULL;
END;

CREATE TRIGGER modelarts_training_jobs_name_grams_delete AFTER DELETE ON modelarts_training_jobs
BEGIN
    DELETE FROM modelarts_training_jobs_name_grams WHERE rowid = OLD.rowid;
END;
