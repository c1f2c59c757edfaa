package models_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// listData inserts n ideas by author over two categories and three
// statuses, every tenth hidden: "api" tags every other idea, "rare" the
// first three. Each gets votes, comments and a creation time of its own
// (with ties, which the id breaks).
func listData(t *testing.T, db *gorm.DB, author *models.User, n int) {
	t.Helper()
	if err := db.Exec(`INSERT INTO categories (slug, name) VALUES ('second', 'Second') ON CONFLICT DO NOTHING`).Error; err != nil {
		t.Fatal(err)
	}
	err := db.Exec(`INSERT INTO ideas (title, category_id, author_id, vote_count, comment_count, score, created_at, status, moderation, tags)
		SELECT 'Generated idea number ' || g, (SELECT id FROM categories ORDER BY id LIMIT 1 OFFSET g % 2), ?,
			g % 7, g % 5, (g % 11) / 2.0, '2026-01-01'::timestamptz + (g % 13) * interval '1 hour',
			(ARRAY['open', 'planned', 'under_review'])[g % 3 + 1], CASE WHEN g % 10 = 0 THEN 'hidden' ELSE 'visible' END,
			CASE WHEN g <= 3 THEN ARRAY['rare', 'api'] WHEN g % 2 = 0 THEN ARRAY['api'] ELSE '{}' END
		FROM generate_series(1, ?) g`, author.ID, n).Error
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`ANALYZE ideas, idea_ranks, idea_tags`).Error; err != nil {
		t.Fatal(err)
	}
}

// pageStatement is the statement that read the ideas of a list page.
func pageStatement(t *testing.T, sqls []string) statement {
	t.Helper()
	for _, st := range statementsOf(sqls) {
		if strings.Contains(st.sql, "i.body_html") {
			return st
		}
	}
	t.Fatalf("no page statement among %q", sqls)
	return statement{}
}

// indexed is st as planned for tables of millions, where a page is a
// sliver of them: sequential scans, and joins that read a side whole,
// priced out of reach (the test's tables are small).
func indexed(st statement) statement {
	st.sets = append(st.sets[:len(st.sets):len(st.sets)],
		`SET LOCAL enable_seqscan = off`, `SET LOCAL enable_hashjoin = off`, `SET LOCAL enable_mergejoin = off`)
	return st
}

// rowsRead is how many rows the plan's nodes on relation produced or
// filtered away, over all their loops.
func rowsRead(plan planNode, relation string) float64 {
	return readBy(plan, func(p planNode) bool { return p.Relation == relation })
}

// entriesRead is how many entries the plan read from index, over all loops.
func entriesRead(plan planNode, index string) float64 {
	return readBy(plan, func(p planNode) bool { return p.IndexName == index })
}

// readBy sums what the nodes match picks produced or filtered away.
func readBy(plan planNode, match func(planNode) bool) float64 {
	var n float64
	plan.walk(func(p planNode) {
		if match(p) {
			n += (p.ActualRows + p.RemovedByFilter) * max(p.ActualLoops, 1)
		}
	})
	return n
}

// Every tab with every filter reads, on any page however deep, only that
// page's rows of ideas (and their authors): the page's ids come from the
// tab's narrow index on idea_ranks, which holds the filters' columns. It
// used to read every skipped row of ideas and users — 40,000 of each for
// page 2,000 — and every idea with a tag, sorted. The pages still hold
// what ordering the public ideas themselves gives.
func TestListPagesReadOnlyTheirOwnIdeas(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	const n, per = 600, 10
	listData(t, base, ann, n)
	var cat string
	base.Raw(`SELECT slug FROM categories ORDER BY id LIMIT 1 OFFSET 1`).Scan(&cat)
	columns := map[string]string{"trending": "score", "top": "vote_count", "new": "created_at", "discussed": "comment_count"}
	type filter struct{ Category, Status, Tag string }
	filters := []filter{{}, {Category: cat}, {Status: "planned"}, {Tag: "api"}, {Tag: "api", Status: "planned"}, {Tag: "rare"}}
	for _, sort := range models.SortNames {
		for _, f := range filters {
			for _, number := range []int{1, 5, 25, 99} {
				q := models.ListQuery{Sort: sort, Category: f.Category, Status: f.Status, Tag: f.Tag, Page: models.NewPage(number, per)}
				rec.take()
				got, err := models.ListIdeas(ctx, db, nil, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				st := pageStatement(t, rec.take())
				var want []int64
				base.Raw(`SELECT i.id FROM ideas i JOIN categories c ON c.id = i.category_id
					WHERE i.moderation = 'visible' AND (@cat = '' OR c.slug = @cat) AND (@status = '' OR i.status = @status)
					AND (@tag = '' OR @tag = ANY (i.tags))
					ORDER BY i.`+columns[sort]+` DESC, i.id DESC LIMIT @per OFFSET @off`,
					map[string]any{"cat": f.Category, "status": f.Status, "tag": f.Tag, "per": per, "off": (number - 1) * per}).Scan(&want)
				if !slices.Equal(ids(got.Ideas), want) {
					t.Errorf("%s %v page %d: %v, want %v", sort, f, number, ids(got.Ideas), want)
				}
				plan := analyzed(t, base, indexed(st))
				for _, rel := range []string{"ideas", "users"} {
					if r := rowsRead(plan, rel); r > per+1 {
						t.Errorf("%s %v page %d reads %v rows of %s for a page of %d:\n%s", sort, f, number, r, rel, per, st.sql)
					}
				}
			}
		}
	}
}

// A tag filter reads what the tag's frequency asks: a common tag's page
// walks the tab's index in order and stops at the page, where the tag's
// own list of ideas would be read whole and sorted; a rare tag's page
// reads its few ideas from idea_tags, where the walk would read the whole
// tab looking for them. The count ("Page 1 of 50+") likewise.
func TestListTagFilterFollowsItsFrequency(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	const n, per = 4000, 10
	listData(t, base, ann, n)
	for _, sort := range models.SortNames {
		rec.take()
		if _, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Tag: "api", Page: models.NewPage(1, per)}); err != nil {
			t.Fatal(err)
		}
		sqls := rec.take()
		for _, st := range statementsOf(sqls) {
			plan := analyzed(t, base, indexed(st))
			if r := rowsRead(plan, "idea_tags"); r >= n/2 {
				t.Errorf("%s, a common tag: reads all %v of its ideas from idea_tags:\n%s", sort, r, st.sql)
			}
			if r := rowsRead(plan, "ideas"); r > per+1 {
				t.Errorf("%s, a common tag: reads %v rows of ideas:\n%s", sort, r, st.sql)
			}
		}
		page := analyzed(t, base, indexed(pageStatement(t, sqls)))
		if r := rowsRead(page, "idea_tags"); r > 4*(per+1) {
			t.Errorf("%s, a common tag: the page reads %v entries of idea_tags for %d ideas", sort, r, per)
		}
		if _, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Tag: "rare", Page: models.NewPage(1, per)}); err != nil {
			t.Fatal(err)
		}
		for _, st := range statementsOf(rec.take()) {
			plan := analyzed(t, base, indexed(st))
			if r := rowsRead(plan, "idea_ranks") - entriesRead(plan, "idea_ranks_pkey"); r > 100 {
				t.Errorf("%s, a rare tag: walks %v entries of the tab looking for 3 ideas:\n%s", sort, r, st.sql)
			}
		}
	}
}

// A page number may skip at most MaxFilteredSkip rows of a filtered list
// (MaxSkip of a whole tab): the cost of a skipped row grows as the filter
// narrows. Deeper in a longer list the page is refused with a message
// naming it, and the Next links (cursors) still reach any depth; in a
// list that ends before, it is a page past the end, linking the last one.
func TestListRefusesPagesTooDeepToSkipTo(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	const per = 100
	err := db.Exec(`INSERT INTO ideas (title, category_id, author_id, status, tags, created_at)
		SELECT 'Planned idea number ' || g, (SELECT id FROM categories ORDER BY id LIMIT 1), ?, 'planned', '{api}',
			'2026-01-01'::timestamptz + g * interval '1 minute'
		FROM generate_series(1, ?) g`, ann.ID, models.MaxFilteredSkip+per+5).Error
	if err != nil {
		t.Fatal(err)
	}
	deep := models.NewPage(models.MaxFilteredSkip/per+2, per)
	for _, q := range []models.ListQuery{{Sort: "new", Status: "planned"}, {Sort: "top", Tag: "api"}} {
		q.Page = deep
		_, err := models.ListIdeas(ctx, db, nil, q)
		var ve *models.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields["page"], "Next") {
			t.Errorf("%s %q %q page %d: %v, want a validation error naming the page", q.Sort, q.Status, q.Tag, q.Page.Number, err)
		}
		q.Page = models.NewPage(deep.Number-1, per)
		within, err := models.ListIdeas(ctx, db, nil, q)
		if err != nil || len(within.Ideas) != per {
			t.Errorf("%s: the deepest page allowed: %v", q.Sort, err)
		}
		q.Page, q.After = deep, within.Next
		byCursor, err := models.ListIdeas(ctx, db, nil, q)
		if err != nil || len(byCursor.Ideas) != 5 {
			t.Errorf("%s by cursor: %v", q.Sort, err)
		}
	}
	// Past the end of a shorter list: the usual answer, exactly counted.
	for _, q := range []models.ListQuery{{Sort: "new", Status: "open"}, {Sort: "trending"}, {Sort: "discussed", Tag: "rare"}} {
		q.Page = models.NewPage(models.MaxPageNumber, per)
		p, err := models.ListIdeas(ctx, db, nil, q)
		if q.Sort == "discussed" {
			if err != nil || len(p.Ideas) != 0 || p.Page.Total != 0 {
				t.Errorf("an empty list, deep: %v %+v", err, p)
			}
			continue
		}
		want := int64(models.MaxFilteredSkip + per + 5)
		if q.Status == "open" {
			want = 0
		}
		if err != nil || len(p.Ideas) != 0 || p.Page.Total != want || p.Page.Capped || (want > 0) != p.Page.PastEnd() {
			t.Errorf("%s %q past the end: %v %+v", q.Sort, q.Status, err, p)
		}
	}
}

// A vote and a comment rewrite their idea's row in place (HOT): no index
// on ideas holds a column they change, now that every list tab orders
// idea_ranks. The comment's update added entries to all of ideas' indexes
// while ideas_discussed_idx held comment_count.
func TestVotesAndCommentsUpdateTheirIdeaInPlace(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	idea := newIdea(t, db, ann, "Dark mode for the reporting dashboard")
	err := db.Transaction(func(tx *gorm.DB) error {
		if _, err := models.Vote(ctx, tx, bob, idea.ID); err != nil {
			return err
		}
		if _, err := models.CreateComment(ctx, tx, bob, idea.ID, models.CommentInput{Body: "Yes please"}); err != nil {
			return err
		}
		var updated, hot int64
		tx.Raw(`SELECT pg_stat_get_xact_tuples_updated('ideas'::regclass), pg_stat_get_xact_tuples_hot_updated('ideas'::regclass)`).
			Row().Scan(&updated, &hot)
		if updated < 2 || hot != updated {
			t.Errorf("%d updates of ideas, %d of them HOT: want every one", updated, hot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
