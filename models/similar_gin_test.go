package models_test

import (
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// A GIN index scan reads the index's whole pending list (entries queued by
// inserts and title edits; votes did too until idea_ranks made them HOT)
// before the index proper. Suggestions while typing scan ideas_title_words_idx up to
// four times a request: each scan must read a few pages however many
// entries writes have queued, not the hundreds a 4 MB list holds.
func TestSimilarWordScansReadABoundedPendingList(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	first := newIdea(t, base, ann, "Export reports to CSV, number 0")
	// 3,000 titles of 6 or 7 words queued in one go (about 50 pending
	// pages with the default limit), half of them with a rarer word.
	if err := base.Exec(`INSERT INTO ideas (title, body, body_html, category_id, author_id)
		SELECT 'Export reports to CSV, number ' || n || ' of ' || n % 7 || CASE WHEN n % 2 = 0 THEN ' nightly' ELSE '' END,
			body, body_html, category_id, author_id
		FROM ideas, generate_series(1, 3000) n WHERE id = ?`, first.ID).Error; err != nil {
		t.Fatal(err)
	}
	base.Exec(`ANALYZE ideas; ANALYZE title_word_counts`)
	for _, typed := range []string{"nightly csv exp", "Share number 12 of 3"} {
		rec.take()
		if _, err := models.Similar(ctx, db, nil, typed, 5); err != nil {
			t.Fatal(err)
		}
		scans := 0
		for _, st := range statementsOf(rec.take()) {
			analyzed(t, base, st).walk(func(n planNode) {
				if n.NodeType != "Bitmap Index Scan" || !strings.HasPrefix(n.IndexName, "ideas_title") {
					return
				}
				scans++
				if pages := n.Hit + n.Read; pages > 20 {
					t.Errorf("%q: a scan of %s read %.0f pages, want a few (the pending list bounded)", typed, n.IndexName, pages)
				}
			})
		}
		if scans == 0 {
			t.Errorf("%q: no scan of a title index: the test checks nothing", typed)
		}
	}
}

// Suggestions while typing are asked on every typing pause: their two
// statements are prepared once per connection and must run a generic plan
// from the first execution, not be planned again for each title (planning
// them cost more than running them at 1M ideas). This fails when a
// statement is planned per request (custom plans), e.g. when the setting
// that forces the generic plan is lost.
func TestSimilarWhileTypingPlansOnce(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	manyIdeas(t, db, ann, 30)
	newIdea(t, db, ann, "Dark mode for the reporting dashboard")
	models.SQLDB(db).SetMaxOpenConns(1) // one connection: its prepared statements are the ones asked
	titles := []string{"Dark mode for the", "dark mdoe", "reporting dash", "Generated idea numb", "Dark mode for the reporting dashboard",
		"mode dashboard reports", "Generated idea number 12", "dashbaord dark"}
	for _, typed := range titles {
		if _, err := models.Similar(ctx, db, nil, typed, 5); err != nil {
			t.Fatal(err)
		}
	}
	var stmts []struct {
		Statement                 string
		GenericPlans, CustomPlans int
	}
	if err := db.Raw(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '%title_word_counts%' OR statement LIKE '%WITH RECURSIVE words%'`).Scan(&stmts).Error; err != nil {
		t.Fatal(err)
	}
	if len(stmts) < 2 {
		t.Fatalf("%d prepared suggestion statements, want the word list's and the ranking's", len(stmts))
	}
	for _, st := range stmts {
		if st.CustomPlans > 0 || st.GenericPlans == 0 {
			t.Errorf("%d custom and %d generic plans, want generic only: %.120s", st.CustomPlans, st.GenericPlans, strings.Join(strings.Fields(st.Statement), " "))
		}
	}
}
