-- +goose Up
-- The moderation queue's unflagged items (pending, hidden, spam) in the
-- queue's order, per state: a page reads its rows from here instead of
-- scanning every idea and comment. Visible rows, nearly all of them, are
-- left out, so the indexes stay the size of what moderators handle.
CREATE INDEX ideas_moderation_idx ON ideas (moderation, created_at, id)
    WHERE moderation <> 'visible' AND deleted_at IS NULL;
CREATE INDEX comments_moderation_idx ON comments (moderation, created_at, id)
    WHERE moderation <> 'visible' AND deleted_at IS NULL;

-- +goose Down
DROP INDEX comments_moderation_idx;
DROP INDEX ideas_moderation_idx;
