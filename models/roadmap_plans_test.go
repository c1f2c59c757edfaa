package models_test

import (
	"slices"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// manyInStatus inserts n visible ideas by author in status, with ties on
// votes and on the ship time (shipped ones shipped within the last day),
// so every order must break ties by id. They go to the first category, or
// with other to the second, with more votes and shipped later than any in
// the first: a column of the first category read from an index of all
// categories would pass over every one of them.
func manyInStatus(t *testing.T, db *gorm.DB, author *models.User, status string, n int, other bool) {
	t.Helper()
	err := db.Exec(`INSERT INTO ideas (title, category_id, author_id, status, vote_count, shipped_at)
		SELECT 'Idea ' || g || ' ' || CAST(@status AS text), (SELECT id FROM categories ORDER BY id LIMIT 1 OFFSET @k), @author, @status,
			g % 7 + 7 * @k, CASE WHEN @status = 'shipped' THEN now() - (g % 13 + 1 - @k) * interval '1 hour' END
		FROM generate_series(1, @n) g`, map[string]any{"author": author.ID, "status": status, "n": n, "k": map[bool]int{false: 0, true: 1}[other]}).Error
	if err != nil {
		t.Fatal(err)
	}
}

// rowsReadOfBigTables is the most rows any node of st's plan takes from a
// table that grows with the community, counting those its filter drops.
func rowsReadOfBigTables(t *testing.T, db *gorm.DB, st statement) (most float64, where string) {
	t.Helper()
	// Scans and sorts priced as on a table of millions: on a thousand
	// rows, sorting a column and reading it in an index's order are near
	// a tie, which a fresh cluster's planner broke the other way.
	st.sets = append(st.sets[:len(st.sets):len(st.sets)], `SET LOCAL enable_seqscan = off`, `SET LOCAL enable_sort = off`)
	analyzed(t, db, st).walk(func(n planNode) {
		if rows := (n.ActualRows + n.RemovedByFilter) * max(n.ActualLoops, 1); bigTables[n.Relation] && rows > most {
			most, where = rows, n.NodeType+" on "+n.Relation+" "+n.IndexName
		}
	})
	return most, where
}

// A roadmap column of more than CountCap ideas shows its first ones and
// "1,000+": no statement behind it reads more than CountCap+1 rows of
// ideas or idea_ranks (it counted every idea of every column, and read and
// sorted every recently shipped idea: 12 s at a million ideas), with or
// without the category filter, whose columns read their category's ideas
// only. A short column still counts exactly.
func TestRoadmapNeverCountsPastCountCap(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	const n = models.CountCap + 45
	if err := base.Exec(`INSERT INTO categories (slug, name) VALUES ('mobile', 'Mobile')`).Error; err != nil {
		t.Fatal(err)
	}
	for _, other := range []bool{false, true} {
		manyInStatus(t, base, ann, models.StatusPlanned, n, other)
		manyInStatus(t, base, ann, models.StatusShipped, n, other)
	}
	manyInStatus(t, base, ann, models.StatusUnderReview, 3, false)
	var first string
	if err := base.Raw(`SELECT slug FROM categories ORDER BY id LIMIT 1`).Scan(&first).Error; err != nil {
		t.Fatal(err)
	}
	if err := base.Exec(`VACUUM (ANALYZE) ideas, idea_ranks`).Error; err != nil {
		t.Fatal(err)
	}
	for _, category := range []string{"", first} {
		rec.take()
		cols, err := models.Roadmap(ctx, db, nil, category)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			switch c.Status {
			case models.StatusPlanned, models.StatusShipped:
				if len(c.Ideas) != 50 || !c.Capped || c.Total != models.CountCap || c.TotalLabel() != "1,000+" {
					t.Errorf("%q %s: %d ideas, total %d capped %v %q", category, c.Status, len(c.Ideas), c.Total, c.Capped, c.TotalLabel())
				}
			case models.StatusUnderReview:
				if len(c.Ideas) != 3 || c.Capped || c.Total != 3 || c.TotalLabel() != "3" {
					t.Errorf("%q %s: %d ideas, total %d capped %v", category, c.Status, len(c.Ideas), c.Total, c.Capped)
				}
			}
			for i := 1; i < len(c.Ideas); i++ {
				a, b := c.Ideas[i-1], c.Ideas[i]
				if c.Status != models.StatusShipped && (a.VoteCount < b.VoteCount || a.VoteCount == b.VoteCount && a.ID < b.ID) {
					t.Errorf("%s out of vote order at %d", c.Status, i)
				}
			}
		}
		for _, st := range statementsOf(rec.take()) {
			if most, where := rowsReadOfBigTables(t, base, st); most > models.CountCap+1 {
				t.Errorf("category %q: reads %.0f rows (%s):\n%s", category, most, where, st.sql)
			}
		}
	}
}

// The changelog pages like the idea lists: "1,000+" past CountCap, the
// next page from one extra row, every shipped idea once over all pages in
// ship order, by cursor exactly as by page number, the last page exact and
// a page past it 404s. A deep page by number skips index entries only, and
// one by cursor not even those: neither reads more ideas rows than its own
// (it read and sorted every shipped idea, joined to its author and
// category, and counted them all).
func TestChangelogCapsTheCountAndReadsOnlyItsPage(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	const n, per = models.CountCap + 45, 20
	manyInStatus(t, base, ann, models.StatusShipped, n, false)
	manyInStatus(t, base, ann, models.StatusPlanned, 30, false) // not shipped: not listed
	if err := base.Exec(`VACUUM (ANALYZE) ideas, idea_ranks`).Error; err != nil {
		t.Fatal(err)
	}
	var all []models.ChangelogEntry
	after := ""
	for p := 1; ; p++ {
		byNumber, err := models.Changelog(ctx, db, nil, models.NewPage(p, per), "")
		if err != nil {
			t.Fatal(err)
		}
		list, err := models.Changelog(ctx, db, nil, models.NewPage(p, per), after)
		if err != nil {
			t.Fatal(err)
		}
		if p == 1 && (!list.Page.Capped || list.Page.TotalLabel() != "1,000+" || list.Page.PagesLabel() != "50+" || !list.Page.HasNext()) {
			t.Errorf("page 1: %+v", list.Page)
		}
		if !slices.EqualFunc(list.Entries, byNumber.Entries, func(a, b models.ChangelogEntry) bool { return a.ID == b.ID }) {
			t.Fatalf("page %d by cursor differs from page %d by number", p, p)
		}
		all = append(all, list.Entries...)
		if !list.Page.HasNext() {
			if list.Next != "" || byNumber.Page.Capped || byNumber.Page.Total != n || len(list.Entries) != n-(p-1)*per {
				t.Errorf("last page %d: %d entries, %+v next %q; by number %+v", p, len(list.Entries), list.Page, list.Next, byNumber.Page)
			}
			break
		}
		after = list.Next
	}
	if len(all) != n {
		t.Fatalf("%d entries over all pages, want %d", len(all), n)
	}
	seen := map[int64]bool{}
	for i, e := range all {
		if seen[e.ID] || e.Status != models.StatusShipped {
			t.Fatalf("entry %d: idea %d (%s) twice or not shipped", i, e.ID, e.Status)
		}
		seen[e.ID] = true
		if i > 0 && (all[i-1].ShippedAt.Before(e.ShippedAt) || all[i-1].ShippedAt.Equal(e.ShippedAt) && all[i-1].ID < e.ID) {
			t.Fatalf("out of ship order at %d", i)
		}
	}
	if past, err := models.Changelog(ctx, db, nil, models.NewPage(99, per), ""); err != nil || !past.Page.PastEnd() || past.Page.Total != n {
		t.Errorf("past the end: %v %+v", err, past)
	}
	for _, bad := range []string{"junk", "1_", "NaN_3", "99999999999999999999_3"} {
		if got, err := models.Changelog(ctx, db, nil, models.NewPage(2, per), bad); err != nil || len(got.Entries) != per || got.Entries[0].ID != all[per].ID {
			t.Errorf("after=%q: %v, want page 2 by its number", bad, err)
		}
	}

	// Joins and sorts priced as at a million ideas too, where probing the
	// page's rows beats reading the table into a hash, and reading the
	// index in order beats sorting every shipped idea (on a thousand the
	// two are near a tie, which a fresh cluster's planner broke the other way).
	large := []string{`SET LOCAL enable_seqscan = off`, `SET LOCAL enable_hashjoin = off`, `SET LOCAL enable_mergejoin = off`,
		`SET LOCAL enable_sort = off`}
	read := func(st statement) (rows, entries float64) {
		analyzed(t, base, statement{st.sql, large}).walk(func(n planNode) {
			if n.Relation != "ideas" {
				return
			}
			if read := (n.ActualRows + n.RemovedByFilter) * max(n.ActualLoops, 1); n.NodeType == "Index Only Scan" {
				entries += read
			} else {
				rows += read
			}
		})
		return rows, entries
	}
	rec.take()
	deep := all[49*per-1] // the last entry of page 49
	for name, cursor := range map[string]string{"by number": "", "by cursor": strconv.FormatInt(deep.ShippedAt.UnixMicro(), 10) + "_" + strconv.FormatInt(deep.ID, 10)} {
		got, err := models.Changelog(ctx, db, nil, models.NewPage(50, per), cursor)
		if err != nil || len(got.Entries) != per || got.Entries[0].ID != all[49*per].ID {
			t.Fatalf("page 50 %s: %v", name, err)
		}
		sqls := statementsOf(rec.take())
		if len(sqls) != 2 {
			t.Fatalf("page 50 %s ran %d statements, want the page and its capped count", name, len(sqls))
		}
		rows, entries := read(sqls[0])
		if rows > per+1 || name == "by cursor" && entries > per+1 {
			t.Errorf("page 50 %s reads %.0f ideas rows and %.0f index entries for a page of %d:\n%s", name, rows, entries, per, sqls[0].sql)
		}
		if most, where := rowsReadOfBigTables(t, base, sqls[1]); most > models.CountCap+1 {
			t.Errorf("the count reads %.0f rows (%s):\n%s", most, where, sqls[1].sql)
		}
	}
	feed, err := models.ChangelogFeed(ctx, db, 50)
	if err != nil || len(feed) != 50 || !slices.EqualFunc(feed, all[:50], func(a, b models.ChangelogEntry) bool { return a.ID == b.ID }) {
		t.Errorf("feed: %v, %d entries, not the changelog's first 50", err, len(feed))
	}
}
