-- Which replica syncs which source: a lease per source, taken before a cycle
-- and renewed while it runs; another replica may take it once it expired.
-- Times are ISO-8601 UTC text with milliseconds and a Z (replica clocks must
-- agree to well within a lease period).
CREATE TABLE source_leases (
    source      TEXT PRIMARY KEY,
    -- hostname:pid:random of the replica holding it
    holder      TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    renewed_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
