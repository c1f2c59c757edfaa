package models_test

import (
	"errors"
	"slices"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// manyIdeas inserts n visible ideas by author with many ties on every sort
// column, so paging must break ties by id to neither skip nor repeat.
func manyIdeas(t *testing.T, db *gorm.DB, author *models.User, n int) {
	t.Helper()
	err := db.Exec(`INSERT INTO ideas (title, category_id, author_id, vote_count, comment_count, score, created_at)
		SELECT 'Generated idea number ' || g, (SELECT id FROM categories ORDER BY id LIMIT 1), ?,
			g % 7, g % 3, (g % 11) / 2.0, '2026-01-01'::timestamptz + (g % 13) * interval '1 hour'
		FROM generate_series(1, ?) g`, author.ID, n).Error
	if err != nil {
		t.Fatal(err)
	}
}

func ids(ideas []models.Idea) []int64 {
	out := make([]int64, len(ideas))
	for i := range ideas {
		out[i] = ideas[i].ID
	}
	return out
}

// A list longer than CountCap counts no further ("1,000+"), knows its next
// page from one extra row, and walking it by cursor gives exactly the pages
// offsets give, on every tab; the last page says so, and a page past the
// end still counts exactly to link the last page.
func TestListCapsTheCountAndSeeksDeepPages(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	const n, per = models.CountCap + 45, 100
	manyIdeas(t, db, ann, n)
	for _, sort := range models.SortNames {
		first, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Page: models.NewPage(1, per)})
		if err != nil {
			t.Fatal(err)
		}
		if !first.Page.Capped || first.Page.Total != models.CountCap || !first.Page.More || first.Next == "" ||
			!first.Page.HasNext() || first.Page.PastEnd() || first.Page.PagesLabel() != "10+" || first.Page.TotalLabel() != "1,000+" {
			t.Fatalf("%s page 1: %+v next %q", sort, first.Page, first.Next)
		}
		var walked []int64
		after, pages := "", 0
		for p := 1; ; p++ {
			byCursor, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Page: models.NewPage(p, per), After: after})
			if err != nil {
				t.Fatal(err)
			}
			byOffset, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Page: models.NewPage(p, per)})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(byCursor.Ideas), ids(byOffset.Ideas)) {
				t.Fatalf("%s page %d: the cursor page differs from the offset page", sort, p)
			}
			walked = append(walked, ids(byCursor.Ideas)...)
			pages++
			if !byCursor.Page.More {
				if byCursor.Next != "" || byCursor.Page.HasNext() || byOffset.Page.Capped || byOffset.Page.Total != n {
					t.Errorf("%s last page: %+v next %q; by offset %+v", sort, byCursor.Page, byCursor.Next, byOffset.Page)
				}
				break
			}
			after = byCursor.Next
		}
		slices.Sort(walked)
		if pages != (n+per-1)/per || len(walked) != n || len(slices.Compact(walked)) != n {
			t.Errorf("%s: %d pages, %d ideas walked (%d distinct), want %d ideas once each", sort, pages, len(walked), len(slices.Compact(walked)), n)
		}
	}
	past, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: "top", Page: models.NewPage(99, per)})
	if err != nil || len(past.Ideas) != 0 || past.Page.Capped || past.Page.Total != n || !past.Page.PastEnd() || past.Page.Pages() != 11 {
		t.Errorf("past the end: %v %+v", err, past.Page)
	}
	// A cursor behind every row reads its page number instead.
	end, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: "top", Page: models.NewPage(2, per), After: "0_1"})
	if err != nil || len(end.Ideas) != per {
		t.Errorf("cursor past everything: %v %d ideas", err, len(end.Ideas))
	}
	for _, bad := range []string{"x", "1_", "_5", "1_0", "1.5_3", "NaN_3", "99999999999999999999_3"} {
		_, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: "top", Page: models.NewPage(2, per), After: bad})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Fields["after"] == "" {
			t.Errorf("after=%q: %v, want a validation error naming after", bad, err)
		}
	}
}

// A signed-in viewer's marks come from one query for the page: exactly the
// ideas they voted for and follow are marked.
func TestListMarksTheViewersVotesAndFollows(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mine := newIdea(t, db, ann, "Ann votes for her own idea")
	other := newIdea(t, db, bob, "Bob's idea Ann did not vote for")
	p, err := models.ListIdeas(ctx, db, ann, models.ListQuery{Sort: "new", Page: models.NewPage(1, 10)})
	if err != nil || len(p.Ideas) != 2 {
		t.Fatalf("%v %+v", err, p)
	}
	for _, i := range p.Ideas {
		want := i.ID == mine.ID
		if i.Voted != want || i.Following != want {
			t.Errorf("idea %d (other %d): voted %v following %v, want %v", i.ID, other.ID, i.Voted, i.Following, want)
		}
	}
	anon, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: "new", Page: models.NewPage(1, 10)})
	if err != nil || anon.Ideas[0].Voted || anon.Ideas[1].Voted {
		t.Errorf("anonymous marks: %v %+v", err, anon.Ideas)
	}
}

// Search ranks and counts in one statement; beyond CountCap matches the
// total says "1,000+" and the pages still know whether another follows.
func TestSearchCapsTheCount(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	const n, per = models.CountCap + 45, 100
	manyIdeas(t, db, ann, n)
	first, err := models.Search(ctx, db, nil, "generated", models.NewPage(1, per))
	if err != nil || len(first.Hits) != per || !first.Page.Capped || first.Page.Total != models.CountCap || !first.Page.HasNext() {
		t.Fatalf("page 1: %v %d hits %+v", err, len(first.Hits), first.Page)
	}
	last, err := models.Search(ctx, db, nil, "generated", models.NewPage(11, per))
	if err != nil || len(last.Hits) != n-10*per || last.Page.HasNext() {
		t.Errorf("last page: %v %d hits %+v", err, len(last.Hits), last.Page)
	}
	past, err := models.Search(ctx, db, nil, "generated", models.NewPage(12, per))
	if err != nil || len(past.Hits) != 0 || past.Page.Capped || past.Page.Total != n || !past.Page.PastEnd() {
		t.Errorf("past the end: %v %+v", err, past.Page)
	}
	one, err := models.Search(ctx, db, nil, "number 7", models.NewPage(1, per))
	if err != nil || one.Page.Capped || one.Page.Total != int64(len(one.Hits)) {
		t.Errorf("a short result: %v %+v", err, one.Page)
	}
}
