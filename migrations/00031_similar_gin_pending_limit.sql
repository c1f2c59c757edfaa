-- +goose Up
-- GIN indexes queue new entries in a pending list (up to 4 MB by default)
-- that every scan of the index reads whole before the index proper. Each
-- vote rewrote its idea's row (until 00033 made that a HOT update) and so
-- queued the title's words again:
-- measured at 1M ideas, 10,559 queued entries (183 pages) made each scan
-- of ideas_title_words_idx for one rare word 10 ms instead of 0.6, and a
-- suggestion while typing scans it up to four times (19 → 4 ms of CPU a
-- request). A 64 kB list (8 pages) keeps inserts batched and bounds what
-- a scan reads; the suggestions' other GIN indexes get the same.
-- Flushing a large list outlasts the connection's request timeout.
SET LOCAL statement_timeout = 0;
ALTER INDEX ideas_title_words_idx SET (gin_pending_list_limit = 64);
ALTER INDEX ideas_title_trgm_idx SET (gin_pending_list_limit = 64);
ALTER INDEX title_word_counts_trgm_idx SET (gin_pending_list_limit = 64);
SELECT gin_clean_pending_list('ideas_title_words_idx'::regclass);
SELECT gin_clean_pending_list('ideas_title_trgm_idx'::regclass);
SELECT gin_clean_pending_list('title_word_counts_trgm_idx'::regclass);

-- +goose Down
ALTER INDEX title_word_counts_trgm_idx RESET (gin_pending_list_limit);
ALTER INDEX ideas_title_trgm_idx RESET (gin_pending_list_limit);
ALTER INDEX ideas_title_words_idx RESET (gin_pending_list_limit);
