-- +goose Up
-- Outbound webhooks (issue 11). The secret is kept as issued (whsec_ +
-- base64): signing needs it. After a rotation the previous secret signs
-- too until previous_secret_until, so receivers can switch over.
CREATE TABLE webhooks (
    id                    bigserial PRIMARY KEY,
    url                   text        NOT NULL CHECK (length(url) <= 2000),
    description           text        NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    events                text[]      NOT NULL DEFAULT '{}',
    active                boolean     NOT NULL DEFAULT true,
    secret                text        NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    disabled_reason       text        NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per domain event some webhook wanted, written in the
-- transaction of the change, with one River job per (event, webhook). body
-- is the exact JSON sent (text, not jsonb, so retries sign the same bytes).
CREATE TABLE webhook_events (
    id         text        PRIMARY KEY,
    type       text        NOT NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_created_idx ON webhook_events (created_at);

-- One row per attempt, kept 30 days (a periodic job prunes).
CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    webhook_id       bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         text        NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    attempt          int         NOT NULL,
    status_code      int,
    duration_ms      int         NOT NULL,
    response_excerpt text        NOT NULL DEFAULT '',
    error            text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);

-- Admins hear when a receiver answered 410 and its webhook was disabled.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden', 'unmerged', 'edited', 'webhook_disabled'));
ALTER TABLE notification_prefs DROP CONSTRAINT notification_prefs_kind_check,
    ADD CONSTRAINT notification_prefs_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden', 'unmerged', 'edited', 'webhook_disabled'));

-- +goose Down
DELETE FROM notification_prefs WHERE kind = 'webhook_disabled';
DELETE FROM notifications WHERE kind = 'webhook_disabled';
ALTER TABLE notification_prefs DROP CONSTRAINT notification_prefs_kind_check,
    ADD CONSTRAINT notification_prefs_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden', 'unmerged', 'edited'));
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden', 'unmerged', 'edited'));
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhooks;
