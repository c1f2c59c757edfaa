-- +goose Up
-- Rate limits keep one row per key, its buckets in arrays: a hit is one
-- upsert that locks the key's row, so concurrent hits on a key queue there
-- whichever bucket they fall in (with a row per bucket, two hits either
-- side of a bucket boundary locked different rows and could both take the
-- last slot). The key's old buckets are trimmed in the same update, so no
-- expired rows pile up under a busy key. sweep_at, when the key's window
-- has surely passed, is rounded up to the hour so that it rarely changes:
-- an update that changes no indexed column can be HOT (fillfactor leaves
-- room on the page), which a per-second expiry column prevented. Counts in
-- flight are dropped; they only ever covered the last day.
CREATE TABLE rate_keys (
    key        text          PRIMARY KEY,
    win        interval      NOT NULL,
    buckets    timestamptz[] NOT NULL,
    counts     integer[]     NOT NULL,
    sweep_at   timestamptz   NOT NULL,
    CHECK (cardinality(buckets) = cardinality(counts))
) WITH (fillfactor = 50);
CREATE INDEX rate_keys_sweep_idx ON rate_keys (sweep_at);
DROP TABLE rate_counts;

-- +goose Down
CREATE TABLE rate_counts (
    key        text        NOT NULL,
    bucket     timestamptz NOT NULL,
    n          integer     NOT NULL CHECK (n > 0),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (key, bucket)
);
CREATE INDEX rate_counts_expires_idx ON rate_counts (expires_at);
DROP TABLE rate_keys;
