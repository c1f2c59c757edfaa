-- Built CONCURRENTLY (so outside a transaction): the voters index reads
-- every vote (47 s and about 600 MB at a million ideas, 20M votes) and a
-- plain build would hold back every vote meanwhile on the replicas still
-- serving. A build cut short leaves an invalid index behind: each is
-- dropped first, so the migration can simply run again.
-- +goose NO TRANSACTION
-- +goose Up
-- The moderation queue's unflagged items (pending, hidden, spam) in the
-- queue's order, per state: a page reads its rows from here instead of
-- scanning every idea and comment. Visible rows, nearly all of them, are
-- left out, so the indexes stay the size of what moderators handle.
DROP INDEX CONCURRENTLY IF EXISTS ideas_moderation_idx;
CREATE INDEX CONCURRENTLY ideas_moderation_idx ON ideas (moderation, created_at, id)
    WHERE moderation <> 'visible' AND deleted_at IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS comments_moderation_idx;
CREATE INDEX CONCURRENTLY comments_moderation_idx ON comments (moderation, created_at, id)
    WHERE moderation <> 'visible' AND deleted_at IS NULL;

-- An idea's voters, newest vote first (the staff voters list): a page is
-- an index-only scan to its offset instead of every vote of the idea read
-- and sorted (32k of them for the most voted idea at 1M ideas). It is a
-- fourth index on votes, one more entry per vote cast.
DROP INDEX CONCURRENTLY IF EXISTS votes_idea_created_idx;
CREATE INDEX CONCURRENTLY votes_idea_created_idx ON votes (idea_id, created_at DESC, user_id);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS votes_idea_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS comments_moderation_idx;
DROP INDEX CONCURRENTLY IF EXISTS ideas_moderation_idx;
