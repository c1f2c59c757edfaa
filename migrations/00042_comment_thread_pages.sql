-- An idea's discussion is shown a page of top-level comments at a time,
-- each with its replies: the page's roots come in order from
-- comments_roots_idx, their replies level by level from comments_parent_idx,
-- and staff's "not public" count from comments_not_public_idx (few rows:
-- hidden, pending and spam comments and staff notes). Without them a page
-- read the idea's whole discussion. Built CONCURRENTLY, outside a
-- transaction, and dropped first so a build cut short can run again.
-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS comments_roots_idx;
CREATE INDEX CONCURRENTLY comments_roots_idx ON comments (idea_id, created_at, id) WHERE parent_id IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS comments_parent_idx;
CREATE INDEX CONCURRENTLY comments_parent_idx ON comments (parent_id) WHERE parent_id IS NOT NULL;
DROP INDEX CONCURRENTLY IF EXISTS comments_not_public_idx;
CREATE INDEX CONCURRENTLY comments_not_public_idx ON comments (idea_id)
    WHERE deleted_at IS NULL AND (moderation <> 'visible' OR staff_only);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS comments_not_public_idx;
DROP INDEX CONCURRENTLY IF EXISTS comments_parent_idx;
DROP INDEX CONCURRENTLY IF EXISTS comments_roots_idx;
