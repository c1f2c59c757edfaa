package models_test

import (
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// A search reads what the GIN indexes hold for its words, not every write
// since the last vacuum: each new or edited idea or comment (and, while
// vote_count was indexed on ideas, each vote) puts the row's every word in
// the index's pending list, which every search then scans whole. At the
// default 4 MB that was ~500 pages and half a search's time at 1M ideas;
// with a small limit the inserting write merges the list into the index
// long before. This fails when a search
// for a word nobody wrote reads more than a few pages of either index
// after a few thousand writes.
func TestSearchDoesNotScanEveryWriteSinceVacuum(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	manyIdeas(t, base, ann, 1000)
	// No vacuum may empty the lists behind the test's back.
	for _, sql := range []string{
		`ALTER TABLE ideas SET (autovacuum_enabled = off)`,
		`ALTER TABLE comments SET (autovacuum_enabled = off)`,
		`INSERT INTO comments (idea_id, author_id, body, body_html)
			SELECT i.id, ` + fmt.Sprint(ann.ID) + `, 'A comment on ' || i.title, '<p>A comment</p>' FROM ideas i`,
	} {
		if err := base.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Idea and comment edits.
	for range 3 {
		for _, sql := range []string{
			`UPDATE ideas SET body = body || ' (edited)'`,
			`UPDATE comments SET body = body || ' (edited)'`,
		} {
			if err := base.Exec(sql).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	// Statistics as a live database has them, so the plans are its plans.
	if err := base.Exec(`ANALYZE ideas, comments`).Error; err != nil {
		t.Fatal(err)
	}
	rec.take()
	res, err := models.Search(ctx, db, nil, "zyxwvutsrq", models.NewPage(1, 20))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 {
		t.Fatalf("%d hits for a word nobody wrote", len(res.Hits))
	}
	sqls := statementsOf(rec.take())
	if len(sqls) != 1 {
		t.Fatalf("search ran %d statements, want 1", len(sqls))
	}
	read := indexPagesRead(t, base, sqls[0])
	if _, ok := read["ideas_search_idx"]; !ok {
		t.Errorf("the search does not read ideas_search_idx: %v", read)
	}
	// (On a thousand comments the planner may walk another index.)
	for _, ix := range []string{"ideas_search_idx", "comments_search_idx"} {
		if n := read[ix]; n > 16 {
			t.Errorf("a search for a word nobody wrote reads %.0f pages of %s", n, ix)
		}
	}
}

// indexPagesRead runs st under EXPLAIN (ANALYZE, BUFFERS) (see analyzed),
// sequential scans priced as on a table of millions, and returns the pages
// each index read.
func indexPagesRead(t *testing.T, db *gorm.DB, st statement) map[string]float64 {
	t.Helper()
	st.sets = append(st.sets[:len(st.sets):len(st.sets)], `SET LOCAL enable_seqscan = off`)
	read := map[string]float64{}
	analyzed(t, db, st).walk(func(n planNode) {
		if n.IndexName != "" {
			read[n.IndexName] += n.Hit + n.Read
		}
	})
	return read
}

// A search is one round trip: its statement, with no transaction or SET
// around it (three more round trips per search, as it had). Which capped
// matches a common word's scan takes must still not vary between requests,
// so the connections it runs on have synchronized scans off.
func TestSearchIsOneStatement(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	manyIdeas(t, base, ann, 30)
	for name, viewer := range map[string]*models.User{"anonymous": nil, "member": ann} {
		rec.take()
		res, err := models.Search(ctx, db, viewer, "generated", models.NewPage(1, 10))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 10 {
			t.Errorf("%s: %d hits, want 10", name, len(res.Hits))
		}
		if sqls := rec.take(); len(sqls) != 1 {
			t.Errorf("%s: a search sent %d statements, want 1:\n%s", name, len(sqls), strings.Join(sqls, "\n"))
		}
		var sync string
		if err := db.WithContext(ctx).Raw(`SHOW synchronize_seqscans`).Scan(&sync).Error; err != nil || sync != "off" {
			t.Errorf("%s: synchronize_seqscans is %q (%v), want off on every connection", name, sync, err)
		}
	}
}
