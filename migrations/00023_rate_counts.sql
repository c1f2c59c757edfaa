-- +goose Up
-- Rate limits count per key and bucket (a second for minute windows, a
-- minute for longer ones) instead of one row per event: a hit is one
-- upsert, and the daily vote cap no longer reads every vote a member cast
-- that day. Counts in flight are dropped; they only ever covered the last
-- day.
CREATE TABLE rate_counts (
    key        text        NOT NULL,
    bucket     timestamptz NOT NULL,
    n          integer     NOT NULL CHECK (n > 0),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (key, bucket)
);
CREATE INDEX rate_counts_expires_idx ON rate_counts (expires_at);
DROP TABLE rate_events;

-- +goose Down
CREATE TABLE rate_events (
    id         bigserial PRIMARY KEY,
    key        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '1 hour'
);
CREATE INDEX rate_events_key_idx ON rate_events (key, created_at);
CREATE INDEX rate_events_expires_idx ON rate_events (expires_at);
DROP TABLE rate_counts;
