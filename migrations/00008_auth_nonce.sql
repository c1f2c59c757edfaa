-- +goose Up
-- The OpenID Connect nonce sent with each sign-in attempt; the ID token must
-- carry it back, so a token minted for another attempt is refused.
ALTER TABLE auth_states ADD COLUMN nonce text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE auth_states DROP COLUMN nonce;
