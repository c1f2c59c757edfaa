package handlers

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// pagedList is one paginated page with something its first page shows.
type pagedList struct {
	path, who, first string
	// empty is what the page says when the list has nothing at all.
	empty string
}

// List pages never fail on paging: page 0, -1 and junk are page 1,
// per_page is clamped, and a page past the end says so and links the last
// page instead of claiming the list is empty.
func TestListPagesClampPagingAndSayWhenPastTheEnd(t *testing.T) {
	app := newTestApp(t)
	member, memberUser := app.signIn(t, "member@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	var ideas []apiIdea
	for i := 1; i <= 3; i++ {
		ideas = append(ideas, app.postIdea(t, member, fmt.Sprintf("Pageable walrus idea %d", i)))
	}
	if res, body := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/status", ideas[0].ID), `{"status":"shipped","release_note":"Walrus shipped"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("ship = %d %s", res.StatusCode, body)
	}
	addNotifications(t, app, memberUser, 1)
	app.db.Exec(`UPDATE ideas SET moderation = 'pending' WHERE id = ?`, ideas[2].ID)
	app.createToken(t, member, "Pageable token", models.ScopeRead)
	clients := map[string]*http.Client{"visitor": app.client(), "member": member, "moderator": mod, "admin": admin}
	lists := []pagedList{
		{"/?sort=new", "visitor", ideas[1].Title, "No ideas yet"},
		{"/search?q=walrus", "visitor", ideas[1].Title, "Nothing found"},
		{"/changelog", "visitor", ideas[0].Title, "Nothing shipped yet"},
		{"/notifications", "member", "Note 1", "Nothing yet"},
		{"/admin/users", "admin", "member@example.com", "No users match"},
		{"/admin/audit", "admin", "idea.status", "No entries match"},
		{"/staff/moderation", "moderator", ideas[2].Title, "Nothing is waiting"},
		{"/settings/tokens", "member", "Pageable token", "No tokens yet"},
		{"/admin/tokens", "admin", "Pageable token", "No tokens."},
	}
	for _, l := range lists {
		c := clients[l.who]
		for _, paging := range []string{"page=0", "page=-1", "page=abc", "page=", "page=1.5", "per_page=0", "per_page=-5", "per_page=101", "per_page=abc", "page=-99999999999999999999"} {
			u := l.path + sep(l.path) + paging
			res, body := do(t, c, "GET", app.srv.URL+u, nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(body), l.first) {
				t.Errorf("GET %s as %s = %d, want page 1 with %q", u, l.who, res.StatusCode, l.first)
			}
		}
		for _, page := range []string{"999999", "99999999999999999999"} {
			u := l.path + sep(l.path) + "page=" + page
			res, body := do(t, c, "GET", app.srv.URL+u, nil)
			if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "is past the end of this list") ||
				strings.Contains(body, l.empty) || strings.Contains(body, "correct the highlighted") {
				t.Errorf("GET %s as %s = %d: want 404 saying the page is past the end, not %q", u, l.who, res.StatusCode, l.empty)
			}
			if last := html.EscapeString(l.path); !strings.Contains(body, `href="`+last+`">Go to the last page`) {
				t.Errorf("GET %s as %s does not link the last page %s", u, l.who, last)
			}
		}
	}
	// With several pages, the link goes to the last one and keeps the filters.
	res, body := do(t, app.client(), "GET", app.srv.URL+"/?sort=new&per_page=1&page=50", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "which has 2 pages") ||
		!strings.Contains(body, `href="/?page=2&amp;per_page=1&amp;sort=new">Go to the last page`) {
		t.Errorf("past the end of 2 pages = %d", res.StatusCode)
	}
	// (Next carries the cursor of the page's last idea too.)
	if _, body := do(t, app.client(), "GET", app.srv.URL+"/?sort=new&per_page=1", nil); !regexp.MustCompile(`href="/\?after=[0-9_]+&amp;page=2&amp;per_page=1&amp;sort=new" rel="next"`).MatchString(body) {
		t.Error("the next page link drops per_page")
	}
	if res, body := do(t, app.client(), "GET", app.srv.URL+"/?per_page=500", nil); res.StatusCode != http.StatusOK || strings.Count(body, `class="idea-row"`) != 2 {
		t.Errorf("per_page=500 = %d, want the list with per_page 100", res.StatusCode)
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// Filters that name nothing are said on the page, at the filter; the API
// refuses them (and bad paging) with 422 naming the parameter.
func TestListFiltersThatNameNothing(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "member@example.com")
	app.postIdea(t, member, "An idea in general")
	for _, tc := range []struct{ path, field, says string }{
		{"/?category=no-such-thing", "f-category", "There is no category “no-such-thing”."},
		{"/?category=no-such-thing&sort=top&tag=api", "f-category", "There is no category “no-such-thing”."},
		{"/?status=finished", "f-status", "There is no status “finished”."},
		{"/?status=merged", "f-status", "There is no status “merged”."},
		{"/?tag=" + strings.Repeat("t", 250), "f-tag", "The tag must be valid text of at most 200 characters."},
		{"/?q=" + strings.Repeat("q", 250), `id="q"`, "Search text must be valid text of at most 200 characters."},
		{"/search?q=" + strings.Repeat("q", 250), `id="sq"`, "Search text must be valid text of at most 200 characters."},
		{"/roadmap?category=no-such-thing", `id="rc"`, "There is no category “no-such-thing”."},
	} {
		res, body := do(t, app.client(), "GET", app.srv.URL+tc.path, nil)
		text := html.UnescapeString(body)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, tc.says) {
			t.Errorf("GET %.60s = %d, want 422 saying %q", tc.path, res.StatusCode, tc.says)
		}
		id := tc.field
		if !strings.HasPrefix(id, "id=") {
			id = `id="` + id + `"`
		}
		if i := strings.Index(body, id); i < 0 || !strings.Contains(body[max(0, i-120):i+len(id)+120], "is-invalid") {
			t.Errorf("GET %.60s does not highlight %s", tc.path, tc.field)
		}
		for _, vague := range []string{"No ideas match", "No ideas yet", "correct the highlighted"} {
			if strings.Contains(body, vague) {
				t.Errorf("GET %.60s says %q", tc.path, vague)
			}
		}
	}
	for _, tc := range []struct{ query, field string }{
		{"category=no-such-thing", "category"},
		{"status=finished", "status"},
		{"sort=best", "sort"},
		{"page=-1", "page"},
		{"page=abc", "page"},
		{"page=9223372036854775807", "page"},
		{"per_page=101", "per_page"},
		{"per_page=-1", "per_page"},
	} {
		res, body := do(t, app.client(), "GET", app.srv.URL+"/api/v1/ideas?"+tc.query, nil)
		e := decode[struct {
			Error apiError `json:"error"`
		}](t, body)
		if res.StatusCode != http.StatusUnprocessableEntity || e.Error.Fields[tc.field] == "" {
			t.Errorf("GET /api/v1/ideas?%s = %d %s, want 422 naming %s", tc.query, res.StatusCode, body, tc.field)
		}
	}
	if res, body := do(t, app.client(), "GET", app.srv.URL+"/api/v1/ideas?page=999999", nil); res.StatusCode != http.StatusOK || !strings.Contains(body, `"ideas":[]`) {
		t.Errorf("API past the end = %d %s", res.StatusCode, body)
	}
}

// A list longer than models.CountCap shows "Page 1 of 50+" (no exact count)
// and "Next" links a cursor page, which shows the same ideas the page number
// would; a bad cursor is ignored on the page and a 422 in the API, whose
// total says it is capped.
func TestLongListsCapTheCountAndLinkCursorPages(t *testing.T) {
	app := newTestApp(t)
	_, ann := app.signIn(t, "ann@example.com")
	if err := app.db.Exec(`INSERT INTO ideas (title, category_id, author_id, vote_count)
		SELECT 'Generated idea number ' || g, (SELECT id FROM categories ORDER BY id LIMIT 1), ?, g % 5
		FROM generate_series(1, ?) g`, ann.ID, models.CountCap+30).Error; err != nil {
		t.Fatal(err)
	}
	res, body := do(t, app.client(), "GET", app.srv.URL+"/?sort=top", nil)
	if res.StatusCode != 200 || !strings.Contains(html.UnescapeString(body), "Page 1 of 50+") {
		t.Fatalf("GET /?sort=top = %d, want Page 1 of 50+", res.StatusCode)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil || !strings.Contains(next[1], "after=") || !strings.Contains(next[1], "page=2") {
		t.Fatalf("no cursor next link: %v", next)
	}
	rows := regexp.MustCompile(`id="idea-(\d+)"`)
	_, byCursor := do(t, app.client(), "GET", app.srv.URL+html.UnescapeString(next[1]), nil)
	_, byPage := do(t, app.client(), "GET", app.srv.URL+"/?sort=top&page=2", nil)
	got, want := rows.FindAllString(byCursor, -1), rows.FindAllString(byPage, -1)
	if len(got) != 20 || strings.Join(got, ",") != strings.Join(want, ",") || !strings.Contains(html.UnescapeString(byCursor), "Page 2 of 50+") {
		t.Errorf("cursor page 2 shows %v, page 2 shows %v", got, want)
	}
	if res, body := do(t, app.client(), "GET", app.srv.URL+"/?sort=top&page=2&after=junk", nil); res.StatusCode != 200 ||
		strings.Join(rows.FindAllString(body, -1), ",") != strings.Join(want, ",") {
		t.Errorf("a bad cursor = %d, want page 2", res.StatusCode)
	}
	if res, body := do(t, app.client(), "GET", app.srv.URL+"/search?q=generated", nil); res.StatusCode != 200 ||
		!strings.Contains(html.UnescapeString(body), "1,000+ results") || !strings.Contains(html.UnescapeString(body), "Page 1 of 50+") {
		t.Errorf("search for a word in every idea = %d, want 1,000+ results", res.StatusCode)
	}
	res, body = do(t, app.client(), "GET", app.srv.URL+"/api/v1/ideas?sort=top&per_page=100", nil)
	list := decode[struct {
		Ideas       []apiIdea
		Total       int64
		TotalCapped bool   `json:"total_capped"`
		HasMore     bool   `json:"has_more"`
		NextAfter   string `json:"next_after"`
	}](t, body)
	if res.StatusCode != 200 || len(list.Ideas) != 100 || list.Total != models.CountCap || !list.TotalCapped || !list.HasMore || list.NextAfter == "" {
		t.Fatalf("API page 1: %d total %d capped %v more %v next %q", res.StatusCode, list.Total, list.TotalCapped, list.HasMore, list.NextAfter)
	}
	res, body = do(t, app.client(), "GET", app.srv.URL+"/api/v1/ideas?sort=top&per_page=100&page=2&after="+url.QueryEscape(list.NextAfter), nil)
	if second := decode[struct{ Ideas []apiIdea }](t, body); res.StatusCode != 200 || len(second.Ideas) != 100 || second.Ideas[0].ID == list.Ideas[99].ID {
		t.Errorf("API cursor page: %d", res.StatusCode)
	}
	if res, body := do(t, app.client(), "GET", app.srv.URL+"/api/v1/ideas?sort=top&after=junk", nil); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"after"`) {
		t.Errorf("API bad cursor = %d %s", res.StatusCode, body)
	}
}
