package models_test

import (
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// The admin user list reads a page and counts no further than CountCap,
// with and without search text: it counted every user (and every match of
// the text, a scan of all users) per request. Paging still lists each
// matching user once, by id.
func TestListUsersCountsNoFurtherThanTheCap(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	if err := base.Exec(`INSERT INTO users (name, email) SELECT 'Member ' || g, 'member' || g || '@example.com' FROM generate_series(1, 1100) g;
		UPDATE users SET deleted_at = now() WHERE name = 'Member 7'; ANALYZE users`).Error; err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{"": models.CountCap, "member": models.CountCap, "MEMBER 10": 111, "nobody": 0} {
		rec.take()
		p, err := models.ListUsers(ctx, db, q, models.NewPage(2, 10))
		if err != nil {
			t.Fatal(err)
		}
		if p.Page.Total != want || p.Page.Capped != (want == models.CountCap) {
			t.Errorf("%q: total %d (capped %v), want %d", q, p.Page.Total, p.Page.Capped, want)
		}
		for _, s := range statementsOf(rec.take()) {
			read := 0.0
			explainAnalyzed(t, base, s).walk(func(n planNode) {
				if n.Relation == "users" {
					read += n.ActualRows*max(n.ActualLoops, 1) + n.RemovedByFilter
				}
			})
			if read > models.CountCap+20 && q != "nobody" && q != "MEMBER 10" {
				t.Errorf("%q: a statement read %.0f users:\n%s", q, read, s.sql)
			}
		}
	}
	// Each matching user once, by id, page after page.
	var last int64
	n := 0
	for page := 1; ; page++ {
		p, err := models.ListUsers(ctx, base, "member 10", models.NewPage(page, 5))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			if u.ID <= last {
				t.Fatalf("user %d after %d", u.ID, last)
			}
			last = u.ID
			n++
		}
		if !p.Page.HasNext() {
			break
		}
	}
	if n != 111 { // Member 10, 100–109 and 1000–1099
		t.Errorf("paged through %d users matching “member 10”", n)
	}
}
