-- The changelog and the roadmap's Shipped column list shipped ideas newest
-- first; without an index in that order each request read and sorted every
-- shipped idea (and counted them all), O(community) for a page of 20. This
-- partial index holds only the public shipped ideas, in the lists' order,
-- with their category so the roadmap's category filter and capped count
-- stay on the index. Shipped ideas take no votes, and a vote changes none
-- of its columns, so votes stay HOT.
--
-- Built CONCURRENTLY (so outside a transaction) because it reads all of
-- ideas, a minute at a million, and a plain build would hold back every
-- vote and edit meanwhile on the replicas still serving. A build cut short
-- leaves an invalid index behind: the first statement drops it, so the
-- migration can simply run again.
-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS ideas_shipped_idx;
CREATE INDEX CONCURRENTLY ideas_shipped_idx ON ideas (shipped_at DESC, id DESC) INCLUDE (category_id)
    WHERE status = 'shipped' AND shipped_at IS NOT NULL
        AND moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS ideas_shipped_idx;
