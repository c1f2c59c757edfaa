-- +goose Up
-- A visitor's click on "vote", kept while they sign in: the browser holds a
-- random token in a cookie, the table only its SHA-256. Single use, and cast
-- only by a sign-in completed in that same browser.
CREATE TABLE vote_intents (
    id         bytea PRIMARY KEY,
    idea_id    bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX vote_intents_expires_idx ON vote_intents (expires_at);
CREATE INDEX vote_intents_idea_idx ON vote_intents (idea_id);

-- +goose Down
DROP TABLE vote_intents;
