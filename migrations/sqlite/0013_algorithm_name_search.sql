-- Name search for ModelArts algorithms (`searches=name:TEXT`), as 0008 and
-- 0012 give training jobs: a contentless FTS5 trigram index of lower(name)
-- of the present rows (needles of 3 or more characters) and a table of hex
-- 1- and 2-grams (shorter needles), both kept by triggers and keyed by the
-- table's rowid. Without them every such search scans and counts every row.

CREATE VIRTUAL TABLE modelarts_algorithms_names USING fts5 (
    name,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO modelarts_algorithms_names (rowid, name)
SELECT rowid, lower(name) FROM modelarts_algorithms
WHERE deleted_at IS NULL AND name IS NOT NULL;

CREATE VIRTUAL TABLE modelarts_algorithms_name_grams USING fts5 (
    grams,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61'
);

INSERT INTO modelarts_algorithms_name_grams (rowid, grams)
SELECT t.rowid, (
        SELECT group_concat(
            hex(substr(lower(t.name), key + 1, 1))
                || CASE WHEN key + 1 < length(t.name)
                        THEN ' ' || hex(substr(lower(t.name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(t.name))), '00', ',0'), 2) || ']')
    )
FROM modelarts_algorithms AS t
WHERE t.deleted_at IS NULL AND t.name IS NOT NULL;

CREATE TRIGGER modelarts_algorithms_names_insert AFTER INSERT ON modelarts_algorithms
WHEN NEW.deleted_at IS NULL AND NEW.name IS NOT NULL
BEGIN
    INSERT INTO modelarts_algorithms_names (rowid, name) VALUES (NEW.rowid, lower(NEW.name));
    INSERT INTO modelarts_algorithms_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.name)
                        THEN ' ' || hex(substr(lower(NEW.name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.name))), '00', ',0'), 2) || ']')
    );
END;

CREATE TRIGGER modelarts_algorithms_names_update
AFTER UPDATE OF name, deleted_at ON modelarts_algorithms
WHEN OLD.name IS NOT NEW.name
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM modelarts_algorithms_names WHERE rowid = OLD.rowid;
    DELETE FROM modelarts_algorithms_name_grams WHERE rowid = OLD.rowid;
    INSERT INTO modelarts_algorithms_names (rowid, name)
    SELECT NEW.rowid, lower(NEW.name)
    WHERE NEW.deleted_at IS NULL AND NEW.name IS NOT NULL;
    INSERT INTO modelarts_algorithms_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.name)
                        THEN ' ' || hex(substr(lower(NEW.name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.name))), '00', ',0'), 2) || ']')
    )
    WHERE NEW.deleted_at IS NULL AND NEW.name IS NOT NULL;
END;

CREATE TRIGGER modelarts_algorithms_names_delete AFTER DELETE ON modelarts_algorithms
BEGIN
    DELETE FROM modelarts_algorithms_names WHERE rowid = OLD.rowid;
    DELETE FROM modelarts_algorithms_name_grams WHERE rowid = OLD.rowid;
END;
