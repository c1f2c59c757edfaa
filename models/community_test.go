package models_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

var ctx = context.Background()

// openDB is a fresh database with limits no test run can hit; tests of the
// limits themselves set their own.
func openDB(t *testing.T) *gorm.DB {
	t.Helper()
	db := testdb.Open(t)
	if err := db.Exec(`UPDATE site_settings SET ideas_per_hour = 1000, comment_interval_seconds = 0,
		votes_per_minute = 100000, duplicate_window_minutes = 0, new_member_max_links = 1000`).Error; err != nil {
		t.Fatal(err)
	}
	return db
}

func newUser(t *testing.T, db *gorm.DB, name string) *models.User {
	t.Helper()
	u, err := models.DevSignIn(ctx, db, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@example.com", name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newIdea(t *testing.T, db *gorm.DB, author *models.User, title string) *models.Idea {
	t.Helper()
	i, err := models.CreateIdea(ctx, db, author, models.IdeaInput{Title: title, Body: "Some **details** about " + title})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// checkInvariants asserts every idea's stored counters equal its rows.
func checkInvariants(t *testing.T, db *gorm.DB) {
	t.Helper()
	var bad []struct {
		ID                     int64
		VoteCount, Votes       int
		FollowerCount, Follows int
	}
	err := db.Raw(`SELECT i.id, i.vote_count, (SELECT count(*) FROM votes v WHERE v.idea_id = i.id) AS votes,
		i.follower_count, (SELECT count(*) FROM follows f WHERE f.idea_id = i.id) AS follows
		FROM ideas i WHERE i.vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)
		OR i.follower_count <> (SELECT count(*) FROM follows f WHERE f.idea_id = i.id)`).Scan(&bad).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("idea %d: vote_count %d vs %d votes, follower_count %d vs %d follows", b.ID, b.VoteCount, b.Votes, b.FollowerCount, b.Follows)
	}
	// idea_ranks, the list orders' copy, agrees with every idea.
	var ranks []int64
	db.Raw(`SELECT i.id FROM ideas i LEFT JOIN idea_ranks r ON r.id = i.id
		WHERE (r.vote_count, r.score, r.category_id, r.status, r.listed, r.created_at, r.comment_count, r.tags) IS DISTINCT FROM
			(i.vote_count, i.score, i.category_id, i.status, cw_listed(i.moderation, i.deleted_at, i.merged_into_id),
			 i.created_at, i.comment_count, i.tags)`).Scan(&ranks)
	if len(ranks) > 0 {
		t.Errorf("ideas %v: idea_ranks disagrees with the idea", ranks)
	}
	// idea_tags, the ideas by tag, lists exactly every idea's tags.
	var tagged []string
	db.Raw(`SELECT coalesce(t.tag, d.tag) FROM idea_tags t
		FULL JOIN (SELECT DISTINCT x AS tag, i.id FROM ideas i, unnest(i.tags) x) d ON d.tag = t.tag AND d.id = t.idea_id
		WHERE t.tag IS NULL OR d.tag IS NULL`).Scan(&tagged)
	if len(tagged) > 0 {
		t.Errorf("idea_tags disagrees with the ideas' tags on %v", tagged)
	}
	var onMerged int64
	db.Raw(`SELECT count(*) FROM votes v JOIN ideas i ON i.id = v.idea_id WHERE i.merged_into_id IS NOT NULL`).Scan(&onMerged)
	if onMerged != 0 {
		t.Errorf("%d votes sit on merged ideas", onMerged)
	}
}

func TestCreateIdeaValidatesAndCastsAuthorVote(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	bad := []struct {
		in    models.IdeaInput
		field string
	}{
		{models.IdeaInput{Title: "short"}, "title"},
		{models.IdeaInput{Title: strings.Repeat("x", 121)}, "title"},
		{models.IdeaInput{Title: "Valid title here", Body: strings.Repeat("b", 10001)}, "body"},
		{models.IdeaInput{Title: "Valid title here", Category: "nope"}, "category"},
		{models.IdeaInput{Title: "Valid title here", Tags: []string{"a", "b", "c", "d", "e", "f"}}, "tags"},
		{models.IdeaInput{Title: "Valid title here", Tags: []string{strings.Repeat("t", 31)}}, "tags"},
		{models.IdeaInput{Title: "Valid title here", Tags: []string{"semi;colon"}}, "tags"},
		{models.IdeaInput{Title: "Invalid \xff UTF-8 title"}, "title"},
		{models.IdeaInput{Title: "Valid title here", Body: "nul \x00 byte"}, "body"},
	}
	for _, b := range bad {
		_, err := models.CreateIdea(ctx, db, ann, b.in)
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Fields[b.field] == "" {
			t.Errorf("%+v: got %v, want a %s error", b.in, err, b.field)
		}
	}
	var n int64
	db.Table("ideas").Count(&n)
	if n != 0 {
		t.Fatalf("%d ideas saved from invalid input", n)
	}
	i, err := models.CreateIdea(ctx, db, ann, models.IdeaInput{Title: "  Dark   mode please ", Body: "<script>x</script>\n\n**now**", Tags: []string{"UI", "Theme, ui"}})
	if err != nil {
		t.Fatal(err)
	}
	if i.Title != "Dark mode please" || i.VoteCount != 1 || !i.Voted || !i.Following || i.FollowerCount != 1 || i.Category != "general" {
		t.Errorf("created idea: %+v", i)
	}
	if strings.Join(i.Tags, ",") != "ui,theme" {
		t.Errorf("tags = %v", i.Tags)
	}
	if strings.Contains(i.BodyHTML, "<script") || !strings.Contains(i.BodyHTML, "<strong>now</strong>") {
		t.Errorf("body_html = %q", i.BodyHTML)
	}
	if i.URL() != fmt.Sprintf("/ideas/%d/dark-mode-please", i.ID) {
		t.Errorf("URL = %q", i.URL())
	}
	checkInvariants(t, db)
}

// TestConcurrentVotingKeepsCounts: 50 members vote and unvote the same ideas
// at random, concurrently; afterwards every counter matches its rows.
func TestConcurrentVotingKeepsCounts(t *testing.T) {
	db := openDB(t)
	author := newUser(t, db, "Author")
	ideas := []*models.Idea{newIdea(t, db, author, "First shared idea"), newIdea(t, db, author, "Second shared idea"), newIdea(t, db, author, "Third shared idea")}
	users := make([]*models.User, 50)
	for i := range users {
		users[i] = newUser(t, db, fmt.Sprintf("Voter %d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	for n, u := range users {
		wg.Add(1)
		go func(u *models.User, seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			for k := 0; k < 20; k++ {
				idea := ideas[r.Intn(len(ideas))]
				var err error
				if r.Intn(3) == 0 {
					_, err = models.Unvote(ctx, db, u, idea.ID)
				} else {
					_, err = models.Vote(ctx, db, u, idea.ID)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(u, int64(n))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkInvariants(t, db)
	var total int64
	db.Table("votes").Count(&total)
	if total <= 3 {
		t.Errorf("only %d votes; the test did not exercise voting", total)
	}
}

func TestVoteRules(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	idea := newIdea(t, db, ann, "Keyboard shortcuts")
	st, err := models.Vote(ctx, db, bob, idea.ID)
	if err != nil || st.VoteCount != 2 || !st.Voted {
		t.Fatalf("vote: %+v %v", st, err)
	}
	if st, _ = models.Vote(ctx, db, bob, idea.ID); st.VoteCount != 2 {
		t.Errorf("second vote counted: %+v", st)
	}
	if st, _ = models.Unvote(ctx, db, bob, idea.ID); st.VoteCount != 1 || st.Voted {
		t.Errorf("unvote: %+v", st)
	}
	if st, _ = models.Unvote(ctx, db, bob, idea.ID); st.VoteCount != 1 {
		t.Errorf("second unvote: %+v", st)
	}
	for _, status := range []string{"shipped", "declined"} {
		db.Exec(`UPDATE ideas SET status = ? WHERE id = ?`, status, idea.ID)
		if _, err := models.Vote(ctx, db, bob, idea.ID); !errors.Is(err, models.ErrConflict) {
			t.Errorf("vote on %s idea: %v, want conflict", status, err)
		}
	}
	db.Exec(`UPDATE ideas SET status = 'open', moderation = 'hidden' WHERE id = ?`, idea.ID)
	if _, err := models.Vote(ctx, db, bob, idea.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("vote on hidden idea by a member: %v, want not found", err)
	}
	if _, err := models.Vote(ctx, db, bob, 999999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("vote on missing idea: %v", err)
	}
	checkInvariants(t, db)
}

func TestListSortsAndFilters(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	a := newIdea(t, db, ann, "Alpha idea about exports")
	b := newIdea(t, db, ann, "Bravo idea about imports")
	c := newIdea(t, db, ann, "Charlie idea about themes")
	for i := 0; i < 3; i++ {
		models.Vote(ctx, db, newUser(t, db, fmt.Sprintf("V%d", i)), b.ID)
	}
	models.CreateComment(ctx, db, ann, c.ID, models.CommentInput{Body: "first"})
	models.CreateComment(ctx, db, ann, c.ID, models.CommentInput{Body: "second"})
	db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE id = ?`, a.ID)

	order := func(sort string) string {
		p, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Page: models.NewPage(1, 10)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, i := range p.Ideas {
			ids = append(ids, fmt.Sprint(i.ID))
		}
		return strings.Join(ids, ",")
	}
	bs, cs := fmt.Sprint(b.ID), fmt.Sprint(c.ID)
	if got := order("top"); got != bs+","+cs {
		t.Errorf("top = %s", got)
	}
	if got := order("new"); got != cs+","+bs {
		t.Errorf("new = %s", got)
	}
	if got := order("discussed"); got != cs+","+bs {
		t.Errorf("discussed = %s", got)
	}
	if got := order("trending"); got != bs+","+cs {
		t.Errorf("trending = %s (3 recent votes should beat 2 comments)", got)
	}
	if _, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: "id; DROP TABLE ideas", Page: models.NewPage(1, 10)}); err == nil {
		t.Error("unknown sort accepted")
	}
	p, _ := models.ListIdeas(ctx, db, nil, models.ListQuery{Q: "imports", Page: models.NewPage(1, 10)})
	if len(p.Ideas) != 1 || p.Ideas[0].ID != b.ID || p.Page.Total != 1 {
		t.Errorf("q filter: %+v", p)
	}
	p, _ = models.ListIdeas(ctx, db, nil, models.ListQuery{Page: models.NewPage(2, 1)})
	if len(p.Ideas) != 1 || p.Page.Total != 2 || p.Page.Pages() != 2 {
		t.Errorf("page 2 of 1: %+v", p.Page)
	}
}

func TestThreadedComments(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	idea := newIdea(t, db, ann, "Threaded discussions")
	other := newIdea(t, db, ann, "Another idea entirely")
	root, err := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "root"})
	if err != nil {
		t.Fatal(err)
	}
	parent := root
	for d := 1; d <= 8; d++ {
		c, err := models.CreateComment(ctx, db, ann, idea.ID, models.CommentInput{Body: fmt.Sprintf("depth %d", d), ParentID: &parent.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := d
		if want > models.MaxDepth {
			want = models.MaxDepth
		}
		if c.Depth != want {
			t.Errorf("reply %d has depth %d, want %d", d, c.Depth, want)
		}
		parent = c
	}
	_, err = models.CreateComment(ctx, db, bob, other.ID, models.CommentInput{Body: "wrong thread", ParentID: &root.ID})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields["parent_id"] == "" {
		t.Errorf("reply across ideas: %v", err)
	}
	if err := db.Exec(`INSERT INTO comments (idea_id, parent_id, author_id, body, body_html) VALUES (?, ?, ?, 'x', 'x')`,
		other.ID, root.ID, bob.ID).Error; err == nil {
		t.Error("the database accepted a parent from another idea")
	}
	if _, err := models.DeleteComment(ctx, db, ann, root.ID); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("deleting someone else's comment: %v", err)
	}
	if _, err := models.DeleteComment(ctx, db, bob, root.ID); err != nil {
		t.Fatal(err)
	}
	thread, err := firstThreadPage(t, db, nil, idea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(thread) != 1 || !thread[0].Deleted() || thread[0].Body != "" || len(thread[0].Replies) != 1 {
		t.Fatalf("thread after deleting the root: %+v", thread[0])
	}
	var got models.Idea
	db.Table("ideas").Where("id = ?", idea.ID).Take(&got)
	if got.CommentCount != 8 {
		t.Errorf("comment_count = %d, want 8 after one of 9 was deleted", got.CommentCount)
	}
	if _, err := models.UpdateComment(ctx, db, ann, parent.ID, "edited text"); err != nil {
		t.Errorf("edit within window: %v", err)
	}
	db.Exec(`UPDATE comments SET created_at = now() - interval '16 minutes' WHERE id = ?`, parent.ID)
	if _, err := models.UpdateComment(ctx, db, ann, parent.ID, "too late"); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("edit after 15 minutes: %v", err)
	}
}

func TestSearchAndSimilar(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	dark := newIdea(t, db, ann, "Dark mode for the dashboard")
	newIdea(t, db, ann, "Export reports to CSV")
	cafe := newIdea(t, db, ann, "Café menu integration")
	models.CreateComment(ctx, db, ann, cafe.ID, models.CommentInput{Body: "We also need <b>webhooks</b> for this"})

	res, err := models.Search(ctx, db, nil, "dashboard", models.NewPage(1, 10))
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != dark.ID || !strings.Contains(string(res.Hits[0].Snippet), "<mark>") {
		t.Fatalf("search dashboard: %+v %v", res, err)
	}
	if res, _ := models.Search(ctx, db, nil, "cafe", models.NewPage(1, 10)); len(res.Hits) != 1 {
		t.Errorf("unaccented search found %d", len(res.Hits))
	}
	res, _ = models.Search(ctx, db, nil, "webhooks", models.NewPage(1, 10))
	if len(res.Hits) != 1 || res.Hits[0].ID != cafe.ID {
		t.Errorf("comment search: %+v", res.Hits)
	}
	for _, junk := range []string{"", "the and of", `"unterminated`, "-", "!!! ((( :*", "' OR 1=1 --"} {
		if _, err := models.Search(ctx, db, nil, junk, models.NewPage(1, 10)); err != nil {
			t.Errorf("search %q: %v", junk, err)
		}
	}
	sim, err := models.Similar(ctx, db, nil, "dark mode", 5)
	if err != nil || len(sim) == 0 || sim[0].ID != dark.ID {
		t.Fatalf("similar: %+v %v", sim, err)
	}
	// A merged idea points at its target; hidden ideas never show.
	dup := newIdea(t, db, ann, "Night theme with dark colours")
	db.Exec(`UPDATE ideas SET status = 'merged', merged_into_id = ? WHERE id = ?`, dark.ID, dup.ID)
	sim, _ = models.Similar(ctx, db, nil, "night theme", 5)
	if len(sim) != 1 || sim[0].ID != dark.ID {
		t.Errorf("similar through a merge: %+v", sim)
	}
	db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE id = ?`, dark.ID)
	if sim, _ = models.Similar(ctx, db, nil, "dark mode", 5); len(sim) != 0 {
		t.Errorf("hidden idea suggested: %+v", sim)
	}
}

// The score kept incrementally equals the score computed from the rows,
// whatever mix of votes, unvotes (the author's too), comments and deletions.
func TestIncrementalScoreMatchesRecomputed(t *testing.T) {
	db := openDB(t)
	ann, bob, cat := newUser(t, db, "Ann"), newUser(t, db, "Bob"), newUser(t, db, "Cat")
	idea := newIdea(t, db, ann, "Score bookkeeping idea")
	models.Vote(ctx, db, bob, idea.ID)
	models.Vote(ctx, db, cat, idea.ID)
	models.Unvote(ctx, db, ann, idea.ID)
	models.Unvote(ctx, db, bob, idea.ID)
	models.Vote(ctx, db, ann, idea.ID)
	c1, _ := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "one"})
	models.CreateComment(ctx, db, cat, idea.ID, models.CommentInput{Body: "two"})
	if _, err := models.DeleteComment(ctx, db, bob, c1.ID); err != nil {
		t.Fatal(err)
	}
	var got struct{ Score, Recomputed float64 }
	db.Raw(`SELECT score, cw_trend_score(id) AS recomputed FROM ideas WHERE id = ?`, idea.ID).Scan(&got)
	if math.Abs(got.Score-got.Recomputed) > 1e-9 {
		t.Errorf("incremental score %v, recomputed %v", got.Score, got.Recomputed)
	}
}
