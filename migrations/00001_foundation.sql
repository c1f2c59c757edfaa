-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    name           text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    email          text,
    email_verified boolean     NOT NULL DEFAULT false,
    avatar_url     text        NOT NULL DEFAULT '',
    role           text        NOT NULL DEFAULT 'member'
                   CHECK (role IN ('member', 'moderator', 'product_manager', 'admin')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Emails are not unique: two providers may report the same address for two
-- different people, and accounts are never linked by email.
CREATE INDEX users_email_idx ON users (lower(email));
CREATE INDEX users_role_idx ON users (role) WHERE role <> 'member';

-- +goose Down
DROP TABLE users;
