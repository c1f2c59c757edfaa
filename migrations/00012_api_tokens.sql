-- +goose Up
-- Personal API tokens. The token itself (cw_ + base62 of 32 random bytes)
-- is shown once; only its SHA-256 is kept, with a short prefix to tell
-- tokens apart in lists.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    hash         bytea       NOT NULL UNIQUE,
    prefix       text        NOT NULL,
    scopes       text[]      NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'staff']::text[] AND cardinality(scopes) > 0),
    expires_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    last_used_ip text,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id);

-- Staff actions taken with a token name it. No foreign key: audit rows are
-- never updated, and the token row may go with its owner's account.
ALTER TABLE audit_log ADD COLUMN token_id bigint;

-- The token id is part of the hashed content, appended only when present so
-- every row written before keeps its hash.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_content(a audit_log) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN a.token_id IS NULL THEN
        jsonb_build_array(a.id, a.actor_id, a.action, a.target_type, a.target_id, a.before, a.after,
            extract(epoch FROM a.created_at))::text
    ELSE
        jsonb_build_array(a.id, a.actor_id, a.action, a.target_type, a.target_id, a.before, a.after,
            extract(epoch FROM a.created_at), a.token_id)::text
    END
    $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_content(a audit_log) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_array(a.id, a.actor_id, a.action, a.target_type, a.target_id, a.before, a.after,
        extract(epoch FROM a.created_at))::text
    $$;
-- +goose StatementEnd
ALTER TABLE audit_log DROP COLUMN token_id;
DROP TABLE api_tokens;
