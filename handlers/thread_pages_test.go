package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crowdwise/crowdwise/models"
)

var commentIDs = regexp.MustCompile(`<li class="comment[^"]*" id="comment-(\d+)"`)

// longThread gives idea n top-level comments a minute apart, oldest first,
// and returns their ids in order.
func (a *testApp) longThread(t *testing.T, ideaID, authorID int64, n int) []int64 {
	t.Helper()
	var ids []int64
	if err := a.db.Raw(`INSERT INTO comments (idea_id, author_id, body, body_html, created_at)
		SELECT ?, ?, 'Comment ' || g, '<p>Comment ' || g || '</p>', now() - interval '1 day' + g * interval '1 minute'
		FROM generate_series(1, ?) g RETURNING id`, ideaID, authorID, n).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.db.Exec(`UPDATE ideas SET comment_count = comment_count + ? WHERE id = ?`, n, ideaID).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// threadPageJSON is a page of GET /api/v1/ideas/:id/comments.
type threadPageJSON struct {
	Comments   []apiComment `json:"comments"`
	NextAfter  string       `json:"next_after"`
	PrevBefore string       `json:"prev_before"`
	Truncated  bool         `json:"truncated"`
}

// shownComments are the ids of the comments a page shows, in order.
func shownComments(body string) []string {
	var out []string
	for _, m := range commentIDs.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// A long discussion is shown a page at a time on the idea page and in the
// API: Later and Earlier links (next_after and prev_before) walk it, the
// heading counts all of it, a link to one comment (a notification's, the
// redirect after posting) opens the page that holds it, and a cursor the
// API did not write is a 422 while the page shows its first page.
func TestLongDiscussionIsPaged(t *testing.T) {
	app := newTestApp(t)
	member, memberU := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "A discussion longer than a page")
	ids := app.longThread(t, idea.ID, memberU.ID, models.ThreadPageSize+10)
	path := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)

	res, first := do(t, app.client(), "GET", app.srv.URL+path, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("idea page = %d", res.StatusCode)
	}
	got := shownComments(first)
	if len(got) != models.ThreadPageSize || got[0] != itoa(ids[0]) || heading(first) != fmt.Sprintf("%d comments", len(ids)) {
		t.Fatalf("first page shows %d comments from %v, heading %q", len(got), got[:1], heading(first))
	}
	later := regexp.MustCompile(`href="([^"]+)" rel="next" id="comments-later"`).FindStringSubmatch(first)
	if later == nil || strings.Contains(first, `id="comments-earlier"`) {
		t.Fatal("the first page has no Later link, or an Earlier one")
	}
	res, second := do(t, app.client(), "GET", app.srv.URL+strings.ReplaceAll(later[1], "&amp;", "&"), nil)
	got = shownComments(second)
	if res.StatusCode != http.StatusOK || len(got) != 10 || got[0] != itoa(ids[models.ThreadPageSize]) ||
		!strings.Contains(second, `id="comments-earlier"`) || strings.Contains(second, `id="comments-later"`) {
		t.Errorf("second page = %d, %d comments from %v", res.StatusCode, len(got), got)
	}

	// Posting on the long discussion lands on the page that shows the new comment.
	res, _ = app.form(t, member, fmt.Sprintf("/ideas/%d/comments", idea.ID), url.Values{"body": {"The newest word"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "?comment=") {
		t.Fatalf("post = %d → %q", res.StatusCode, loc)
	}
	res, _ = do(t, member, "GET", app.srv.URL+loc, nil) // the canonical redirect keeps the query
	_, landed := do(t, member, "GET", app.srv.URL+res.Header.Get("Location"), nil)
	fragment := loc[strings.Index(loc, "#")+1:]
	if !strings.Contains(landed, `id="`+fragment+`"`) || !strings.Contains(landed, "The newest word") {
		t.Errorf("after posting, %s does not show %s", loc, fragment)
	}

	// The API pages the same way.
	_, body := do(t, app.client(), "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), nil)
	page := decode[threadPageJSON](t, body)
	if len(page.Comments) != models.ThreadPageSize || page.NextAfter == "" || page.PrevBefore != "" {
		t.Fatalf("API first page: %d comments, next %q, prev %q", len(page.Comments), page.NextAfter, page.PrevBefore)
	}
	_, body = do(t, app.client(), "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments?after=%s", idea.ID, url.QueryEscape(page.NextAfter)), nil)
	page = decode[threadPageJSON](t, body)
	if len(page.Comments) != 11 || page.NextAfter != "" || page.PrevBefore == "" || page.Comments[10].Body != "The newest word" {
		t.Errorf("API second page: %d comments, next %q, prev %q", len(page.Comments), page.NextAfter, page.PrevBefore)
	}
	for _, q := range []string{"after=tomorrow", "before=1_x"} {
		res, body := do(t, app.client(), "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments?%s", idea.ID, q), nil)
		field := strings.SplitN(q, "=", 2)[0]
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"`+field+`"`) {
			t.Errorf("API ?%s = %d %s", q, res.StatusCode, body)
		}
		res, body = do(t, app.client(), "GET", app.srv.URL+path+"?"+q, nil)
		if got := shownComments(body); res.StatusCode != http.StatusOK || len(got) == 0 || got[0] != itoa(ids[0]) {
			t.Errorf("page ?%s = %d, from %v", q, res.StatusCode, got)
		}
	}
}

// An older link to a comment on another page (#comment-N, from before the
// discussion was paged) finds it: the page's script asks for ?comment=N.
func TestBrowserOldCommentLinkFindsItsPage(t *testing.T) {
	app := newTestApp(t)
	member, memberU := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "A discussion with an old link")
	ids := app.longThread(t, idea.ID, memberU.ID, models.ThreadPageSize+5)
	last := ids[len(ids)-1]

	ctx := newBrowser(t)
	step(t, ctx, chromedp.Navigate(app.srv.URL+fmt.Sprintf("/ideas/%d/%s#comment-%d", idea.ID, idea.Slug, last)))
	waitFor(t, ctx, fmt.Sprintf(`document.getElementById("comment-%d") !== null`, last))
	if got := eval[string](t, ctx, `location.search`); got != "?comment="+itoa(last) {
		t.Errorf("landed on %q", got)
	}
}
