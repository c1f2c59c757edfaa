package models_test

import (
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// threadFixture is a discussion of 120 top-level comments a minute apart;
// every tenth has a reply and a reply to that reply, and "root 60" is
// hidden by a moderator while its reply is not.
func threadFixture(t *testing.T, db *gorm.DB) (idea *models.Idea, member, mod *models.User) {
	t.Helper()
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod = newStaff(t, db, "Mo", models.RoleModerator)
	idea = newIdea(t, db, ann, "A long discussion")
	for _, q := range []string{
		`INSERT INTO comments (idea_id, author_id, body, body_html, created_at)
			SELECT @idea, @ann, 'root ' || g, '<p>root ' || g || '</p>', timestamptz '2026-01-01' + g * interval '1 minute'
			FROM generate_series(1, 120) g`,
		`INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, depth, created_at)
			SELECT @idea, c.id, @bob, 'reply to ' || c.body, '<p>reply</p>', 1, c.created_at + interval '1 day'
			FROM comments c WHERE c.idea_id = @idea AND c.parent_id IS NULL AND substr(c.body, 6)::int % 10 = 0`,
		`INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, depth, created_at)
			SELECT @idea, c.id, @ann, 'nested under ' || c.body, '<p>nested</p>', 2, c.created_at + interval '1 day'
			FROM comments c WHERE c.idea_id = @idea AND c.depth = 1`,
		`UPDATE comments SET moderation = 'hidden' WHERE idea_id = @idea AND body = 'root 60'`,
	} {
		if err := db.Exec(q, map[string]any{"idea": idea.ID, "ann": ann.ID, "bob": bob.ID}).Error; err != nil {
			t.Fatal(err)
		}
	}
	return idea, bob, mod
}

// flatten lists a page's comments as the page shows them, depth first.
func flatten(cs []*models.Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Body)
		out = append(out, flatten(c.Replies)...)
	}
	return out
}

// Walking a discussion by its Later links shows every comment the viewer
// may see exactly once, a page of ThreadPageSize top-level comments at a
// time, each thread whole and in order; Earlier walks back to the same
// pages, and a link to one comment opens the page that starts at its
// top-level comment. A reply to a hidden comment keeps that comment's place.
func TestThreadPagesShowEveryCommentOnce(t *testing.T) {
	db := openDB(t)
	idea, member, mod := threadFixture(t, db)
	var pages [][]string
	var cursors []*models.ThreadPage
	q := models.ThreadQuery{}
	for {
		p, err := models.ThreadPageOf(ctx, db, member, idea.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		pages, cursors = append(pages, flatten(p.Roots)), append(cursors, p)
		if len(p.Roots) > models.ThreadPageSize {
			t.Fatalf("page %d has %d top-level comments", len(pages), len(p.Roots))
		}
		if p.Later == "" || len(pages) > 5 {
			break
		}
		q = models.ThreadQuery{After: p.Later}
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3 (120 top-level comments, 50 a page)", len(pages))
	}
	if cursors[0].Earlier != "" || cursors[1].Earlier == "" || cursors[2].Earlier == "" {
		t.Errorf("Earlier cursors: %q %q %q", cursors[0].Earlier, cursors[1].Earlier, cursors[2].Earlier)
	}
	seen := map[string]int{}
	for _, p := range pages {
		for _, b := range p {
			seen[b]++
		}
	}
	// 119 visible roots, 12 replies, 12 nested replies.
	if len(seen) != 119+12+12 {
		t.Errorf("%d distinct comments seen, want 143", len(seen))
	}
	for b, n := range seen {
		if n != 1 || b == "root 60" {
			t.Errorf("%q seen %d times", b, n)
		}
	}
	// Page 2 holds roots 51–100: root 60's reply stands in its place.
	want := []string{"root 58", "root 59", "reply to root 60", "nested under reply to root 60", "root 61"}
	if at := slices.Index(pages[1], "root 58"); at < 0 || !slices.Equal(pages[1][at:at+5], want) {
		t.Errorf("page 2 around the hidden root = %v", pages[1])
	}
	if pages[1][0] != "root 51" || pages[2][0] != "root 101" || pages[2][len(pages[2])-1] != "nested under reply to root 120" {
		t.Errorf("pages start at %q and %q, end at %q", pages[1][0], pages[2][0], pages[2][len(pages[2])-1])
	}
	// Back from the last page: the same second page.
	back, err := models.ThreadPageOf(ctx, db, member, idea.ID, models.ThreadQuery{Before: cursors[2].Earlier})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(flatten(back.Roots), pages[1]) || back.Later == "" || back.Earlier == "" {
		t.Errorf("Earlier from page 3 = %v (earlier %q, later %q), want page 2", flatten(back.Roots), back.Earlier, back.Later)
	}
	// A link to a nested reply on the last page.
	var nested int64
	if err := db.Raw(`SELECT id FROM comments WHERE body = 'nested under reply to root 110'`).Scan(&nested).Error; err != nil {
		t.Fatal(err)
	}
	at, err := models.ThreadPageOf(ctx, db, member, idea.ID, models.ThreadQuery{Comment: nested})
	if err != nil {
		t.Fatal(err)
	}
	if got := flatten(at.Roots); len(got) == 0 || got[0] != "root 110" || slices.Index(got, "nested under reply to root 110") < 0 || at.Earlier == "" || at.Later != "" {
		t.Errorf("page of comment %d = %v (earlier %q, later %q)", nested, got, at.Earlier, at.Later)
	}
	// Staff see the hidden root, with its reply under it.
	staff, err := models.ThreadPageOf(ctx, db, mod, idea.ID, models.ThreadQuery{After: cursors[0].Later})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range staff.Roots {
		if c.Body == "root 60" && (len(c.Replies) != 1 || c.Replies[0].Body != "reply to root 60") {
			t.Errorf("staff see root 60 with replies %v", flatten(c.Replies))
		}
	}
	if len(staff.Roots) != models.ThreadPageSize || slices.Index(flatten(staff.Roots), "root 60") < 0 {
		t.Errorf("staff page 2 = %v", flatten(staff.Roots))
	}
	// A cursor this did not write is the first page.
	first, err := models.ThreadPageOf(ctx, db, member, idea.ID, models.ThreadQuery{After: "yesterday"})
	if err != nil || !slices.Equal(flatten(first.Roots), pages[0]) || models.ValidThreadCursor("yesterday") || !models.ValidThreadCursor(cursors[0].Later) {
		t.Errorf("a bad cursor: %v, %v", err, flatten(first.Roots))
	}
	if n, err := models.NotPublicComments(ctx, db, mod, idea.ID); err != nil || n != 1 {
		t.Errorf("NotPublicComments = %d, %v; want 1 (root 60)", n, err)
	}
}

// One top-level comment with more replies than a page may read: the page
// stops at ThreadPageCap comments and says so; a thread under the cap does
// not.
func TestThreadPageStopsAtItsCap(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	idea := newIdea(t, db, ann, "One enormous thread")
	root := newComment(t, db, ann, idea.ID, "the root")
	p, err := models.ThreadPageOf(ctx, db, ann, idea.ID, models.ThreadQuery{})
	if err != nil || p.Truncated || len(p.Roots) != 1 {
		t.Fatalf("before the replies: %+v, %v", p, err)
	}
	if err := db.Exec(`INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, depth)
		SELECT ?, ?, ?, 'reply ' || g, '<p>reply</p>', 1 FROM generate_series(1, ?) g`,
		idea.ID, root.ID, ann.ID, models.ThreadPageCap+20).Error; err != nil {
		t.Fatal(err)
	}
	p, err = models.ThreadPageOf(ctx, db, ann, idea.ID, models.ThreadQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if shown := len(flatten(p.Roots)); !p.Truncated || shown != models.ThreadPageCap {
		t.Errorf("truncated %v, %d comments shown; want true, %d", p.Truncated, shown, models.ThreadPageCap)
	}
}

// A page of a discussion costs a page, not the discussion: each statement
// of a page, run under EXPLAIN (ANALYZE, BUFFERS), touches about as many
// buffers in a discussion of 2,000 top-level comments (its first page, and
// one near the end) as in one of 60, reading through the thread's indexes
// (top-level comments in order, replies by parent).
func TestThreadPageCostsAPageNotTheDiscussion(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann := newUser(t, base, "Ann")
	idea := newIdea(t, base, ann, "Two thousand threads")
	grow := func(from, to int) {
		for _, q := range []string{
			`INSERT INTO comments (idea_id, author_id, body, body_html, created_at)
			SELECT @idea, @ann, 'root ' || g, '<p>root</p>', timestamptz '2026-01-01' + g * interval '1 second'
			FROM generate_series(CAST(@from AS int), CAST(@to AS int)) g`,
			`INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, depth, created_at)
			SELECT @idea, c.id, @ann, 'reply', '<p>reply</p>', 1, c.created_at FROM comments c, generate_series(1, 2)
			WHERE c.idea_id = @idea AND c.parent_id IS NULL AND substr(c.body, 6)::int BETWEEN @from AND @to`,
		} {
			if err := base.Exec(q, map[string]any{"idea": idea.ID, "ann": ann.ID, "from": from, "to": to}).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := base.Exec(`VACUUM ANALYZE comments`).Error; err != nil {
			t.Fatal(err)
		}
	}
	cost := func(q models.ThreadQuery) (total float64) {
		rec.take()
		p, err := models.ThreadPageOf(ctx, db, ann, idea.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Roots) != models.ThreadPageSize {
			t.Fatalf("%+v: %d top-level comments", q, len(p.Roots))
		}
		for _, st := range statementsOf(rec.take()) {
			switch {
			case strings.Contains(st.sql, "parent_id IS NULL") && strings.Contains(st.sql, "LIMIT"):
				explainWithoutSeqScans(t, base, st, true, "comments_roots_idx")
			case strings.Contains(st.sql, "WITH RECURSIVE"):
				explainWithoutSeqScans(t, base, st, false, "comments_parent_idx")
			}
			plan := analyzed(t, base, st)
			total += plan.Hit + plan.Read
		}
		return total
	}
	grow(1, 60)
	small := cost(models.ThreadQuery{})
	grow(61, 2000)
	var last string
	if err := base.Raw(`SELECT (extract(epoch FROM created_at) * 1000000)::bigint || '_' || id FROM comments
		WHERE idea_id = ? AND body = 'root 1950'`, idea.ID).Scan(&last).Error; err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]models.ThreadQuery{"first": {}, "near the end": {Before: last}} {
		big := cost(q)
		t.Logf("%s page: %.0f buffers (60 threads: %.0f)", name, big, small)
		if big > 2*small+20 {
			t.Errorf("the %s page of 2,000 threads reads %.0f buffers, the first of 60 %.0f", name, big, small)
		}
	}
}
