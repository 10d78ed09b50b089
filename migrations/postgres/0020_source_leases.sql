-- Which replica syncs which source (as SQLite 0020): a lease per source, taken
-- before a cycle and renewed while it runs; another replica may take it once
-- it expired. Times are jobmirror's ISO-8601 UTC text (replica clocks must
-- agree to well within a lease period).
CREATE TABLE source_leases (
    source      TEXT COLLATE "C" PRIMARY KEY,
    holder      TEXT COLLATE "C" NOT NULL,
    acquired_at TEXT COLLATE "C" NOT NULL,
    renewed_at  TEXT COLLATE "C" NOT NULL,
    expires_at  TEXT COLLATE "C" NOT NULL
);
