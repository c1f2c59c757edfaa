-- +goose Up
-- "On the public lists" (visible, not deleted, not merged) was written
-- out in the idea_ranks trigger twice and in its backfill; cw_listed is
-- the one definition SQL uses, inlined where it is called. (Queries that
-- must match the partial indexes' predicates keep the literal form.)
-- +goose StatementBegin
CREATE FUNCTION cw_listed(moderation text, deleted_at timestamptz, merged_into_id bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL $$;

CREATE OR REPLACE FUNCTION cw_votable(moderation text, deleted_at timestamptz, merged_into_id bigint, status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT cw_listed(moderation, deleted_at, merged_into_id) AND status NOT IN ('merged', 'declined', 'shipped') $$;

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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cw_idea_ranks_put() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION cw_votable(moderation text, deleted_at timestamptz, merged_into_id bigint, status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL
        AND status NOT IN ('merged', 'declined', 'shipped') $$;
-- +goose StatementEnd
DROP FUNCTION cw_listed(text, timestamptz, bigint);
