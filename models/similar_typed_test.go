package models_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// checkWordList asserts the title word list equals a recount from ideas:
// every word of a visible, undeleted idea's title with how many have it.
func checkWordList(t *testing.T, db *gorm.DB, when string) {
	t.Helper()
	var bad []struct {
		Word        string
		Kept, Count int
	}
	err := db.Raw(`WITH recount AS (
			SELECT w AS word, count(*)::int AS n FROM ideas, unnest(title_words) w
			WHERE moderation = 'visible' AND deleted_at IS NULL GROUP BY w),
		kept AS (SELECT word::text AS word, ideas AS n FROM title_word_counts WHERE ideas <> 0)
		SELECT coalesce(k.word, r.word) AS word, coalesce(k.n, 0) AS kept, coalesce(r.n, 0) AS count
		FROM kept k FULL JOIN recount r ON r.word = k.word
		WHERE k.n IS DISTINCT FROM r.n`).Scan(&bad).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: word %q counted %d, recount %d", when, b.Word, b.Kept, b.Count)
	}
}

// The word list Similar completes and corrects words from stays equal to
// a recount through every way a title appears, changes or leaves the
// suggestions: create (one and many in a statement), author and staff
// edits, hide and restore, merge and unmerge, delete.
func TestSimilarWordListFollowsEveryChange(t *testing.T) {
	db := openDB(t)
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	ann := newUser(t, db, "Ann")
	checkWordList(t, db, "empty")
	a := newIdea(t, db, ann, "Dark mode for the reporting dashboard")
	b := newIdea(t, db, ann, "Darker dashboard colours")
	c := newIdea(t, db, ann, "Export reports to CSV")
	manyIdeas(t, db, ann, 40) // one statement, many ideas
	checkWordList(t, db, "created")

	steps := []struct {
		name string
		do   func() error
	}{
		{"author edit", func() error {
			_, err := models.UpdateIdea(ctx, db, ann, a.ID, models.IdeaInput{Title: "Dark theme for the analytics dashboard", Body: "x"})
			return err
		}},
		{"staff edit", func() error {
			_, err := models.StaffEditIdea(ctx, db, mod, b.ID, models.StaffEditInput{Title: "Darker colours in charts", Category: "general"})
			return err
		}},
		{"hide", func() error { _, err := models.HideItem(ctx, db, mod, ideaRef(c.ID), "Off topic."); return err }},
		{"hide again", func() error { _, err := models.HideItem(ctx, db, mod, ideaRef(c.ID), "Off topic."); return err }},
		{"restore", func() error { _, err := models.RestoreItem(ctx, db, mod, ideaRef(c.ID)); return err }},
		{"merge", func() error { _, err := models.Merge(ctx, db, mod, b.ID, a.ID); return err }},
		{"unmerge", func() error { _, err := models.Unmerge(ctx, db, mod, b.ID); return err }},
		{"delete", func() error { return models.DeleteIdea(ctx, db, ann, c.ID) }},
		{"bulk hide", func() error {
			return db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE title LIKE 'Generated idea number 1%'`).Error
		}},
		{"hard delete", func() error { return db.Exec(`DELETE FROM ideas WHERE title LIKE 'Generated idea number 2%'`).Error }},
		{"vote", func() error { _, err := models.Vote(ctx, db, mod, a.ID); return err }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		checkWordList(t, db, s.name)
	}
	var n int
	db.Raw(`SELECT ideas FROM title_word_counts WHERE word = 'dashboard'`).Scan(&n)
	if n != 1 {
		t.Errorf("dashboard: %d ideas, want 1 (the edited idea)", n)
	}
}

// Suggestions while typing, on a community where the typed words are not
// all rare: a typo still finds its duplicate, a half-typed last word still
// completes, and an exact duplicate is first among many look-alikes.
func TestSimilarWhileTypingFindsDuplicates(t *testing.T) {
	db := openDB(t)
	ann, gen := newUser(t, db, "Ann"), newUser(t, db, "Gen")
	sso := newIdea(t, db, ann, "Single sign-on with Okta for the admin console")
	widget := newIdea(t, db, ann, "Android widget for the mobile app")
	// 3,500 look-alikes: "export", "reports" and "schedule" are too common
	// to fetch candidates by, so only the title prefix and rare words can
	// find the duplicate.
	if err := db.Exec(`INSERT INTO ideas (title, body, body_html, category_id, author_id)
		SELECT 'Schedule export of reports number ' || n, 'x', '<p>x</p>', category_id, ?
		FROM ideas, generate_series(1, 3500) n WHERE id = ?`, gen.ID, sso.ID).Error; err != nil {
		t.Fatal(err)
	}
	dup := newIdea(t, db, ann, "Schedule export of reports")
	weekly := newIdea(t, db, ann, "Schedule weekly export of usage reports to Dropbox")
	db.Exec(`ANALYZE ideas; ANALYZE title_word_counts`)
	for typed, want := range map[string]int64{
		"Schedule export of reports":       dup.ID,
		"schedule  EXPORT of reports":      dup.ID,
		"Schedule export of rep":           dup.ID,
		"Single sign-on with Otka":         sso.ID, // a typo in a short word: the others carry it
		"Singel sign-on with Okta for adm": sso.ID, // a typo and a half-typed word
		"okta admin consle":                sso.ID, // the last word misspelt
		"Andriod widget":                   widget.ID,
		"mobile app widg":                  widget.ID,
		"weekly export to Dropb":           weekly.ID,
		"Schedule wekly export to Dropbox": weekly.ID,
		"Schedule weekly exprot of usage":  weekly.ID, // a typo among common words
	} {
		if ids := similarIDs(t, db, typed); len(ids) == 0 || ids[0] != want {
			t.Errorf("%q: %v, want %d first", typed, ids, want)
		}
	}
}

// The ranking statement reads a bounded number of index entries and
// titles however common the typed words are: it fails when a word pool
// loses its cap or its LIMIT, or a pool comes back that scans every title
// with a word or trigram.
func TestSimilarWhileTypingReadsABoundedNumberOfTitles(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	first := newIdea(t, base, ann, "Export reports to CSV, number 0")
	// 4,000 titles with every typed word, 2,000 of them with a rarer one.
	if err := base.Exec(`INSERT INTO ideas (title, body, body_html, category_id, author_id)
		SELECT 'Export reports to CSV, number ' || n || CASE WHEN n % 2 = 0 THEN ' nightly' ELSE '' END,
			body, body_html, category_id, author_id
		FROM ideas, generate_series(1, 4000) n WHERE id = ?`, first.ID).Error; err != nil {
		t.Fatal(err)
	}
	base.Exec(`ANALYZE ideas; ANALYZE title_word_counts`)
	rec.take()
	for _, typed := range []string{"Export reports to CSV", "Exprot reports to CSV nightly", "csv nightly exp", "reports number 12"} {
		if _, err := models.Similar(ctx, db, nil, typed, 5); err != nil {
			t.Fatal(err)
		}
		for _, st := range statementsOf(rec.take()) {
			read := 0.0
			analyzed(t, base, st).walk(func(n planNode) {
				if n.NodeType == "Seq Scan" && bigTables[n.Relation] {
					t.Errorf("%q reads all of %s", typed, n.Relation)
				}
				if strings.HasPrefix(n.IndexName, "ideas_") || n.Relation == "ideas" && n.NodeType != "Bitmap Heap Scan" {
					read += n.ActualRows * n.ActualLoops
				}
			})
			// The index entries of the rare word (2,000, under the cap) and
			// the pools: 50 by prefix, 100 with every rare word, 40 ranked,
			// their merge chains and rows.
			if read > 2600 {
				t.Errorf("%q read %.0f index entries and titles of ideas, want a bounded few hundred", typed, read)
			}
		}
	}
}

// analyzed runs st with EXPLAIN (ANALYZE, BUFFERS) (rolled back) and returns its plan.
func analyzed(t *testing.T, db *gorm.DB, st statement) planNode {
	t.Helper()
	var plans []struct{ Plan planNode }
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, set := range st.sets {
			if err := tx.Exec(set).Error; err != nil {
				return err
			}
		}
		var out string
		if err := tx.Raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ` + st.sql).Row().Scan(&out); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(out), &plans); err != nil {
			return err
		}
		return tx.Rollback().Error
	})
	if err != nil && !strings.Contains(err.Error(), "transaction has already been committed or rolled back") {
		t.Fatal(err)
	}
	if len(plans) == 0 {
		t.Fatal("no plan")
	}
	return plans[0].Plan
}
