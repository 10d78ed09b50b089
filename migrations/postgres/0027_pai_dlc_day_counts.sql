-- PostgreSQL counterpart of migrations/sqlite/0027: PAI-DLC rows per
-- (source, deleted, dated, day, status), kept exact by triggers, for
-- `TotalCount` over a GmtCreateTime window (sum of whole days plus index
-- counts of the two partial days). `day` is the first 10 characters of
-- gmt_create_time; `dated` is 0 for a NULL gmt_create_time (day ''); a NULL
-- status counts under ''.

CREATE TABLE pai_dlc_jobs_day_counts (
    source  TEXT COLLATE "C" NOT NULL,
    deleted BIGINT NOT NULL,
    dated   BIGINT NOT NULL,
    day     TEXT COLLATE "C" NOT NULL,
    status  TEXT COLLATE "C" NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (source, deleted, dated, day, status)
);

INSERT INTO pai_dlc_jobs_day_counts (source, deleted, dated, day, status, n)
SELECT source, (deleted_at IS NOT NULL)::int, (gmt_create_time IS NOT NULL)::int,
       COALESCE(substr(gmt_create_time, 1, 10), ''), COALESCE(status, ''), COUNT(*)
FROM pai_dlc_jobs
GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION pai_dlc_jobs_day_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE pai_dlc_jobs_day_counts SET n = n - 1
        WHERE source = OLD.source AND deleted = (OLD.deleted_at IS NOT NULL)::int
          AND dated = (OLD.gmt_create_time IS NOT NULL)::int
          AND day = COALESCE(substr(OLD.gmt_create_time, 1, 10), '')
          AND status = COALESCE(OLD.status, '');
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO pai_dlc_jobs_day_counts AS c (source, deleted, dated, day, status, n)
        VALUES (NEW.source, (NEW.deleted_at IS NOT NULL)::int,
                (NEW.gmt_create_time IS NOT NULL)::int,
                COALESCE(substr(NEW.gmt_create_time, 1, 10), ''), COALESCE(NEW.status, ''), 1)
        ON CONFLICT (source, deleted, dated, day, status) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER pai_dlc_jobs_day_count AFTER INSERT OR DELETE ON pai_dlc_jobs
    FOR EACH ROW EXECUTE FUNCTION pai_dlc_jobs_day_count();
CREATE TRIGGER pai_dlc_jobs_day_count_update
    AFTER UPDATE OF source, status, deleted_at, gmt_create_time ON pai_dlc_jobs
    FOR EACH ROW
    WHEN (OLD.source IS DISTINCT FROM NEW.source OR OLD.status IS DISTINCT FROM NEW.status
          OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
          OR substr(OLD.gmt_create_time, 1, 10) IS DISTINCT FROM substr(NEW.gmt_create_time, 1, 10))
    EXECUTE FUNCTION pai_dlc_jobs_day_count();
