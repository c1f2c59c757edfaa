-- +goose Up
-- The staff accounts list ordered by ARR compares ARR in the reporting
-- currency, whose rates are configuration (CROWDWISE_FX), so no stored
-- column can hold it. Within one currency that order is the ARR's own, so
-- the list reads each currency's top rows from this index and merges them:
-- O(page × currencies), never every account (models/crm_account_list.go).
-- Its leading column also lists the currencies in use by a skip scan.
CREATE INDEX crm_accounts_currency_arr_idx ON crm_accounts (currency, arr_cents DESC, id DESC);

-- +goose Down
DROP INDEX crm_accounts_currency_arr_idx;
