-- Backlog: ideas promoted to the built-in board or an external tracker
-- (Jira, GitHub Issues, Linear), the per-provider mapping from tracker
-- category to idea status, the inbound webhook log and the CRM write-back
-- log (issue 10).

-- +goose Up

-- Staff can pin an idea's status so tracker changes leave it alone.
ALTER TABLE ideas ADD COLUMN status_locked boolean NOT NULL DEFAULT false;

-- Where a timeline step came from when no person made it ("Jira PROJ-12
-- moved to Done"); empty for staff changes.
ALTER TABLE idea_status_changes ADD COLUMN source text NOT NULL DEFAULT '' CHECK (char_length(source) <= 300);

CREATE TABLE backlog_items (
    id             bigserial PRIMARY KEY,
    idea_id        bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    provider       text        NOT NULL CHECK (provider IN ('internal', 'jira', 'github', 'linear')),
    external_id    text        NOT NULL DEFAULT '' CHECK (char_length(external_id) <= 200),
    key            text        NOT NULL DEFAULT '' CHECK (char_length(key) <= 200),
    url            text        NOT NULL DEFAULT '' CHECK (char_length(url) <= 2000),
    status         text        NOT NULL DEFAULT '' CHECK (char_length(status) <= 200),
    category       text        NOT NULL DEFAULT 'backlog'
                               CHECK (category IN ('backlog', 'next', 'in_progress', 'done', 'wont_do')),
    state          text        NOT NULL DEFAULT 'creating' CHECK (state IN ('creating', 'linked', 'failed')),
    created_by     bigint      REFERENCES users (id) ON DELETE SET NULL,
    last_synced_at timestamptz,
    last_error     text        NOT NULL DEFAULT '' CHECK (char_length(last_error) <= 2000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (idea_id, provider)
);
-- One idea per tracker issue: webhooks and polls find the item by it.
CREATE UNIQUE INDEX backlog_items_external_idx ON backlog_items (provider, external_id) WHERE external_id <> '';
CREATE INDEX backlog_items_key_idx ON backlog_items (provider, key) WHERE key <> '';
-- The built-in board reads one column at a time.
CREATE INDEX backlog_items_board_idx ON backlog_items (provider, category, id);
-- The poller walks linked external items, oldest sync first.
CREATE INDEX backlog_items_poll_idx ON backlog_items (last_synced_at NULLS FIRST, id)
    WHERE state = 'linked' AND provider <> 'internal';

CREATE TABLE backlog_status_mappings (
    provider    text        NOT NULL CHECK (provider IN ('internal', 'jira', 'github', 'linear')),
    category    text        NOT NULL CHECK (category IN ('backlog', 'next', 'in_progress', 'done', 'wont_do')),
    -- NULL: no automatic change, staff decide.
    idea_status text        CHECK (idea_status IS NULL OR
                                   idea_status IN ('open', 'under_review', 'planned', 'in_progress', 'shipped', 'declined')),
    updated_by  bigint      REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, category)
);
INSERT INTO backlog_status_mappings (provider, category, idea_status)
SELECT p, c, CASE c WHEN 'backlog' THEN 'planned' WHEN 'next' THEN 'planned' WHEN 'in_progress' THEN 'in_progress'
                    WHEN 'done' THEN 'shipped' END
FROM unnest(ARRAY['internal', 'jira', 'github', 'linear']) AS p,
     unnest(ARRAY['backlog', 'next', 'in_progress', 'done', 'wont_do']) AS c
WHERE c <> 'next' OR p = 'internal';

CREATE TABLE backlog_webhook_deliveries (
    id          bigserial PRIMARY KEY,
    provider    text        NOT NULL CHECK (provider IN ('jira', 'github', 'linear')),
    delivery_id text        CHECK (char_length(delivery_id) <= 200),
    verified    boolean     NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('applied', 'unchanged', 'unknown_issue', 'ignored',
                                                        'replayed', 'bad_signature', 'stale', 'malformed', 'too_large')),
    item_id     bigint      REFERENCES backlog_items (id) ON DELETE SET NULL,
    detail      text        NOT NULL DEFAULT '' CHECK (char_length(detail) <= 500),
    received_at timestamptz NOT NULL DEFAULT now()
);
-- A delivery acted on once: a replay of it finds this row and changes nothing.
CREATE UNIQUE INDEX backlog_webhook_deliveries_dedupe_idx ON backlog_webhook_deliveries (provider, delivery_id)
    WHERE outcome IN ('applied', 'unchanged', 'unknown_issue', 'ignored');
CREATE INDEX backlog_webhook_deliveries_recent_idx ON backlog_webhook_deliveries (received_at DESC, id DESC);

-- One row per (account, idea, change): the write-back job's record, so a
-- retried or duplicated job writes to the CRM once.
CREATE TABLE crm_writebacks (
    id               bigserial PRIMARY KEY,
    account_id       bigint      NOT NULL REFERENCES crm_accounts (id) ON DELETE CASCADE,
    idea_id          bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    status_change_id bigint      REFERENCES idea_status_changes (id) ON DELETE SET NULL,
    -- 'status:<status change id>' or 'promote:<backlog item id>'
    change_ref       text        NOT NULL CHECK (char_length(change_ref) <= 100),
    target           text        NOT NULL CHECK (target IN ('salesforce', 'hubspot')),
    subject          text        NOT NULL CHECK (char_length(subject) <= 500),
    state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts         int         NOT NULL DEFAULT 0,
    last_error       text        NOT NULL DEFAULT '' CHECK (char_length(last_error) <= 2000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    done_at          timestamptz,
    UNIQUE (account_id, idea_id, change_ref)
);
CREATE INDEX crm_writebacks_recent_idx ON crm_writebacks (created_at DESC, id DESC);
CREATE INDEX crm_writebacks_failed_idx ON crm_writebacks (id DESC) WHERE state <> 'done';

-- +goose Down
DROP TABLE crm_writebacks;
DROP TABLE backlog_webhook_deliveries;
DROP TABLE backlog_status_mappings;
DROP TABLE backlog_items;
ALTER TABLE idea_status_changes DROP COLUMN source;
ALTER TABLE ideas DROP COLUMN status_locked;
