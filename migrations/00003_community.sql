-- +goose Up

-- unaccent() is only STABLE (its dictionary could change); this wrapper pins
-- the dictionary so it can feed generated columns and indexes.
-- +goose StatementBegin
CREATE FUNCTION cw_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
-- +goose StatementEnd

-- Trending score: the natural log of a sum over activity (votes, comments,
-- the idea itself) of weight * 2^((t - 2024-01-01) / 3 days). Every term
-- halves in value every three days relative to newer ones, so ordering by it
-- is ordering by recent activity, and it is updated incrementally in the
-- same transaction as the vote or comment: no periodic refresh needed.
-- +goose StatementBegin
CREATE FUNCTION cw_trend_term(weight double precision, at timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ln(weight) + (extract(epoch FROM at) - 1704067200) / 259200.0 * ln(2) $$;

CREATE FUNCTION cw_trend_add(score double precision, weight double precision, at timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN score IS NULL OR score < -1e8 THEN x
                ELSE greatest(score, x) + ln(1 + exp(-abs(score - x))) END
    FROM (SELECT cw_trend_term(weight, at) AS x) t
    $$;

CREATE FUNCTION cw_trend_sub(score double precision, weight double precision, at timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN score IS NULL OR x >= score - 1e-9 THEN -1e9
                ELSE score + ln(1 - exp(x - score)) END
    FROM (SELECT cw_trend_term(weight, at) AS x) t
    $$;
-- +goose StatementEnd

CREATE TABLE categories (
    id          bigserial PRIMARY KEY,
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
    description text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 300),
    position    int         NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO categories (slug, name, description) VALUES ('general', 'General', 'Everything else');

CREATE TABLE ideas (
    id              bigserial PRIMARY KEY,
    title           text        NOT NULL CHECK (char_length(title) BETWEEN 8 AND 120),
    body            text        NOT NULL DEFAULT '' CHECK (char_length(body) <= 10000),
    body_html       text        NOT NULL DEFAULT '',
    category_id     bigint      NOT NULL REFERENCES categories (id),
    tags            text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 5),
    author_id       bigint      NOT NULL REFERENCES users (id),
    status          text        NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'under_review', 'planned', 'in_progress', 'shipped', 'declined', 'merged')),
    moderation      text        NOT NULL DEFAULT 'visible' CHECK (moderation IN ('visible', 'pending', 'hidden', 'spam')),
    merged_into_id  bigint      REFERENCES ideas (id),
    vote_count      int         NOT NULL DEFAULT 0 CHECK (vote_count >= 0),
    comment_count   int         NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    follower_count  int         NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    score           double precision NOT NULL DEFAULT -1e9,
    staff_status_at timestamptz,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', cw_unaccent(title)), 'A') ||
                        setweight(to_tsvector('english', cw_unaccent(body)), 'B')) STORED,
    CHECK (merged_into_id IS NULL OR merged_into_id <> id),
    CHECK ((status = 'merged') = (merged_into_id IS NOT NULL))
);
CREATE INDEX ideas_search_idx ON ideas USING gin (search);
CREATE INDEX ideas_title_trgm_idx ON ideas USING gin (lower(title) gin_trgm_ops);
CREATE INDEX ideas_tags_idx ON ideas USING gin (tags);
CREATE INDEX ideas_author_idx ON ideas (author_id);
CREATE INDEX ideas_merged_into_idx ON ideas (merged_into_id) WHERE merged_into_id IS NOT NULL;
-- One index per list order, over what the public lists show.
CREATE INDEX ideas_trending_idx ON ideas (score DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_top_idx ON ideas (vote_count DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_new_idx ON ideas (created_at DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_discussed_idx ON ideas (comment_count DESC, id DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_category_idx ON ideas (category_id, score DESC) WHERE moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL;
CREATE INDEX ideas_status_idx ON ideas (status, vote_count DESC) WHERE moderation = 'visible' AND deleted_at IS NULL;

CREATE TABLE votes (
    idea_id    bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX votes_user_idx ON votes (user_id, idea_id);

CREATE TABLE follows (
    idea_id    bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX follows_user_idx ON follows (user_id, idea_id);

CREATE TABLE comments (
    id             bigserial PRIMARY KEY,
    idea_id        bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    parent_id      bigint,
    author_id      bigint      NOT NULL REFERENCES users (id),
    body           text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    body_html      text        NOT NULL,
    depth          int         NOT NULL DEFAULT 0 CHECK (depth BETWEEN 0 AND 5),
    moderation     text        NOT NULL DEFAULT 'visible' CHECK (moderation IN ('visible', 'pending', 'hidden', 'spam')),
    staff_only     boolean     NOT NULL DEFAULT false,
    origin_idea_id bigint      REFERENCES ideas (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    edited_at      timestamptz,
    deleted_at     timestamptz,
    search         tsvector GENERATED ALWAYS AS (to_tsvector('english', cw_unaccent(body))) STORED,
    UNIQUE (idea_id, id),
    -- A reply belongs to the same idea as its parent, enforced by the database.
    FOREIGN KEY (idea_id, parent_id) REFERENCES comments (idea_id, id) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX comments_idea_idx ON comments (idea_id, created_at, id);
CREATE INDEX comments_author_idx ON comments (author_id);
CREATE INDEX comments_search_idx ON comments USING gin (search);

-- +goose Down
DROP TABLE comments;
DROP TABLE follows;
DROP TABLE votes;
DROP TABLE ideas;
DROP TABLE categories;
DROP FUNCTION cw_trend_sub(double precision, double precision, timestamptz);
DROP FUNCTION cw_trend_add(double precision, double precision, timestamptz);
DROP FUNCTION cw_trend_term(double precision, timestamptz);
DROP FUNCTION cw_unaccent(text);
