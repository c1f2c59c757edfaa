-- +goose Up
-- The words of the titles that can be suggested (visible, not deleted;
-- merged ones too, they lead to their target) with how many such titles
-- have each: duplicate suggestions complete the word being typed and
-- correct typos against this short list, then fetch candidates only
-- through words rare enough to bound the scan (models/similar_typed.go).
-- Words are ideas.title_words' lexemes. Rows that fall to 0 stay (a word
-- comes back often); readers skip them. COLLATE "C": the primary key
-- serves prefix ranges whatever the database's collation.
CREATE TABLE title_word_counts (
    word  text COLLATE "C" PRIMARY KEY,
    ideas integer NOT NULL
);
CREATE INDEX title_word_counts_trgm_idx ON title_word_counts USING gin (word gin_trgm_ops);

-- Kept by triggers, so every path that writes ideas (the app, the bench's
-- bulk generator, a manual fix) keeps it true. Inserts and deletes are
-- counted per statement (a bulk insert adds each word once); an update
-- only when the title or whether it is counted changes, so the vote and
-- counter updates never fire it. Words are upserted in word order, so two
-- transactions counting the same words cannot deadlock.
-- +goose StatementBegin
CREATE FUNCTION cw_title_words_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO title_word_counts AS c (word, ideas)
    SELECT w, count(*) FROM added, unnest(added.title_words) w
    WHERE added.moderation = 'visible' AND added.deleted_at IS NULL
    GROUP BY w ORDER BY w
    ON CONFLICT (word) DO UPDATE SET ideas = c.ideas + EXCLUDED.ideas;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION cw_title_words_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO title_word_counts AS c (word, ideas)
    SELECT w, -count(*) FROM removed, unnest(removed.title_words) w
    WHERE removed.moderation = 'visible' AND removed.deleted_at IS NULL
    GROUP BY w ORDER BY w
    ON CONFLICT (word) DO UPDATE SET ideas = c.ideas + EXCLUDED.ideas;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION cw_title_words_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO title_word_counts AS c (word, ideas)
    SELECT w, sum(d) FROM (
        SELECT unnest(OLD.title_words) AS w, -1 AS d WHERE OLD.moderation = 'visible' AND OLD.deleted_at IS NULL
        UNION ALL
        SELECT unnest(NEW.title_words), 1 WHERE NEW.moderation = 'visible' AND NEW.deleted_at IS NULL) x
    GROUP BY w HAVING sum(d) <> 0 ORDER BY w
    ON CONFLICT (word) DO UPDATE SET ideas = c.ideas + EXCLUDED.ideas;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER ideas_title_words_inserted AFTER INSERT ON ideas
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION cw_title_words_inserted();
CREATE TRIGGER ideas_title_words_deleted AFTER DELETE ON ideas
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION cw_title_words_deleted();
CREATE TRIGGER ideas_title_words_updated AFTER UPDATE OF title, moderation, deleted_at ON ideas
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.moderation IS DISTINCT FROM NEW.moderation
        OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION cw_title_words_updated();

-- The ideas there are. After the triggers: creating them locked ideas
-- against writes until this migration commits, so none is missed.
INSERT INTO title_word_counts (word, ideas)
SELECT w, count(*) FROM ideas, unnest(ideas.title_words) w
WHERE ideas.moderation = 'visible' AND ideas.deleted_at IS NULL
GROUP BY w;

-- +goose Down
DROP TRIGGER ideas_title_words_updated ON ideas;
DROP TRIGGER ideas_title_words_deleted ON ideas;
DROP TRIGGER ideas_title_words_inserted ON ideas;
DROP FUNCTION cw_title_words_updated();
DROP FUNCTION cw_title_words_deleted();
DROP FUNCTION cw_title_words_inserted();
DROP TABLE title_word_counts;
