-- +goose Up
-- Every public list tab and filter is served from idea_ranks (00033):
-- it gains the orders of the tabs that do not follow votes (created_at,
-- comment_count) and the tags, and each tab's index carries the filter
-- columns (category, status, tags) so a filtered or deep page picks its
-- ids from one index-only scan of narrow entries, then reads only that
-- page's idea rows (models.ListIdeas). Before, page 2,000 of a tab read
-- 40,000 wide idea rows and their authors to skip them, and a tag filter
-- read every idea with the tag and sorted them.
-- idea_tags lists each idea's tags by tag: a rare tag's ideas come from
-- its range of the primary key instead of a walk of the whole tab, and the
-- planner chooses between the two by the tag's frequency. The triggers on
-- ideas keep both (cw_idea_ranks_put stays the one writer of idea_ranks).
-- The refill and the indexes take minutes at a million ideas: more than
-- the connection's request timeout, which the migrations share.
SET LOCAL statement_timeout = 0;

DROP INDEX idea_ranks_trending_idx, idea_ranks_top_idx, idea_ranks_category_idx, idea_ranks_status_idx;
TRUNCATE idea_ranks;
ALTER TABLE idea_ranks ADD COLUMN created_at timestamptz NOT NULL, ADD COLUMN comment_count integer NOT NULL,
    ADD COLUMN tags text[] NOT NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cw_idea_ranks_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO idea_ranks (id, vote_count, score, category_id, status, listed, created_at, comment_count, tags)
        VALUES (NEW.id, NEW.vote_count, NEW.score, NEW.category_id, NEW.status,
            cw_listed(NEW.moderation, NEW.deleted_at, NEW.merged_into_id), NEW.created_at, NEW.comment_count, NEW.tags);
    ELSE
        UPDATE idea_ranks SET vote_count = NEW.vote_count, score = NEW.score, category_id = NEW.category_id,
            status = NEW.status, listed = cw_listed(NEW.moderation, NEW.deleted_at, NEW.merged_into_id),
            created_at = NEW.created_at, comment_count = NEW.comment_count, tags = NEW.tags
        WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION cw_idea_tags_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM idea_tags WHERE tag = ANY (OLD.tags) AND idea_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO idea_tags (tag, idea_id) SELECT DISTINCT t, NEW.id FROM unnest(NEW.tags) t;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

DROP TRIGGER idea_ranks_updated ON ideas;
CREATE TRIGGER idea_ranks_updated AFTER UPDATE OF vote_count, score, category_id, status, moderation, deleted_at, merged_into_id,
    created_at, comment_count, tags ON ideas
    FOR EACH ROW WHEN ((OLD.vote_count, OLD.score, OLD.category_id, OLD.status, OLD.moderation, OLD.deleted_at, OLD.merged_into_id,
        OLD.created_at, OLD.comment_count, OLD.tags)
        IS DISTINCT FROM (NEW.vote_count, NEW.score, NEW.category_id, NEW.status, NEW.moderation, NEW.deleted_at, NEW.merged_into_id,
        NEW.created_at, NEW.comment_count, NEW.tags))
    EXECUTE FUNCTION cw_idea_ranks_put();

INSERT INTO idea_ranks (id, vote_count, score, category_id, status, listed, created_at, comment_count, tags)
SELECT id, vote_count, score, category_id, status, cw_listed(moderation, deleted_at, merged_into_id), created_at, comment_count, tags
FROM ideas;

-- Each tab's order, with what the filters test beside it (top by status
-- has idea_ranks_status_idx, in its order).
CREATE INDEX idea_ranks_trending_idx ON idea_ranks (score DESC, id DESC) INCLUDE (category_id, status, tags) WHERE listed;
CREATE INDEX idea_ranks_top_idx ON idea_ranks (vote_count DESC, id DESC) INCLUDE (category_id, tags) WHERE listed;
CREATE INDEX idea_ranks_new_idx ON idea_ranks (created_at DESC, id DESC) INCLUDE (category_id, status, tags) WHERE listed;
CREATE INDEX idea_ranks_discussed_idx ON idea_ranks (comment_count DESC, id DESC) INCLUDE (category_id, status, tags) WHERE listed;
CREATE INDEX idea_ranks_category_idx ON idea_ranks (category_id, score DESC, id DESC) WHERE listed;
CREATE INDEX idea_ranks_status_idx ON idea_ranks (status, vote_count DESC, id DESC) WHERE listed;

-- No list reads these any more. Without ideas_discussed_idx no index on
-- ideas holds comment_count, so a comment's update of its idea is HOT
-- too (it added entries to all eleven indexes of ideas, the GIN ones
-- included).
DROP INDEX ideas_new_idx, ideas_discussed_idx;

-- No foreign key: its cascade would need a second index; the trigger
-- deletes an idea's rows by this key.
CREATE TABLE idea_tags (
    tag     text   NOT NULL,
    idea_id bigint NOT NULL
);
INSERT INTO idea_tags (tag, idea_id) SELECT DISTINCT t, i.id FROM ideas i, unnest(i.tags) t;
ALTER TABLE idea_tags ADD PRIMARY KEY (tag, idea_id);
CREATE TRIGGER idea_tags_inserted AFTER INSERT OR DELETE ON ideas
    FOR EACH ROW EXECUTE FUNCTION cw_idea_tags_put();
CREATE TRIGGER idea_tags_updated AFTER UPDATE OF tags ON ideas
    FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags) EXECUTE FUNCTION cw_idea_tags_put();

-- +goose Down
SET LOCAL statement_timeout = 0;
CREATE INDEX ideas_new_idx ON ideas (created_at DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_discussed_idx ON ideas (comment_count DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
DROP TRIGGER idea_tags_updated ON ideas;
DROP TRIGGER idea_tags_inserted ON ideas;
DROP TABLE idea_tags;
DROP FUNCTION cw_idea_tags_put();
DROP INDEX idea_ranks_trending_idx, idea_ranks_top_idx, idea_ranks_new_idx, idea_ranks_discussed_idx;
ALTER TABLE idea_ranks DROP COLUMN created_at, DROP COLUMN comment_count, DROP COLUMN tags;
DROP TRIGGER idea_ranks_updated ON ideas;
CREATE TRIGGER idea_ranks_updated AFTER UPDATE OF vote_count, score, category_id, status, moderation, deleted_at, merged_into_id ON ideas
    FOR EACH ROW WHEN ((OLD.vote_count, OLD.score, OLD.category_id, OLD.status, OLD.moderation, OLD.deleted_at, OLD.merged_into_id)
        IS DISTINCT FROM (NEW.vote_count, NEW.score, NEW.category_id, NEW.status, NEW.moderation, NEW.deleted_at, NEW.merged_into_id))
    EXECUTE FUNCTION cw_idea_ranks_put();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cw_idea_ranks_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO idea_ranks (id, vote_count, score, category_id, status, listed)
        VALUES (NEW.id, NEW.vote_count, NEW.score, NEW.category_id, NEW.status,
            cw_listed(NEW.moderation, NEW.deleted_at, NEW.merged_into_id));
    ELSE
        UPDATE idea_ranks SET vote_count = NEW.vote_count, score = NEW.score, category_id = NEW.category_id,
            status = NEW.status, listed = cw_listed(NEW.moderation, NEW.deleted_at, NEW.merged_into_id)
        WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE INDEX idea_ranks_trending_idx ON idea_ranks (score DESC, id DESC) WHERE listed;
CREATE INDEX idea_ranks_top_idx ON idea_ranks (vote_count DESC, id DESC) WHERE listed;
