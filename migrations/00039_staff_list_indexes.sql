-- +goose Up
-- The moderation queue's unflagged items (pending, hidden, spam) in the
-- queue's order, per state: a page reads its rows from here instead of
-- scanning every idea and comment. Visible rows, nearly all of them, are
-- left out, so the indexes stay the size of what moderators handle.
CREATE INDEX ideas_moderation_idx ON ideas (moderation, created_at, id)
    WHERE moderation <> 'visible' AND deleted_at IS NULL;
CREATE INDEX comments_moderation_idx ON comments (moderation, created_at, id)
    WHERE moderation <> 'visible' AND deleted_at IS NULL;

-- An idea's voters, newest vote first (the staff voters list): a page is
-- an index-only scan to its offset instead of every vote of the idea read
-- and sorted (32k of them for the most voted idea at 1M ideas).
CREATE INDEX votes_idea_created_idx ON votes (idea_id, created_at DESC, user_id);

-- +goose Down
DROP INDEX votes_idea_created_idx;
DROP INDEX comments_moderation_idx;
DROP INDEX ideas_moderation_idx;
