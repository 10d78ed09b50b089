-- PostgreSQL counterpart of migrations/sqlite/0023: btree indexes (present
-- rows) for the documented sorts and filters that 0011 left to a scan and a
-- sort on big mirrors. The NULL placement is spelled out as the query module
-- orders (NULL smallest: first ascending, last descending; ties ascending),
-- so an index scan yields the query's order. SQLite's FTS5 name tables have
-- no counterpart here: this schema has no trigram index (pg_trgm) for names,
-- and the name filters stay `lower(name) LIKE` (the same answers).

-- PAI-DLC ListJobs `SortBy` (GmtCreateTime is 0011's), each order, carrying
-- gmt_create_time for the time window.
CREATE INDEX pai_dlc_jobs_q_name ON pai_dlc_jobs
    (source, display_name NULLS FIRST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_name_desc ON pai_dlc_jobs
    (source, display_name DESC NULLS LAST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_type ON pai_dlc_jobs
    (source, job_type NULLS FIRST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_type_desc ON pai_dlc_jobs
    (source, job_type DESC NULLS LAST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_status ON pai_dlc_jobs
    (source, status NULLS FIRST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_status_desc ON pai_dlc_jobs
    (source, status DESC NULLS LAST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_finish ON pai_dlc_jobs
    (source, gmt_finish_time NULLS FIRST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_finish_desc ON pai_dlc_jobs
    (source, gmt_finish_time DESC NULLS LAST, job_id, gmt_create_time) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_create_name ON pai_dlc_jobs
    (source, gmt_create_time, job_id, display_name) WHERE deleted_at IS NULL;

-- Modzy `sort-by` fields other than createdAt/updatedAt (0011) and
-- identifier (the primary key).
CREATE INDEX modzy_jobs_q_submitted ON modzy_jobs
    (source, submitted_at_utc NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_submitted_desc ON modzy_jobs
    (source, submitted_at_utc DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_by ON modzy_jobs
    (source, submitted_by NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_by_desc ON modzy_jobs
    (source, submitted_by DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_status ON modzy_jobs
    (source, status NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_status_desc ON modzy_jobs
    (source, status DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_total ON modzy_jobs
    (source, total NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_total_desc ON modzy_jobs
    (source, total DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_completed ON modzy_jobs
    (source, completed NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_completed_desc ON modzy_jobs
    (source, completed DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_failed ON modzy_jobs
    (source, failed NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_failed_desc ON modzy_jobs
    (source, failed DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_model ON modzy_jobs
    (source, (json_extract(model, '$.name')) NULLS FIRST, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_model_desc ON modzy_jobs
    (source, (json_extract(model, '$.name')) DESC NULLS LAST, job_identifier) WHERE deleted_at IS NULL;

-- /api/jobs?state=: each view's order after its state.
CREATE INDEX modelarts_training_jobs_q_jobs_view_state ON modelarts_training_jobs
    (state, (jm_epoch_ms_iso(create_time) COLLATE "C") DESC, source, (CAST(job_id AS TEXT) COLLATE "C"))
    WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_jobs_view_state ON pai_dlc_jobs
    (state, jm_iso_text(gmt_create_time) DESC, source, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_jobs_view_state ON modzy_jobs
    (state, created_at_utc DESC, source, job_identifier) WHERE deleted_at IS NULL;
CREATE INDEX swr_instance_jobs_q_jobs_view_state ON swr_instance_jobs
    (state, jm_iso_text(created_at) DESC, source, id) WHERE deleted_at IS NULL;
