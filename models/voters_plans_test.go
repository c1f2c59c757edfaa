package models_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// A page of an idea's voters reads the votes before it from an index in
// the list's order and looks up only its own votes and voters: it read and
// sorted every vote of the idea and joined each to its voter (4.6 s for
// page 500 of the most voted idea at 1M), and counted them all again. The
// pages still list every vote once, newest first, and the total is exact.
func TestVotersPageReadsItsOwnVotes(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	mod := newStaff(t, base, "Mo", models.RoleModerator)
	idea := newIdea(t, base, ann, "An idea many people want")
	const voters = 300 + 1 // and the author's own vote
	steps := []string{
		`INSERT INTO users (name, email) SELECT 'Voter ' || g, 'voter' || g || '@example.com' FROM generate_series(1, 300) g`,
		// Votes in pairs an hour apart: ties the order breaks by voter.
		`INSERT INTO votes (idea_id, user_id, created_at)
			SELECT @idea, u.id, '2026-01-01'::timestamptz + (row_number() OVER (ORDER BY u.id DESC) / 2) * interval '1 hour'
			FROM users u WHERE u.name LIKE 'Voter %'`,
		`UPDATE ideas SET vote_count = (SELECT count(*) FROM votes WHERE idea_id = @idea) WHERE id = @idea`,
		`ANALYZE votes, users`,
	}
	for _, s := range steps {
		s = strings.ReplaceAll(s, "@idea", strconv.FormatInt(idea.ID, 10))
		if err := base.Exec(s).Error; err != nil {
			t.Fatal(err)
		}
	}
	const per = 20
	rec.take()
	page, err := models.Voters(ctx, db, mod, idea.ID, models.NewPage(5, per))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Voters) != per || page.Page.Total != voters {
		t.Fatalf("page 5: %d voters of %d", len(page.Voters), page.Page.Total)
	}
	for _, s := range statementsOf(rec.take()) {
		if strings.Contains(s.sql, "count(") && strings.Contains(s.sql, "FROM votes") {
			t.Errorf("counts the idea's votes:\n%s", s.sql)
		}
		if !strings.Contains(s.sql, "votes") {
			continue
		}
		votes, users := 0.0, 0.0
		explainAnalyzed(t, base, s).walk(func(n planNode) {
			switch n.Relation {
			case "votes":
				votes += n.ActualRows*max(n.ActualLoops, 1) + n.RemovedByFilter
			case "users":
				users += n.ActualRows*max(n.ActualLoops, 1) + n.RemovedByFilter
			}
		})
		// The votes up to the page's end from the index (and the row
		// that ends the scan), then the page's.
		if votes > 5*per+1+per || users > 3*per {
			t.Errorf("page 5 read %.0f votes and %.0f users, want at most %d and %d:\n%s", votes, users, 6*per+1, 3*per, s.sql)
		}
	}

	var all []models.Voter
	for n := 1; n <= voters/per+1; n++ {
		p, err := models.Voters(ctx, base, mod, idea.ID, models.NewPage(n, per))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Voters...)
	}
	seen := map[int64]bool{}
	for i, v := range all {
		seen[v.UserID] = true
		if i > 0 && (v.VotedAt.After(all[i-1].VotedAt) || v.VotedAt.Equal(all[i-1].VotedAt) && v.UserID < all[i-1].UserID) {
			t.Fatalf("voter %d out of order: %+v after %+v", i, v, all[i-1])
		}
	}
	if len(all) != voters || len(seen) != voters {
		t.Errorf("paged through %d voters, %d distinct, want %d", len(all), len(seen), voters)
	}
}
