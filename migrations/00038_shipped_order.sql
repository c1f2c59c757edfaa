-- The changelog and the roadmap's Shipped column list shipped ideas newest
-- first, the roadmap's optionally in one category; without an index in
-- that order each request read and sorted every shipped idea (and counted
-- them all), O(community) for a page of 20. These partial indexes hold
-- only the public shipped ideas, in the lists' order, overall and per
-- category (a small category would otherwise skip the others' entries,
-- each looked up in the heap). Shipped ideas take no votes, and a vote
-- changes none of their columns, so votes stay HOT.
--
-- The roadmap's columns by votes filtered by category read
-- idea_ranks_roadmap_idx in their order for the same reason. Only ideas in
-- a roadmap status are in it: a vote on an open idea (most of them) adds no
-- entry to it, a vote on one in the roadmap one entry.
--
-- Built CONCURRENTLY (so outside a transaction) because each reads all of
-- ideas, 15-20 s at a million, and a plain build would hold back every
-- vote and edit meanwhile on the replicas still serving. A build cut short
-- leaves an invalid index behind: each is dropped first, so the migration
-- can simply run again.
-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS ideas_shipped_idx;
CREATE INDEX CONCURRENTLY ideas_shipped_idx ON ideas (shipped_at DESC, id DESC)
    WHERE status = 'shipped' AND shipped_at IS NOT NULL
        AND moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS ideas_shipped_category_idx;
CREATE INDEX CONCURRENTLY ideas_shipped_category_idx ON ideas (category_id, shipped_at DESC, id DESC)
    WHERE status = 'shipped' AND shipped_at IS NOT NULL
        AND moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS idea_ranks_roadmap_idx;
CREATE INDEX CONCURRENTLY idea_ranks_roadmap_idx ON idea_ranks (category_id, status, vote_count DESC, id DESC)
    WHERE listed AND status IN ('under_review', 'planned', 'in_progress');

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS idea_ranks_roadmap_idx;
DROP INDEX CONCURRENTLY IF EXISTS ideas_shipped_category_idx;
DROP INDEX CONCURRENTLY IF EXISTS ideas_shipped_idx;
