-- +goose Up
-- Product insights at scale (issue 12). A periodic job (the River leader,
-- every few minutes) rebuilds these in one transaction; the page reads them
-- instead of aggregating millions of votes per view, and computes live when
-- no fresh snapshot exists.

-- Demand per idea, segment and currency: the accounts at stake (each once,
-- as idea_account_demand counts them), their members' votes and their ARR
-- in the account's own currency. Money is converted at read time, so a
-- change of exchange rates needs no rebuild.
CREATE TABLE insights_idea_demand (
    idea_id   bigint NOT NULL,
    segment   text   NOT NULL,
    currency  text   NOT NULL,
    accounts  bigint NOT NULL,
    votes     bigint NOT NULL,
    arr_cents bigint NOT NULL,
    PRIMARY KEY (idea_id, segment, currency)
);
CREATE INDEX insights_idea_demand_segment_idx ON insights_idea_demand (segment, idea_id);

-- The default (unfiltered) view's numbers that do not depend on exchange
-- rates, as JSON, for the UTC day they were computed on. One row.
CREATE TABLE insights_snapshot (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    day         date        NOT NULL,
    computed_at timestamptz NOT NULL,
    data        jsonb       NOT NULL
);

-- The weekly chart reads 26 weeks of votes and comments by created_at.
CREATE INDEX votes_created_idx ON votes (created_at, idea_id);
CREATE INDEX comments_community_created_idx ON comments (created_at, idea_id)
    WHERE moderation = 'visible' AND deleted_at IS NULL AND NOT staff_only;

-- +goose Down
DROP INDEX comments_community_created_idx;
DROP INDEX votes_created_idx;
DROP TABLE insights_snapshot;
DROP TABLE insights_idea_demand;
