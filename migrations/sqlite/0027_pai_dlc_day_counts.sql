-- PAI-DLC `TotalCount` over a time window (src/query/exec.rs, `count_by_ranges`):
-- rows per (source, deleted, dated, day, status), kept exact by triggers.
-- `day` is the first 10 characters of gmt_create_time ('2026-10-07'), so a
-- count over a GmtCreateTime window is the sum of its whole days here plus
-- index counts of its two partial days, instead of a count of every index
-- entry of the window. `dated` is 0 for a NULL gmt_create_time (its day is
-- ''); a NULL status counts under ''. Summed over every day it is also the
-- table's plain count per (source, status, deleted).
-- Rebuild (e.g. after restoring only the main table): delete its rows and
-- run the backfill INSERT again.

CREATE TABLE pai_dlc_jobs_day_counts (
    source  TEXT    NOT NULL,
    deleted INTEGER NOT NULL,
    dated   INTEGER NOT NULL,
    day     TEXT    NOT NULL,
    status  TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (source, deleted, dated, day, status)
) WITHOUT ROWID;

INSERT INTO pai_dlc_jobs_day_counts (source, deleted, dated, day, status, n)
SELECT source, deleted_at IS NOT NULL, gmt_create_time IS NOT NULL,
       IFNULL(substr(gmt_create_time, 1, 10), ''), IFNULL(status, ''), COUNT(*)
FROM pai_dlc_jobs
GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER pai_dlc_jobs_day_count_insert AFTER INSERT ON pai_dlc_jobs
BEGIN
    INSERT INTO pai_dlc_jobs_day_counts (source, deleted, dated, day, status, n)
    VALUES (NEW.source, NEW.deleted_at IS NOT NULL, NEW.gmt_create_time IS NOT NULL,
            IFNULL(substr(NEW.gmt_create_time, 1, 10), ''), IFNULL(NEW.status, ''), 1)
    ON CONFLICT (source, deleted, dated, day, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER pai_dlc_jobs_day_count_update
AFTER UPDATE OF source, status, deleted_at, gmt_create_time ON pai_dlc_jobs
WHEN OLD.source IS NOT NEW.source
  OR OLD.status IS NOT NEW.status
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
  OR substr(OLD.gmt_create_time, 1, 10) IS NOT substr(NEW.gmt_create_time, 1, 10)
BEGIN
    UPDATE pai_dlc_jobs_day_counts SET n = n - 1
    WHERE source = OLD.source AND deleted = (OLD.deleted_at IS NOT NULL)
      AND dated = (OLD.gmt_create_time IS NOT NULL)
      AND day = IFNULL(substr(OLD.gmt_create_time, 1, 10), '')
      AND status = IFNULL(OLD.status, '');
    INSERT INTO pai_dlc_jobs_day_counts (source, deleted, dated, day, status, n)
    VALUES (NEW.source, NEW.deleted_at IS NOT NULL, NEW.gmt_create_time IS NOT NULL,
            IFNULL(substr(NEW.gmt_create_time, 1, 10), ''), IFNULL(NEW.status, ''), 1)
    ON CONFLICT (source, deleted, dated, day, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER pai_dlc_jobs_day_count_delete AFTER DELETE ON pai_dlc_jobs
BEGIN
    UPDATE pai_dlc_jobs_day_counts SET n = n - 1
    WHERE source = OLD.source AND deleted = (OLD.deleted_at IS NOT NULL)
      AND dated = (OLD.gmt_create_time IS NOT NULL)
      AND day = IFNULL(substr(OLD.gmt_create_time, 1, 10), '')
      AND status = IFNULL(OLD.status, '');
END;
