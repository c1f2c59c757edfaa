package models_test

import (
	"context"
	"math"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// seedCounts counts the rows of every table the demo seed fills.
func seedCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	counts := map[string]int64{}
	for _, table := range []string{"users", "identities", "categories", "ideas", "votes", "follows", "comments",
		"crm_accounts", "crm_opportunities", "idea_accounts", "crm_account_members"} {
		var n int64
		if err := db.Raw(`SELECT count(*) FROM ` + table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

// seedQuery runs a query returning one number.
func seedQuery(t *testing.T, db *gorm.DB, query string) float64 {
	t.Helper()
	var n float64
	if err := db.Raw(query).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestSeedDemoFillsCommunityOnce(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	if err := models.SeedDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	first := seedCounts(t, db)
	if err := models.SeedDemo(ctx, db); err != nil {
		t.Fatalf("second run: %v", err)
	}
	second := seedCounts(t, db)
	for table, n := range first {
		if second[table] != n {
			t.Errorf("%s: %d rows after the first run, %d after the second", table, n, second[table])
		}
	}
	if first["users"] < 12 || first["ideas"] < 40 || first["categories"] < 5 {
		t.Errorf("too little demo content: %v", first)
	}

	checks := []struct {
		what  string
		query string
		want  func(float64) bool
	}{
		// Placeholders (contacts staff voted for) sign in only by taking over.
		{"users without a dev identity",
			`SELECT count(*) FROM users u WHERE NOT u.placeholder AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id AND i.provider = 'dev')`,
			func(n float64) bool { return n == 0 }},
		{"demo accounts", `SELECT count(*) FROM crm_accounts`, func(n float64) bool { return n == 12 }},
		{"demo accounts at stake for ideas", `SELECT count(DISTINCT account_id) FROM idea_account_demand`, func(n float64) bool { return n >= 10 }},
		{"demo proxy votes", `SELECT count(*) FROM votes WHERE cast_by_id IS NOT NULL`, func(n float64) bool { return n == 4 }},
		{"duplicate users", `SELECT count(*) - count(DISTINCT lower(email)) FROM users`, func(n float64) bool { return n == 0 }},
		{"duplicate idea titles", `SELECT count(*) - count(DISTINCT title) FROM ideas`, func(n float64) bool { return n == 0 }},
		{"duplicate comments", `SELECT count(*) - count(DISTINCT (idea_id, body)) FROM comments`, func(n float64) bool { return n == 0 }},
		{"comments at depth 2 or more", `SELECT count(*) FROM comments WHERE depth >= 2`, func(n float64) bool { return n >= 1 }},
		{"ideas with comments", `SELECT count(DISTINCT idea_id) FROM comments`, func(n float64) bool { return n >= 12 }},
		{"emails waiting about demo history", `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')`, func(n float64) bool { return n == 0 }},
		{"notifications a digest would mail", `SELECT count(*) FROM notifications WHERE emailed_at IS NULL`, func(n float64) bool { return n == 0 }},
		{"demo notifications", `SELECT count(*) FROM notifications`, func(n float64) bool { return n >= 20 }},
		// README: the changelog and every roadmap column have content from the start.
		{"shipped ideas on the changelog with a release note", `SELECT count(*) FROM ideas i WHERE status = 'shipped'
			AND shipped_at > now() - interval '90 days' AND EXISTS (SELECT 1 FROM idea_status_changes s
			WHERE s.idea_id = i.id AND s.to_status = 'shipped' AND s.release_note <> '')`, func(n float64) bool { return n == 3 }},
		{"roadmap statuses without ideas", `SELECT count(*) FROM unnest(ARRAY['under_review', 'planned', 'in_progress', 'shipped']) s
			WHERE NOT EXISTS (SELECT 1 FROM ideas WHERE status = s)`, func(n float64) bool { return n == 0 }},
		{"categories sharing a position", `SELECT count(*) - count(DISTINCT position) FROM categories`, func(n float64) bool { return n == 0 }},
		{"idea categories in use", `SELECT count(DISTINCT category_id) FROM ideas`, func(n float64) bool { return n >= 5 }},
		{"idea authors", `SELECT count(DISTINCT author_id) FROM ideas`, func(n float64) bool { return n >= 8 }},
		{"highest vote count", `SELECT max(vote_count) FROM ideas`, func(n float64) bool { return n >= 10 }},
		{"lowest vote count", `SELECT min(vote_count) FROM ideas`, func(n float64) bool { return n == 1 }},
		{"distinct statuses besides open", `SELECT count(DISTINCT status) FROM ideas WHERE status <> 'open'`, func(n float64) bool { return n == 5 }},
		{"merged ideas", `SELECT count(*) FROM ideas WHERE status = 'merged'`, func(n float64) bool { return n == 0 }},
		{"ideas with a status but no staff_status_at", `SELECT count(*) FROM ideas WHERE status <> 'open' AND staff_status_at IS NULL`,
			func(n float64) bool { return n == 0 }},
		{"days between oldest and newest idea", `SELECT extract(epoch FROM max(created_at) - min(created_at)) / 86400 FROM ideas`,
			func(n float64) bool { return n >= 45 && n <= 62 }},
		{"votes before their idea", `SELECT count(*) FROM votes v JOIN ideas i ON i.id = v.idea_id WHERE v.created_at < i.created_at OR v.created_at > now()`,
			func(n float64) bool { return n == 0 }},
		{"comments before their idea or parent", `SELECT count(*) FROM comments c JOIN ideas i ON i.id = c.idea_id
			LEFT JOIN comments p ON p.id = c.parent_id
			WHERE c.created_at <= i.created_at OR c.created_at <= p.created_at OR c.created_at > now()`,
			func(n float64) bool { return n == 0 }},
		{"ideas whose counters disagree with their rows", `SELECT count(*) FROM ideas i
			WHERE vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)
			OR comment_count <> (SELECT count(*) FROM comments c WHERE c.idea_id = i.id)
			OR follower_count <> (SELECT count(*) FROM follows f WHERE f.idea_id = i.id)`,
			func(n float64) bool { return n == 0 }},
		// The score is one term for the idea (with its author's vote), one
		// per other vote and one per comment, as cw_trend_add builds it.
		{"largest score error", `SELECT max(abs(ln(
				exp(cw_trend_term(1, i.created_at) - i.score)
				+ (SELECT coalesce(sum(exp(cw_trend_term(1, v.created_at) - i.score)), 0) FROM votes v WHERE v.idea_id = i.id AND v.user_id <> i.author_id)
				+ (SELECT coalesce(sum(exp(cw_trend_term(1, c.created_at) - i.score)), 0) FROM comments c WHERE c.idea_id = i.id))))
			FROM ideas i`,
			func(n float64) bool { return n < 1e-6 }},
	}
	for _, c := range checks {
		if got := seedQuery(t, db, c.query); !c.want(got) || math.IsNaN(got) {
			t.Errorf("%s: %v", c.what, got)
		}
	}

	// A new demo member signs in with dev sign-in as the seeded account.
	var seeded models.User
	if err := db.Where("email = ?", "nadia@example.com").Take(&seeded).Error; err != nil {
		t.Fatal(err)
	}
	u, err := models.DevSignIn(ctx, db, "nadia@example.com", "", nil)
	if err != nil || u.ID != seeded.ID {
		t.Errorf("dev sign-in as nadia: %+v, %v (want user %d)", u, err, seeded.ID)
	}
}
