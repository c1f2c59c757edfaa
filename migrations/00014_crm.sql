-- +goose Up
-- CRM accounts: the companies behind members, from a manual entry, a CSV
-- import, Salesforce or HubSpot. Money is kept in cents with its currency;
-- sums convert to the reporting currency at query time.
CREATE TABLE crm_accounts (
    id           bigserial PRIMARY KEY,
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    domains      text[]      NOT NULL DEFAULT '{}',
    source       text        NOT NULL CHECK (source IN ('manual', 'csv', 'salesforce', 'hubspot')),
    external_id  text        CHECK (external_id IS NULL OR char_length(external_id) BETWEEN 1 AND 200),
    arr_cents    bigint      NOT NULL DEFAULT 0 CHECK (arr_cents >= 0),
    currency     text        NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    segment      text        NOT NULL DEFAULT '' CHECK (char_length(segment) <= 100),
    lifecycle    text        NOT NULL DEFAULT 'customer' CHECK (lifecycle IN ('prospect', 'customer', 'churned')),
    owner_name   text        NOT NULL DEFAULT '' CHECK (char_length(owner_name) <= 200),
    owner_email  text        NOT NULL DEFAULT '' CHECK (char_length(owner_email) <= 254),
    renewal_date date,
    synced_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, external_id)
);
CREATE INDEX crm_accounts_name_trgm_idx ON crm_accounts USING gin (lower(name) gin_trgm_ops);
CREATE INDEX crm_accounts_arr_idx ON crm_accounts (arr_cents DESC, id DESC);
CREATE INDEX crm_accounts_segment_idx ON crm_accounts (segment, lifecycle);

-- Each domain belongs to at most one account. The account's domains array is
-- the truth; this table mirrors it (by trigger) so the primary key enforces
-- the rule and membership lookups use an index.
CREATE TABLE crm_account_domains (
    domain     text   PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES crm_accounts (id) ON DELETE CASCADE
);
CREATE INDEX crm_account_domains_account_idx ON crm_account_domains (account_id);

-- +goose StatementBegin
CREATE FUNCTION crm_account_domains_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM crm_account_domains WHERE account_id = NEW.id AND domain <> ALL (NEW.domains);
    INSERT INTO crm_account_domains (domain, account_id)
    SELECT DISTINCT d, NEW.id FROM unnest(NEW.domains) AS d
    WHERE NOT EXISTS (SELECT 1 FROM crm_account_domains x WHERE x.domain = d AND x.account_id = NEW.id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER crm_account_domains_sync AFTER INSERT OR UPDATE OF domains ON crm_accounts
    FOR EACH ROW EXECUTE FUNCTION crm_account_domains_sync();

CREATE TABLE crm_opportunities (
    id           bigserial PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES crm_accounts (id) ON DELETE CASCADE,
    source       text        NOT NULL CHECK (source IN ('manual', 'csv', 'salesforce', 'hubspot')),
    external_id  text        CHECK (external_id IS NULL OR char_length(external_id) BETWEEN 1 AND 200),
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    amount_cents bigint      NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
    stage        text        NOT NULL DEFAULT '' CHECK (char_length(stage) <= 100),
    close_date   date,
    state        text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'won', 'lost')),
    synced_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, external_id)
);
CREATE INDEX crm_opportunities_account_idx ON crm_opportunities (account_id, state);

-- A staff link puts a member in an account whatever their email says, and a
-- link with no account takes them out of the one their domain gives.
CREATE TABLE crm_account_members (
    user_id    bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    account_id bigint      REFERENCES crm_accounts (id) ON DELETE CASCADE,
    linked_by  bigint      REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_account_members_account_idx ON crm_account_members (account_id);

-- A placeholder member stands for a customer contact that staff voted for by
-- email; the person takes it over when they first sign in with that address,
-- verified. Its email was given by staff, so it counts for membership.
ALTER TABLE users ADD COLUMN placeholder boolean NOT NULL DEFAULT false;
CREATE INDEX users_email_domain_idx ON users (lower(split_part(email, '@', 2)))
    WHERE email IS NOT NULL AND (email_verified OR placeholder) AND deleted_at IS NULL;

-- Who belongs to which account, computed at read time so membership follows
-- every change at once: an explicit staff link wins, else the domain of a
-- verified (or staff-given placeholder) email. Never an unverified email.
-- Written as two indexed branches so both "members of account A" and "the
-- account of user U" are index lookups, never a scan of every member.
CREATE VIEW crm_memberships AS
SELECT u.id AS user_id, d.account_id, false AS explicit
FROM crm_account_domains d
JOIN users u
  ON lower(split_part(u.email, '@', 2)) = d.domain
 AND u.email IS NOT NULL AND (u.email_verified OR u.placeholder) AND u.deleted_at IS NULL
WHERE NOT EXISTS (SELECT 1 FROM crm_account_members m WHERE m.user_id = u.id)
UNION ALL
SELECT m.user_id, m.account_id, true AS explicit
FROM crm_account_members m
JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
WHERE m.account_id IS NOT NULL;

-- Staff say which accounts asked for an idea ("requested by"). Links move
-- with a merge (merged_from_id marks them) and come back with an unmerge.
CREATE TABLE idea_accounts (
    idea_id        bigint      NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
    account_id     bigint      NOT NULL REFERENCES crm_accounts (id) ON DELETE CASCADE,
    importance     text        NOT NULL DEFAULT 'important' CHECK (importance IN ('nice_to_have', 'important', 'critical')),
    note           text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
    opportunity_id bigint      REFERENCES crm_opportunities (id) ON DELETE SET NULL,
    linked_by      bigint      REFERENCES users (id) ON DELETE SET NULL,
    merged_from_id bigint      REFERENCES ideas (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idea_id, account_id)
);
CREATE INDEX idea_accounts_account_idx ON idea_accounts (account_id, idea_id);

-- A vote staff cast on behalf of a customer names the staff member; to the
-- public it is an ordinary vote.
ALTER TABLE votes ADD COLUMN cast_by_id bigint REFERENCES users (id) ON DELETE SET NULL;

-- Every account at stake for an idea, once: linked by staff, voting through
-- its members (proxy votes included), or both. ARR and pipeline sums start
-- here so that no account is counted twice.
CREATE VIEW idea_account_demand AS
SELECT idea_id, account_id, bool_or(linked) AS linked, count(*) FILTER (WHERE NOT linked) AS votes
FROM (
    SELECT ia.idea_id, ia.account_id, true AS linked FROM idea_accounts ia
    UNION ALL
    SELECT v.idea_id, m.account_id, false FROM votes v JOIN crm_memberships m ON m.user_id = v.user_id
) x
GROUP BY idea_id, account_id;

-- +goose Down
DROP VIEW idea_account_demand;
ALTER TABLE votes DROP COLUMN cast_by_id;
DROP TABLE idea_accounts;
DROP VIEW crm_memberships;
DROP INDEX users_email_domain_idx;
ALTER TABLE users DROP COLUMN placeholder;
DROP TABLE crm_account_members;
DROP TABLE crm_opportunities;
DROP TRIGGER crm_account_domains_sync ON crm_accounts;
DROP FUNCTION crm_account_domains_sync();
DROP TABLE crm_account_domains;
DROP TABLE crm_accounts;
