-- raw_hash: a 64-bit hash of `raw` (SipHash-1-3, zero keys, over its UTF-8
-- bytes, stored as a signed integer; src/store/raw_hash.rs), written with
-- every row, so change detection compares it instead of reading `raw`. NULL
-- for rows written before this migration: those are compared by `raw` once
-- and then get their hash.
ALTER TABLE modelarts_training_jobs ADD COLUMN raw_hash BIGINT;
ALTER TABLE pai_dlc_jobs ADD COLUMN raw_hash BIGINT;
ALTER TABLE modzy_jobs ADD COLUMN raw_hash BIGINT;
ALTER TABLE modelarts_algorithms ADD COLUMN raw_hash BIGINT;
ALTER TABLE swr_instance_jobs ADD COLUMN raw_hash BIGINT;
