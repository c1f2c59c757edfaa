-- The moderation queue's flagged items in the queue's order (first open
-- flag, oldest first): a page walks the open flags in this order and stops
-- at the page, instead of grouping every open flag by item on each request
-- (a spam wave can leave many thousands open). Built CONCURRENTLY, outside
-- a transaction, and dropped first so a build cut short can run again.
-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS flags_open_order_idx;
CREATE INDEX CONCURRENTLY flags_open_order_idx ON flags (target_type, created_at, target_id) WHERE resolved_at IS NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS flags_open_order_idx;
