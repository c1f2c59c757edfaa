-- +goose Up
-- How many ideas each account has a stake in (idea_account_demand rows),
-- rebuilt with the insights snapshot: the staff accounts list ordered by
-- ideas reads it instead of counting the demand view for every account.
CREATE TABLE insights_account_ideas (
    account_id bigint PRIMARY KEY,
    ideas      bigint NOT NULL
);

-- +goose Down
DROP TABLE insights_account_ideas;
