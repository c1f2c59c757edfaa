-- +goose Up
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- One row per provider account; a user may link several. Never matched by email.
CREATE TABLE identities (
    id               bigserial PRIMARY KEY,
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider         text        NOT NULL,
    provider_user_id text        NOT NULL,
    email            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_user_id)
);
CREATE INDEX identities_user_idx ON identities (user_id);

-- Server-side sessions: the cookie holds a random token, the table only its
-- SHA-256, so a database dump cannot be replayed as cookies.
CREATE TABLE sessions (
    id           bytea PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    user_agent   text        NOT NULL DEFAULT '',
    ip           text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- OAuth attempts in flight: the state is single-use (deleted on callback), so
-- a replayed callback finds nothing.
CREATE TABLE auth_states (
    id            bytea PRIMARY KEY,
    provider      text        NOT NULL,
    browser_hash  bytea       NOT NULL,
    code_verifier text        NOT NULL DEFAULT '',
    provider_data text        NOT NULL DEFAULT '',
    next_path     text        NOT NULL DEFAULT '/',
    link_user_id  bigint REFERENCES users (id) ON DELETE CASCADE,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX auth_states_expires_idx ON auth_states (expires_at);

-- Every staff action: who did what to which record, with before and after.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_id    bigint REFERENCES users (id),
    action      text        NOT NULL,
    target_type text        NOT NULL,
    target_id   bigint,
    before      jsonb,
    after       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);

-- The audit log is append-only, enforced by the database itself.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_log;
DROP TABLE auth_states;
DROP TABLE sessions;
DROP TABLE identities;
ALTER TABLE users DROP COLUMN deleted_at;
