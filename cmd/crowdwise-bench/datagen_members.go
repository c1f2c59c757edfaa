package main

import (
	"context"
	"crypto/rand"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// insertSessions signs in sessionCount members spread over the user ids.
// Each token has the API token's form (cw_ + 43 base62 digits) and is both
// a session and a bearer token; the tables keep only its SHA-256, as the
// app does.
func (g *generator) insertSessions(ctx context.Context) ([]string, error) {
	tokens := make([]string, sessionCount)
	users := make([]int64, sessionCount)
	for i := range tokens {
		// The API token format (cw_ + 43 base62 digits) serves as both:
		// the session cookie for pages, and a bearer token for votes, which
		// need no CSRF token that way.
		b := make([]byte, 43)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		for j := range b {
			b[j] = base62[int(b[j])%len(base62)]
		}
		tokens[i] = "cw_" + string(b)
		users[i] = 1 + int64(i)*(g.users/sessionCount)
	}
	_, err := g.exec(ctx, `INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
		SELECT sha256(convert_to(t, 'UTF8')), u, now() + interval '90 days', 'crowdwise-bench', '127.0.0.1'
		FROM unnest($1::text[], $2::bigint[]) AS s(t, u)`, tokens, users)
	if err != nil {
		return nil, err
	}
	if _, err := g.exec(ctx, `INSERT INTO api_tokens (user_id, name, hash, prefix, scopes)
		SELECT u, 'bench', sha256(convert_to(t, 'UTF8')), left(t, 10), '{read,write}'
		FROM unnest($1::text[], $2::bigint[]) AS s(t, u)`, tokens, users); err != nil {
		return nil, err
	}
	// The first session's member is a product manager, for the CRM pages.
	_, err = g.exec(ctx, `UPDATE users SET role = 'product_manager' WHERE id = $1`, users[0])
	return tokens, err
}

// insertCRM adds one account per 50 ideas in three segments (one in ten in
// EUR), puts every tenth member in an account by a staff link, and links
// every twentieth idea to an account, so the Demand, insights and account
// pages have work proportional to the community.
func (g *generator) insertCRM(ctx context.Context) (int64, error) {
	accounts := max(1, g.scale/50)
	n, err := g.exec(ctx, `INSERT INTO crm_accounts (name, domains, source, external_id, arr_cents, currency, segment, lifecycle)
		SELECT 'Account ' || a, ARRAY['acct' || a || '.bench.example'], 'csv', 'A' || a,
			(1000 + (a * 7919) % 500000)::bigint * 100, CASE WHEN a % 10 = 0 THEN 'EUR' ELSE 'USD' END,
			(ARRAY['Enterprise', 'Mid-market', 'SMB'])[1 + a % 3], 'customer'
		FROM generate_series(1, $1::bigint) a`, accounts)
	if err != nil {
		return 0, err
	}
	if _, err := g.exec(ctx, `INSERT INTO crm_account_members (user_id, account_id)
		SELECT u, 1 + (u / 10) % $2 FROM generate_series(10, $1::bigint, 10) u`, g.users, accounts); err != nil {
		return 0, err
	}
	m, err := g.exec(ctx, `INSERT INTO idea_accounts (idea_id, account_id, importance)
		SELECT i, 1 + (i * 31) % $2, (ARRAY['nice_to_have', 'important', 'critical'])[1 + i % 3]
		FROM generate_series(20, $1::bigint, 20) i`, g.scale, accounts)
	return n + m, err
}
