-- The query module's helpers for the kinds added after 0008 (which covers
-- modelarts_training_jobs): trigger-kept row counts per (source, status,
-- deleted) where the provider reports a total, and partial indexes (present
-- rows) for each documented filter and sort, ending in the kind's tie-break.
-- A NULL status counts under ''.

-- SWR instance jobs: status filter; newest created_at first, ties by id.

CREATE TABLE swr_instance_jobs_counts (
    source  TEXT    NOT NULL,
    status  TEXT    NOT NULL,
    deleted INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (source, status, deleted)
) WITHOUT ROWID;

INSERT INTO swr_instance_jobs_counts (source, status, deleted, n)
SELECT source, IFNULL(status, ''), deleted_at IS NOT NULL, COUNT(*)
FROM swr_instance_jobs
GROUP BY source, IFNULL(status, ''), deleted_at IS NOT NULL;

CREATE TRIGGER swr_instance_jobs_count_insert AFTER INSERT ON swr_instance_jobs
BEGIN
    INSERT INTO swr_instance_jobs_counts (source, status, deleted, n)
    VALUES (NEW.source, IFNULL(NEW.status, ''), NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (source, status, deleted) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER swr_instance_jobs_count_update
AFTER UPDATE OF source, status, deleted_at ON swr_instance_jobs
WHEN OLD.source IS NOT NEW.source
  OR OLD.status IS NOT NEW.status
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE swr_instance_jobs_counts SET n = n - 1
    WHERE source = OLD.source AND status = IFNULL(OLD.status, '')
      AND deleted = (OLD.deleted_at IS NOT NULL);
    INSERT INTO swr_instance_jobs_counts (source, status, deleted, n)
    VALUES (NEW.source, IFNULL(NEW.status, ''), NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (source, status, deleted) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER swr_instance_jobs_count_delete AFTER DELETE ON swr_instance_jobs
BEGIN
    UPDATE swr_instance_jobs_counts SET n = n - 1
    WHERE source = OLD.source AND status = IFNULL(OLD.status, '')
      AND deleted = (OLD.deleted_at IS NOT NULL);
END;

CREATE INDEX swr_instance_jobs_q_created
    ON swr_instance_jobs (source, created_at DESC, id) WHERE deleted_at IS NULL;
CREATE INDEX swr_instance_jobs_q_status_created
    ON swr_instance_jobs (source, status, created_at DESC, id) WHERE deleted_at IS NULL;

-- ModelArts algorithms: sort_by create_time | update_time | name, ties by id.

CREATE TABLE modelarts_algorithms_counts (
    source  TEXT    NOT NULL,
    status  TEXT    NOT NULL,
    deleted INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (source, status, deleted)
) WITHOUT ROWID;

INSERT INTO modelarts_algorithms_counts (source, status, deleted, n)
SELECT source, IFNULL(status, ''), deleted_at IS NOT NULL, COUNT(*)
FROM modelarts_algorithms
GROUP BY source, IFNULL(status, ''), deleted_at IS NOT NULL;

CREATE TRIGGER modelarts_algorithms_count_insert AFTER INSERT ON modelarts_algorithms
BEGIN
    INSERT INTO modelarts_algorithms_counts (source, status, deleted, n)
    VALUES (NEW.source, IFNULL(NEW.status, ''), NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (source, status, deleted) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER modelarts_algorithms_count_update
AFTER UPDATE OF source, status, deleted_at ON modelarts_algorithms
WHEN OLD.source IS NOT NEW.source
  OR OLD.status IS NOT NEW.status
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE modelarts_algorithms_counts SET n = n - 1
    WHERE source = OLD.source AND status = IFNULL(OLD.status, '')
      AND deleted = (OLD.deleted_at IS NOT NULL);
    INSERT INTO modelarts_algorithms_counts (source, status, deleted, n)
    VALUES (NEW.source, IFNULL(NEW.status, ''), NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (source, status, deleted) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER modelarts_algorithms_count_delete AFTER DELETE ON modelarts_algorithms
BEGIN
    UPDATE modelarts_algorithms_counts SET n = n - 1
    WHERE source = OLD.source AND status = IFNULL(OLD.status, '')
      AND deleted = (OLD.deleted_at IS NOT NULL);
END;

CREATE INDEX modelarts_algorithms_q_create
    ON modelarts_algorithms (source, create_time, id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_algorithms_q_update
    ON modelarts_algorithms (source, update_time, id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_algorithms_q_name
    ON modelarts_algorithms (source, name, id) WHERE deleted_at IS NULL;

-- Modzy job history: sort-by createdAt (default, newest first) or updatedAt,
-- ties by jobIdentifier. No counts: the history has no total.
CREATE INDEX modzy_jobs_q_created
    ON modzy_jobs (source, created_at_utc, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_updated
    ON modzy_jobs (source, updated_at_utc, job_identifier) WHERE deleted_at IS NULL;
