-- +goose Up

-- New accounts per client IP per hour, and votes per member per day.
ALTER TABLE site_settings
    ADD COLUMN signups_per_ip_per_hour int NOT NULL DEFAULT 3 CHECK (signups_per_ip_per_hour > 0),
    ADD COLUMN votes_per_day           int NOT NULL DEFAULT 500 CHECK (votes_per_day > 0);

-- Every rate event says when it stops mattering: windows now range from a
-- minute (votes, requests) to a day (the daily vote cap), and the sweep
-- drops each row when its own window has passed.
ALTER TABLE rate_events ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '1 hour';
UPDATE rate_events SET expires_at = created_at + interval '1 hour';
CREATE INDEX rate_events_expires_idx ON rate_events (expires_at);

-- +goose Down
DROP INDEX rate_events_expires_idx;
ALTER TABLE rate_events DROP COLUMN expires_at;
ALTER TABLE site_settings DROP COLUMN votes_per_day, DROP COLUMN signups_per_ip_per_hour;
