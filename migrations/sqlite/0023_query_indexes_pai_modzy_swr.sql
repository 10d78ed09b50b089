-- Query indexes for the documented sorts and filters that 0010/0011 left to
-- a scan and a sort on big mirrors (PAI-DLC `SortBy`, Modzy `sort-by`,
-- `/api/jobs?state=` on the PAI-DLC, Modzy and SWR views), and name search
-- tables (as 0012/0013 give ModelArts) for PAI-DLC `DisplayName` and for
-- `/api/jobs?name=` on the PAI-DLC, Modzy and SWR arms. All partial (present
-- rows, WHERE deleted_at IS NULL) like the indexes before them; the FTS5
-- tables hold present rows only and are kept by triggers.

-- PAI-DLC ListJobs `SortBy` (DisplayName, JobType, Status, GmtFinishTime;
-- GmtCreateTime is 0011's): one index per field and order, ending in the
-- tie-break JobId ascending, then gmt_create_time, so that the default
-- 7-day window (and any StartTime/EndTime on GmtCreateTime) is checked in the
-- index while it is walked in the sort's order.

CREATE INDEX pai_dlc_jobs_q_name
    ON pai_dlc_jobs (source, display_name, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_name_desc
    ON pai_dlc_jobs (source, display_name DESC, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_type
    ON pai_dlc_jobs (source, job_type, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_type_desc
    ON pai_dlc_jobs (source, job_type DESC, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_status
    ON pai_dlc_jobs (source, status, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_status_desc
    ON pai_dlc_jobs (source, status DESC, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_finish
    ON pai_dlc_jobs (source, gmt_finish_time, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_finish_desc
    ON pai_dlc_jobs (source, gmt_finish_time DESC, job_id, gmt_create_time) WHERE deleted_at IS NULL;
-- The window with the display name (DisplayName searches that match many
-- jobs read the window from this index alone, checking the name in it).
CREATE INDEX pai_dlc_jobs_q_create_name
    ON pai_dlc_jobs (source, gmt_create_time, job_id, display_name) WHERE deleted_at IS NULL;

-- Modzy `sort-by` fields other than createdAt/updatedAt (0010) and
-- identifier (the primary key), ending in the tie-break jobIdentifier
-- ascending; a descending twin where many jobs share a value (every field
-- but submittedAt), since `direction=DESC` (the default) keeps ties ascending.
CREATE INDEX modzy_jobs_q_submitted
    ON modzy_jobs (source, submitted_at_utc, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_by
    ON modzy_jobs (source, submitted_by, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_by_desc
    ON modzy_jobs (source, submitted_by DESC, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_status
    ON modzy_jobs (source, status, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_status_desc
    ON modzy_jobs (source, status DESC, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_total
    ON modzy_jobs (source, total, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_total_desc
    ON modzy_jobs (source, total DESC, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_completed
    ON modzy_jobs (source, completed, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_completed_desc
    ON modzy_jobs (source, completed DESC, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_failed
    ON modzy_jobs (source, failed, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_failed_desc
    ON modzy_jobs (source, failed DESC, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_model
    ON modzy_jobs (source, (json_extract(model, '$.name')), job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_model_desc
    ON modzy_jobs (source, (json_extract(model, '$.name')) DESC, job_identifier) WHERE deleted_at IS NULL;

-- /api/jobs?state=: each view's order (0011's expressions) after its state,
-- as 0008 gives ModelArts training jobs.
CREATE INDEX pai_dlc_jobs_q_jobs_view_state ON pai_dlc_jobs (
    state, strftime('%Y-%m-%dT%H:%M:%fZ', gmt_create_time) DESC, source, job_id
) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_jobs_view_state ON modzy_jobs (state, created_at_utc DESC, source, job_identifier)
    WHERE deleted_at IS NULL;
CREATE INDEX swr_instance_jobs_q_jobs_view_state ON swr_instance_jobs (
    state, strftime('%Y-%m-%dT%H:%M:%fZ', created_at) DESC, source, id
) WHERE deleted_at IS NULL;

-- Name search: FTS5 tables keyed by the table's rowid, like 0008/0012
-- (lower() folds ASCII letters only; the query module re-checks every
-- candidate with LIKE). Rebuild one (e.g. after restoring only the main
-- table) by deleting its rows and running its backfill INSERT again.

-- PAI-DLC DisplayName (and /api/jobs?name= on its view): trigram table and 1-2-gram table of lower(name) of present rows.
CREATE VIRTUAL TABLE pai_dlc_jobs_names USING fts5 (
    name,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

CREATE VIRTUAL TABLE pai_dlc_jobs_name_grams USING fts5 (
    grams,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61'
);

-- Backfill from the rows already mirrored.
INSERT INTO pai_dlc_jobs_names (rowid, name)
SELECT t.rowid, lower(t.display_name) FROM pai_dlc_jobs AS t
WHERE t.deleted_at IS NULL AND t.display_name IS NOT NULL;

INSERT INTO pai_dlc_jobs_name_grams (rowid, grams)
SELECT t.rowid, (
        SELECT group_concat(
            hex(substr(lower(t.display_name), key + 1, 1))
                || CASE WHEN key + 1 < length(t.display_name)
                        THEN ' ' || hex(substr(lower(t.display_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(t.display_name))), '00', ',0'), 2) || ']')
    )
FROM pai_dlc_jobs AS t
WHERE t.deleted_at IS NULL AND t.display_name IS NOT NULL;

CREATE TRIGGER pai_dlc_jobs_names_insert AFTER INSERT ON pai_dlc_jobs
WHEN NEW.deleted_at IS NULL AND NEW.display_name IS NOT NULL
BEGIN
    INSERT INTO pai_dlc_jobs_names (rowid, name) VALUES (NEW.rowid, lower(NEW.display_name));
    INSERT INTO pai_dlc_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.display_name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.display_name)
                        THEN ' ' || hex(substr(lower(NEW.display_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.display_name))), '00', ',0'), 2) || ']')
    );
END;

CREATE TRIGGER pai_dlc_jobs_names_update
AFTER UPDATE OF display_name, deleted_at ON pai_dlc_jobs
WHEN OLD.display_name IS NOT NEW.display_name
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM pai_dlc_jobs_names WHERE rowid = OLD.rowid;
    DELETE FROM pai_dlc_jobs_name_grams WHERE rowid = OLD.rowid;
    INSERT INTO pai_dlc_jobs_names (rowid, name)
    SELECT NEW.rowid, lower(NEW.display_name)
    WHERE NEW.deleted_at IS NULL AND NEW.display_name IS NOT NULL;
    INSERT INTO pai_dlc_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.display_name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.display_name)
                        THEN ' ' || hex(substr(lower(NEW.display_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.display_name))), '00', ',0'), 2) || ']')
    )
    WHERE NEW.deleted_at IS NULL AND NEW.display_name IS NOT NULL;
END;

CREATE TRIGGER pai_dlc_jobs_names_delete AFTER DELETE ON pai_dlc_jobs
BEGIN
    DELETE FROM pai_dlc_jobs_names WHERE rowid = OLD.rowid;
    DELETE FROM pai_dlc_jobs_name_grams WHERE rowid = OLD.rowid;
END;

-- SWR resource_name (/api/jobs?name= on its view): trigram table and 1-2-gram table of lower(name) of present rows.
CREATE VIRTUAL TABLE swr_instance_jobs_names USING fts5 (
    name,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

CREATE VIRTUAL TABLE swr_instance_jobs_name_grams USING fts5 (
    grams,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61'
);

-- Backfill from the rows already mirrored.
INSERT INTO swr_instance_jobs_names (rowid, name)
SELECT t.rowid, lower(t.resource_name) FROM swr_instance_jobs AS t
WHERE t.deleted_at IS NULL AND t.resource_name IS NOT NULL;

INSERT INTO swr_instance_jobs_name_grams (rowid, grams)
SELECT t.rowid, (
        SELECT group_concat(
            hex(substr(lower(t.resource_name), key + 1, 1))
                || CASE WHEN key + 1 < length(t.resource_name)
                        THEN ' ' || hex(substr(lower(t.resource_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(t.resource_name))), '00', ',0'), 2) || ']')
    )
FROM swr_instance_jobs AS t
WHERE t.deleted_at IS NULL AND t.resource_name IS NOT NULL;

CREATE TRIGGER swr_instance_jobs_names_insert AFTER INSERT ON swr_instance_jobs
WHEN NEW.deleted_at IS NULL AND NEW.resource_name IS NOT NULL
BEGIN
    INSERT INTO swr_instance_jobs_names (rowid, name) VALUES (NEW.rowid, lower(NEW.resource_name));
    INSERT INTO swr_instance_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.resource_name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.resource_name)
                        THEN ' ' || hex(substr(lower(NEW.resource_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.resource_name))), '00', ',0'), 2) || ']')
    );
END;

CREATE TRIGGER swr_instance_jobs_names_update
AFTER UPDATE OF resource_name, deleted_at ON swr_instance_jobs
WHEN OLD.resource_name IS NOT NEW.resource_name
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM swr_instance_jobs_names WHERE rowid = OLD.rowid;
    DELETE FROM swr_instance_jobs_name_grams WHERE rowid = OLD.rowid;
    INSERT INTO swr_instance_jobs_names (rowid, name)
    SELECT NEW.rowid, lower(NEW.resource_name)
    WHERE NEW.deleted_at IS NULL AND NEW.resource_name IS NOT NULL;
    INSERT INTO swr_instance_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(NEW.resource_name), key + 1, 1))
                || CASE WHEN key + 1 < length(NEW.resource_name)
                        THEN ' ' || hex(substr(lower(NEW.resource_name), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(NEW.resource_name))), '00', ',0'), 2) || ']')
    )
    WHERE NEW.deleted_at IS NULL AND NEW.resource_name IS NOT NULL;
END;

CREATE TRIGGER swr_instance_jobs_names_delete AFTER DELETE ON swr_instance_jobs
BEGIN
    DELETE FROM swr_instance_jobs_names WHERE rowid = OLD.rowid;
    DELETE FROM swr_instance_jobs_name_grams WHERE rowid = OLD.rowid;
END;

-- Modzy model.name (/api/jobs?name= on its view): trigram table and 1-2-gram table of lower(name) of present rows.
CREATE VIRTUAL TABLE modzy_jobs_names USING fts5 (
    name,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

CREATE VIRTUAL TABLE modzy_jobs_name_grams USING fts5 (
    grams,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61'
);

-- Backfill from the rows already mirrored.
INSERT INTO modzy_jobs_names (rowid, name)
SELECT t.rowid, lower(json_extract(t.model, '$.name')) FROM modzy_jobs AS t
WHERE t.deleted_at IS NULL AND json_extract(t.model, '$.name') IS NOT NULL;

INSERT INTO modzy_jobs_name_grams (rowid, grams)
SELECT t.rowid, (
        SELECT group_concat(
            hex(substr(lower(json_extract(t.model, '$.name')), key + 1, 1))
                || CASE WHEN key + 1 < length(json_extract(t.model, '$.name'))
                        THEN ' ' || hex(substr(lower(json_extract(t.model, '$.name')), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(json_extract(t.model, '$.name')))), '00', ',0'), 2) || ']')
    )
FROM modzy_jobs AS t
WHERE t.deleted_at IS NULL AND json_extract(t.model, '$.name') IS NOT NULL;

CREATE TRIGGER modzy_jobs_names_insert AFTER INSERT ON modzy_jobs
WHEN NEW.deleted_at IS NULL AND json_extract(NEW.model, '$.name') IS NOT NULL
BEGIN
    INSERT INTO modzy_jobs_names (rowid, name) VALUES (NEW.rowid, lower(json_extract(NEW.model, '$.name')));
    INSERT INTO modzy_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(json_extract(NEW.model, '$.name')), key + 1, 1))
                || CASE WHEN key + 1 < length(json_extract(NEW.model, '$.name'))
                        THEN ' ' || hex(substr(lower(json_extract(NEW.model, '$.name')), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(json_extract(NEW.model, '$.name')))), '00', ',0'), 2) || ']')
    );
END;

CREATE TRIGGER modzy_jobs_names_update
AFTER UPDATE OF model, deleted_at ON modzy_jobs
WHEN json_extract(OLD.model, '$.name') IS NOT json_extract(NEW.model, '$.name')
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM modzy_jobs_names WHERE rowid = OLD.rowid;
    DELETE FROM modzy_jobs_name_grams WHERE rowid = OLD.rowid;
    INSERT INTO modzy_jobs_names (rowid, name)
    SELECT NEW.rowid, lower(json_extract(NEW.model, '$.name'))
    WHERE NEW.deleted_at IS NULL AND json_extract(NEW.model, '$.name') IS NOT NULL;
    INSERT INTO modzy_jobs_name_grams (rowid, grams)
    SELECT NEW.rowid, (
        SELECT group_concat(
            hex(substr(lower(json_extract(NEW.model, '$.name')), key + 1, 1))
                || CASE WHEN key + 1 < length(json_extract(NEW.model, '$.name'))
                        THEN ' ' || hex(substr(lower(json_extract(NEW.model, '$.name')), key + 1, 2)) ELSE '' END,
            ' ')
        FROM json_each('[' || substr(replace(hex(zeroblob(length(json_extract(NEW.model, '$.name')))), '00', ',0'), 2) || ']')
    )
    WHERE NEW.deleted_at IS NULL AND json_extract(NEW.model, '$.name') IS NOT NULL;
END;

CREATE TRIGGER modzy_jobs_names_delete AFTER DELETE ON modzy_jobs
BEGIN
    DELETE FROM modzy_jobs_names WHERE rowid = OLD.rowid;
    DELETE FROM modzy_jobs_name_grams WHERE rowid = OLD.rowid;
END;
