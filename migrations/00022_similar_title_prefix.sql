-- +goose Up
-- Duplicate suggestions read the titles starting with the typed text in
-- order and stop after a few: bounded however many titles share the start
-- (models/similar.go, similarPrefixPool). text_pattern_ops: the database
-- collation need not be C for LIKE 'prefix%' and ~<~ order to use it.
CREATE INDEX ideas_title_prefix_idx ON ideas (lower(title) text_pattern_ops);

-- +goose Down
DROP INDEX ideas_title_prefix_idx;
