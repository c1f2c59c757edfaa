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
CREATE VIEW crm_memberships AS
SELECT u.id AS user_id,
       COALESCE(m.account_id, d.account_id) AS account_id,
       m.user_id IS NOT NULL AS explicit
FROM users u
LEFT JOIN crm_account_members m ON m.user_id = u.id
LEFT JOIN crm_account_domains d
       ON m.user_id IS NULL
      AND u.email IS NOT NULL
      AND (u.email_verified OR u.placeholder)
      AND d.domain = lower(split_part(u.email, '@', 2))
WHERE u.deleted_at IS NULL
  AND COALESCE(m.account_id, d.account_id) IS NOT NULL;

-- +goose Down
DROP VIEW crm_memberships;
DROP INDEX users_email_domain_idx;
ALTER TABLE users DROP COLUMN placeholder;
DROP TABLE crm_account_members;
DROP TABLE crm_opportunities;
DROP TRIGGER crm_account_domains_sync ON crm_accounts;
DROP FUNCTION crm_account_domains_sync();
DROP TABLE crm_account_domains;
DROP TABLE crm_accounts;
