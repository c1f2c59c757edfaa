-- +goose Up
-- The list orders that follow votes (trending, top, and the category and
-- status filters and roadmap columns that use them) move from partial
-- indexes on ideas to idea_ranks, a narrow copy of the columns they order
-- and filter by, kept by triggers. While vote_count and score were indexed
-- on ideas, every vote wrote a new version of the whole idea row (title,
-- bodies, search vector) into every one of its 14 indexes, the GIN ones
-- included (search, title trigrams, title words, tags): about 8 kB of WAL
-- per vote, and pending-list entries that every search then read. Now no
-- index on ideas holds a column a vote changes, so the vote's update of
-- ideas can be HOT (no index entries; fillfactor leaves room on the page
-- for the new version), and only this narrow row's btree entries change.
-- The copy and its indexes take minutes at a million ideas: more than the
-- connection's request timeout, which the migrations share.
SET LOCAL statement_timeout = 0;
CREATE TABLE idea_ranks (
    id          bigint           PRIMARY KEY REFERENCES ideas (id) ON DELETE CASCADE,
    vote_count  integer          NOT NULL,
    score       double precision NOT NULL,
    category_id bigint           NOT NULL,
    status      text             NOT NULL,
    listed      boolean          NOT NULL -- on the public lists: visible, live, not merged
);

-- +goose StatementBegin
CREATE FUNCTION cw_idea_ranks_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO idea_ranks (id, vote_count, score, category_id, status, listed)
        VALUES (NEW.id, NEW.vote_count, NEW.score, NEW.category_id, NEW.status,
            NEW.moderation = 'visible' AND NEW.deleted_at IS NULL AND NEW.merged_into_id IS NULL);
    ELSE
        UPDATE idea_ranks SET vote_count = NEW.vote_count, score = NEW.score, category_id = NEW.category_id,
            status = NEW.status, listed = NEW.moderation = 'visible' AND NEW.deleted_at IS NULL AND NEW.merged_into_id IS NULL
        WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER idea_ranks_inserted AFTER INSERT ON ideas
    FOR EACH ROW EXECUTE FUNCTION cw_idea_ranks_put();
CREATE TRIGGER idea_ranks_updated AFTER UPDATE OF vote_count, score, category_id, status, moderation, deleted_at, merged_into_id ON ideas
    FOR EACH ROW WHEN ((OLD.vote_count, OLD.score, OLD.category_id, OLD.status, OLD.moderation, OLD.deleted_at, OLD.merged_into_id)
        IS DISTINCT FROM (NEW.vote_count, NEW.score, NEW.category_id, NEW.status, NEW.moderation, NEW.deleted_at, NEW.merged_into_id))
    EXECUTE FUNCTION cw_idea_ranks_put();

INSERT INTO idea_ranks (id, vote_count, score, category_id, status, listed)
SELECT id, vote_count, score, category_id, status, moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL
FROM ideas;

CREATE INDEX idea_ranks_trending_idx ON idea_ranks (score DESC, id DESC) WHERE listed;
CREATE INDEX idea_ranks_top_idx ON idea_ranks (vote_count DESC, id DESC) WHERE listed;
CREATE INDEX idea_ranks_category_idx ON idea_ranks (category_id, score DESC, id DESC) WHERE listed;
CREATE INDEX idea_ranks_status_idx ON idea_ranks (status, vote_count DESC, id DESC) WHERE listed;

-- What stays on ideas serves the counts of those filters (index-only).
DROP INDEX ideas_trending_idx, ideas_top_idx, ideas_category_idx, ideas_status_idx;
CREATE INDEX ideas_category_idx ON ideas (category_id) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_status_idx ON ideas (status) WHERE moderation = 'visible' AND deleted_at IS NULL;
ALTER TABLE ideas SET (fillfactor = 80);

-- +goose Down
ALTER TABLE ideas RESET (fillfactor);
DROP INDEX ideas_category_idx, ideas_status_idx;
CREATE INDEX ideas_trending_idx ON ideas (score DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_top_idx ON ideas (vote_count DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_category_idx ON ideas (category_id, score DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_status_idx ON ideas (status, vote_count DESC) WHERE moderation = 'visible' AND deleted_at IS NULL;
DROP TRIGGER idea_ranks_updated ON ideas;
DROP TRIGGER idea_ranks_inserted ON ideas;
DROP FUNCTION cw_idea_ranks_put();
DROP TABLE idea_ranks;
