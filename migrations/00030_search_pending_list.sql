-- +goose Up
-- Every new or edited idea or comment (and, while vote_count is indexed on
-- ideas, every vote: never a HOT update) puts all of the row's words in
-- the search index's pending list, which every search scans whole until it
-- is merged. At the default limit (4 MB) that was up to ~500 pages, half a
-- search's time at 1M ideas. At 64 kB the write that fills the list merges
-- it (a few hundred rows, a few milliseconds), and a search reads at most
-- 8 pages of it. What is queued now is merged at once (~0.5 s for 4 MB at
-- 1M ideas, but it may outlast the connection's request timeout).
SET LOCAL statement_timeout = 0;
ALTER INDEX ideas_search_idx SET (gin_pending_list_limit = 64);
ALTER INDEX comments_search_idx SET (gin_pending_list_limit = 64);
SELECT gin_clean_pending_list('ideas_search_idx'::regclass);
SELECT gin_clean_pending_list('comments_search_idx'::regclass);

-- +goose Down
ALTER INDEX ideas_search_idx RESET (gin_pending_list_limit);
ALTER INDEX comments_search_idx RESET (gin_pending_list_limit);
