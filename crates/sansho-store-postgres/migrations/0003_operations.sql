-- The operation phase: ledger items, inventories, take-outs, incidents. Each record is kept
-- whole as the JSON its last step wrote (what its audit entry's digest covers); the columns
-- beside it are for finding and ordering. `revision` counts the steps, so a step made on an
-- older revision is refused instead of overwriting another person's.
CREATE TABLE op_records (
    id TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    kind TEXT NOT NULL,
    revision BIGINT NOT NULL,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX op_records_engagement ON op_records (engagement_id, created_at);
