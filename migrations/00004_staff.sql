-- +goose Up

-- Reports from members about an idea or a comment; one per member and item.
CREATE TABLE flags (
    id          bigserial PRIMARY KEY,
    target_type text        NOT NULL CHECK (target_type IN ('idea', 'comment')),
    target_id   bigint      NOT NULL,
    user_id     bigint      NOT NULL REFERENCES users (id),
    reason      text        NOT NULL CHECK (reason IN ('spam', 'abusive', 'off_topic', 'duplicate', 'other')),
    note        text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by bigint REFERENCES users (id),
    UNIQUE (target_type, target_id, user_id)
);
CREATE INDEX flags_open_idx ON flags (target_type, target_id) WHERE resolved_at IS NULL;

-- Hidden content tells its author why.
ALTER TABLE ideas ADD COLUMN moderation_reason text NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN moderation_reason text NOT NULL DEFAULT '';

-- A banned member can read but not post, vote, comment or flag.
CREATE TABLE bans (
    user_id    bigint PRIMARY KEY REFERENCES users (id),
    until      timestamptz,                -- NULL: permanent
    reason     text        NOT NULL DEFAULT '',
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Site settings: one row, typed columns, defaults that suit a new community.
CREATE TABLE site_settings (
    id                        int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    first_post_approval       boolean NOT NULL DEFAULT false,
    ideas_per_hour            int     NOT NULL DEFAULT 5 CHECK (ideas_per_hour > 0),
    comment_interval_seconds  int     NOT NULL DEFAULT 10 CHECK (comment_interval_seconds >= 0),
    votes_per_minute          int     NOT NULL DEFAULT 30 CHECK (votes_per_minute > 0),
    duplicate_window_minutes  int     NOT NULL DEFAULT 5 CHECK (duplicate_window_minutes >= 0),
    new_member_max_links      int     NOT NULL DEFAULT 2 CHECK (new_member_max_links >= 0),
    new_member_posts          int     NOT NULL DEFAULT 3 CHECK (new_member_posts >= 0),
    per_ip_actions_per_minute int     NOT NULL DEFAULT 60 CHECK (per_ip_actions_per_minute > 0),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
INSERT INTO site_settings DEFAULT VALUES;

-- Sliding-window rate limiting in Postgres (no Redis): one row per action.
CREATE TABLE rate_events (
    id         bigserial PRIMARY KEY,
    key        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_events_key_idx ON rate_events (key, created_at);

-- Status history, shown as a timeline; shipped changes carry a release note.
CREATE TABLE idea_status_changes (
    id           bigserial PRIMARY KEY,
    idea_id      bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    from_status  text        NOT NULL,
    to_status    text        NOT NULL,
    note         text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 5000),
    note_html    text        NOT NULL DEFAULT '',
    release_note text        NOT NULL DEFAULT '' CHECK (char_length(release_note) <= 5000),
    release_html text        NOT NULL DEFAULT '',
    actor_id     bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idea_status_changes_idea_idx ON idea_status_changes (idea_id, created_at);
CREATE INDEX idea_status_changes_shipped_idx ON idea_status_changes (created_at DESC) WHERE to_status = 'shipped';
ALTER TABLE ideas ADD COLUMN shipped_at timestamptz;

-- Merges and what they moved, so unmerge restores the source exactly.
CREATE TABLE merges (
    id         bigserial PRIMARY KEY,
    source_id  bigint      NOT NULL REFERENCES ideas (id),
    target_id  bigint      NOT NULL REFERENCES ideas (id),
    actor_id   bigint REFERENCES users (id),
    undo       jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    undone_at  timestamptz,
    undone_by  bigint REFERENCES users (id)
);
CREATE UNIQUE INDEX merges_active_source_idx ON merges (source_id) WHERE undone_at IS NULL;
ALTER TABLE votes ADD COLUMN merged_from_id bigint REFERENCES ideas (id);
ALTER TABLE follows ADD COLUMN merged_from_id bigint REFERENCES ideas (id);

-- In-app notifications.
CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden')),
    idea_id    bigint REFERENCES ideas (id) ON DELETE CASCADE,
    comment_id bigint REFERENCES comments (id) ON DELETE CASCADE,
    actor_id   bigint REFERENCES users (id),
    title      text        NOT NULL,
    body       text        NOT NULL DEFAULT '',
    url        text        NOT NULL,
    read_at    timestamptz,
    emailed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Per member and event: email at once, a daily digest, or in-app only.
CREATE TABLE notification_prefs (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    text   NOT NULL CHECK (kind IN ('status_change', 'reply', 'comment', 'merged', 'hidden')),
    mode    text   NOT NULL CHECK (mode IN ('immediate', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

-- Durable job queue (outbox): jobs are written in the same transaction as
-- the event and claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}',
    run_at      timestamptz NOT NULL DEFAULT now(),
    attempts    int         NOT NULL DEFAULT 0,
    last_error  text        NOT NULL DEFAULT '',
    done_at     timestamptz,
    dead_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    dedupe_key  text UNIQUE
);
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE done_at IS NULL AND dead_at IS NULL;

-- +goose Down
DROP TABLE jobs;
DROP TABLE notification_prefs;
DROP TABLE notifications;
ALTER TABLE follows DROP COLUMN merged_from_id;
ALTER TABLE votes DROP COLUMN merged_from_id;
DROP TABLE merges;
ALTER TABLE ideas DROP COLUMN shipped_at;
DROP TABLE idea_status_changes;
DROP TABLE rate_events;
DROP TABLE site_settings;
DROP TABLE bans;
ALTER TABLE comments DROP COLUMN moderation_reason;
ALTER TABLE ideas DROP COLUMN moderation_reason;
DROP TABLE flags;
