package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, body, err)
	}
	return v
}

func (a *testApp) postIdea(t *testing.T, c *http.Client, title string) apiIdea {
	t.Helper()
	res, body := a.api(t, c, "POST", "/api/v1/ideas", `{"title":`+jsonString(title)+`,"body":"Details about it","tags":["api"]}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/ideas = %d %s", res.StatusCode, body)
	}
	return decode[apiIdea](t, body)
}

func TestIdeaAPICreateGetListUpdateDelete(t *testing.T) {
	app := newTestApp(t)
	c, ann := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, c, "Bulk edit for tickets")
	if idea.VoteCount != 1 || !idea.Voted || !idea.Following || idea.Category != "general" || idea.Author.ID != ann.ID ||
		idea.Slug != "bulk-edit-for-tickets" || !strings.HasSuffix(idea.URL, fmt.Sprintf("/ideas/%d/bulk-edit-for-tickets", idea.ID)) {
		t.Errorf("created: %+v", idea)
	}
	anon := app.client()
	res, body := do(t, anon, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil)
	if got := decode[apiIdea](t, body); res.StatusCode != 200 || got.Voted || got.Title != idea.Title {
		t.Errorf("GET as anonymous: %d %+v", res.StatusCode, got)
	}
	res, body = do(t, anon, "GET", app.srv.URL+"/api/v1/ideas?sort=new&per_page=5", nil)
	list := decode[struct {
		Ideas         []apiIdea
		Page, PerPage int
		Total         int64
	}](t, body)
	if res.StatusCode != 200 || len(list.Ideas) != 1 || list.Total != 1 || list.Page != 1 {
		t.Errorf("list: %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, c, "PATCH", fmt.Sprintf("/api/v1/ideas/%d", idea.ID), `{"body":"Now with **more** detail"}`)
	if got := decode[apiIdea](t, body); res.StatusCode != 200 || got.Title != idea.Title || !strings.Contains(got.BodyHTML, "<strong>more</strong>") {
		t.Errorf("PATCH: %d %s", res.StatusCode, body)
	}
	bob, _ := app.signIn(t, "bob@example.com")
	if res, _ := app.api(t, bob, "PATCH", fmt.Sprintf("/api/v1/ideas/%d", idea.ID), `{"title":"Hijacked title here"}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("PATCH by another member = %d", res.StatusCode)
	}
	if res, _ := app.api(t, bob, "DELETE", fmt.Sprintf("/api/v1/ideas/%d", idea.ID), ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("DELETE by another member = %d", res.StatusCode)
	}
	if res, _ := app.api(t, c, "DELETE", fmt.Sprintf("/api/v1/ideas/%d", idea.ID), ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE by author = %d", res.StatusCode)
	}
	for who, cl := range map[string]*http.Client{"author": c, "member": bob, "anonymous": anon} {
		if res, _ := do(t, cl, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 404 {
			t.Errorf("deleted idea as %s = %d, want 404", who, res.StatusCode)
		}
	}
	mod, _ := app.signInAs(t, "mod@example.com", "moderator")
	if res, _ := do(t, mod, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 200 {
		t.Errorf("deleted idea as staff = %d, want 200", res.StatusCode)
	}
}

func TestIdeaBadInput(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	cases := []struct {
		body   string
		status int
		field  string
	}{
		{`{"title":"short"}`, 422, "title"},
		{`{"title":"` + strings.Repeat("t", 121) + `"}`, 422, "title"},
		{`{"title":"A fine title","body":"` + strings.Repeat("b", 10001) + `"}`, 422, "body"},
		{`{"title":"A fine title","category":"nope"}`, 422, "category"},
		{`{"title":"A fine title","tags":["a","b","c","d","e","f"]}`, 422, "tags"},
		{`{"title":"A fine title","body":"nul \u0000 here"}`, 400, ""}, // see TestInvalidTextIsRefusedEverywhere
		{"{\"title\":\"bad \xff utf8 title\"}", 400, ""},
		{`{"title":42}`, 400, ""},
		{`{"title":"A fine title","admin":true}`, 400, ""},
		{`not json`, 400, ""},
	}
	for _, tc := range cases {
		res, body := app.api(t, c, "POST", "/api/v1/ideas", tc.body)
		if res.StatusCode != tc.status || (tc.field != "" && !strings.Contains(body, `"`+tc.field+`":`)) {
			t.Errorf("%.60s → %d %s, want %d with field %q", tc.body, res.StatusCode, body, tc.status, tc.field)
		}
	}
	var n int64
	app.db.Table("ideas").Count(&n)
	if n != 0 {
		t.Fatalf("%d ideas half-saved from bad input", n)
	}
	for _, q := range []string{"per_page=101", "sort=hot", "status=merged", "page=abc"} {
		if res, body := do(t, c, "GET", app.srv.URL+"/api/v1/ideas?"+q, nil); res.StatusCode != 422 || !strings.Contains(body, `"fields"`) {
			t.Errorf("list ?%s = %d %s", q, res.StatusCode, body)
		}
	}
	if res, _ := do(t, c, "GET", app.srv.URL+"/api/v1/ideas/abc", nil); res.StatusCode != 404 {
		t.Errorf("non-numeric id = %d", res.StatusCode)
	}
	// The form re-renders with the text kept and the field marked.
	res, body := app.form(t, c, "/ideas", url.Values{"title": {"tiny"}, "body": {"my long <b>text</b>"}, "confirm": {"true"}})
	if res.StatusCode != 422 || !strings.Contains(body, "at least 8 characters") || !strings.Contains(body, "my long &lt;b&gt;text&lt;/b&gt;") {
		t.Errorf("form: %d", res.StatusCode)
	}
}

func TestIdeaPageSlugRedirectAndNoJSConfirmStep(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	first := app.postIdea(t, c, "Dark mode for the dashboard")
	for _, p := range []string{fmt.Sprintf("/ideas/%d", first.ID), fmt.Sprintf("/ideas/%d/wrong-slug", first.ID)} {
		res, _ := do(t, c, "GET", app.srv.URL+p, nil)
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != fmt.Sprintf("/ideas/%d/dark-mode-for-the-dashboard", first.ID) {
			t.Errorf("GET %s = %d → %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	res, body := do(t, c, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/dark-mode-for-the-dashboard", first.ID), nil)
	if res.StatusCode != 200 || !strings.Contains(body, "Dark mode for the dashboard") {
		t.Fatalf("idea page = %d", res.StatusCode)
	}
	// Without JavaScript, a similar title shows the confirm step first.
	res, body = app.form(t, c, "/ideas", url.Values{"title": {"Dark mode please"}, "body": {"kept text"}})
	if res.StatusCode != 200 || !strings.Contains(body, "Has someone asked for this already?") || !strings.Contains(body, "Dark mode for the dashboard") ||
		!strings.Contains(body, `name="confirm" value="true"`) || !strings.Contains(body, "kept text") {
		t.Fatalf("confirm step: %d", res.StatusCode)
	}
	res, _ = app.form(t, c, "/ideas", url.Values{"title": {"Dark mode please"}, "confirm": {"true"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/dark-mode-please") {
		t.Errorf("post anyway = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = do(t, c, "GET", app.srv.URL+"/api/v1/ideas/similar?title=dark+mode", nil)
	sim := decode[struct{ Ideas []struct{ ID int64 } }](t, body)
	if res.StatusCode != 200 || len(sim.Ideas) != 2 {
		t.Errorf("similar: %s", body)
	}
}

func TestVotingAndFollowingOverHTTP(t *testing.T) {
	app := newTestApp(t)
	author, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, author, "Keyboard shortcuts everywhere")
	path := fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID)
	anon := app.client()
	if res, _ := app.api(t, anon, "PUT", path, ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous vote = %d, want 401", res.StatusCode)
	}
	res, _ := app.form(t, anon, fmt.Sprintf("/ideas/%d/vote", idea.ID), url.Values{"on": {"true"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") { // the vote waits: TestVisitorVoteSurvivesDevSignIn
		t.Errorf("anonymous form vote = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	bob, _ := app.signIn(t, "bob@example.com")
	for i, want := range []string{`{"vote_count":2,"voted":true}`, `{"vote_count":2,"voted":true}`} {
		if res, body := app.api(t, bob, "PUT", path, ""); res.StatusCode != 200 || strings.TrimSpace(body) != want {
			t.Errorf("vote #%d = %d %s", i+1, res.StatusCode, body)
		}
	}
	if res, body := app.api(t, bob, "DELETE", path, ""); res.StatusCode != 200 || strings.TrimSpace(body) != `{"vote_count":1,"voted":false}` {
		t.Errorf("unvote = %d %s", res.StatusCode, body)
	}
	// The no-JavaScript form does the same and goes back.
	res, _ = app.form(t, bob, fmt.Sprintf("/ideas/%d/vote", idea.ID), url.Values{"on": {"true"}, "back": {"/?sort=top"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?sort=top" {
		t.Errorf("form vote = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = app.form(t, bob, fmt.Sprintf("/ideas/%d/vote", idea.ID), url.Values{"on": {"true"}, "back": {"https://evil.example"}})
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/ideas/%d", idea.ID) {
		t.Errorf("form vote with foreign back → %q", loc)
	}
	app.db.Exec(`UPDATE ideas SET status = 'shipped' WHERE id = ?`, idea.ID)
	if res, body := app.api(t, bob, "DELETE", path, ""); res.StatusCode != 200 {
		t.Errorf("unvote on shipped = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, bob, "PUT", path, ""); res.StatusCode != http.StatusConflict || !strings.Contains(body, "shipped") {
		t.Errorf("vote on shipped = %d %s", res.StatusCode, body)
	}
	fpath := fmt.Sprintf("/api/v1/ideas/%d/follow", idea.ID)
	if res, body := app.api(t, bob, "PUT", fpath, ""); res.StatusCode != 200 || strings.TrimSpace(body) != `{"follower_count":2,"following":true}` {
		t.Errorf("follow = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, bob, "DELETE", fpath, ""); res.StatusCode != 200 || strings.TrimSpace(body) != `{"follower_count":1,"following":false}` {
		t.Errorf("unfollow = %d %s", res.StatusCode, body)
	}
}

func TestCommentsOverHTTP(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, c, "Threads in comments")
	other := app.postIdea(t, c, "Unrelated other idea")
	path := fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID)
	res, body := app.api(t, c, "POST", path, `{"body":"Top level"}`)
	if res.StatusCode != 201 {
		t.Fatalf("comment = %d %s", res.StatusCode, body)
	}
	root := decode[apiComment](t, body)
	res, body = app.api(t, c, "POST", path, fmt.Sprintf(`{"body":"A reply","parent_id":%d}`, root.ID))
	reply := decode[apiComment](t, body)
	if res.StatusCode != 201 || reply.ParentID == nil || *reply.ParentID != root.ID {
		t.Fatalf("reply = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", other.ID), fmt.Sprintf(`{"body":"Wrong","parent_id":%d}`, root.ID))
	if res.StatusCode != 422 || !strings.Contains(body, `"parent_id"`) {
		t.Errorf("cross-idea parent = %d %s", res.StatusCode, body)
	}
	for _, bad := range []string{`{"body":""}`, `{"body":"` + strings.Repeat("c", 5001) + `"}`} {
		if res, _ := app.api(t, c, "POST", path, bad); res.StatusCode != 422 {
			t.Errorf("bad comment = %d", res.StatusCode)
		}
	}
	res, body = do(t, app.client(), "GET", app.srv.URL+path, nil)
	thread := decode[struct{ Comments []apiComment }](t, body)
	if res.StatusCode != 200 || len(thread.Comments) != 1 || len(thread.Comments[0].Replies) != 1 || thread.Comments[0].Replies[0].Body != "A reply" {
		t.Errorf("thread: %s", body)
	}
	if res, body := app.api(t, c, "PATCH", fmt.Sprintf("/api/v1/comments/%d", root.ID), `{"body":"Edited top"}`); res.StatusCode != 200 ||
		decode[apiComment](t, body).EditedAt == nil {
		t.Errorf("edit = %d %s", res.StatusCode, body)
	}
	bob, _ := app.signIn(t, "bob@example.com")
	if res, _ := app.api(t, bob, "DELETE", fmt.Sprintf("/api/v1/comments/%d", root.ID), ""); res.StatusCode != 403 {
		t.Errorf("delete by another = %d", res.StatusCode)
	}
	if res, _ := app.api(t, c, "DELETE", fmt.Sprintf("/api/v1/comments/%d", root.ID), ""); res.StatusCode != 204 {
		t.Errorf("delete = %d", res.StatusCode)
	}
	_, body = do(t, app.client(), "GET", app.srv.URL+path, nil)
	thread = decode[struct{ Comments []apiComment }](t, body)
	if !thread.Comments[0].Deleted || thread.Comments[0].Body != "" || len(thread.Comments[0].Replies) != 1 {
		t.Errorf("after delete: %s", body)
	}
	// Form posting keeps the text on error.
	res, page := app.form(t, c, fmt.Sprintf("/ideas/%d/comments", idea.ID), url.Values{"body": {"   "}})
	if res.StatusCode != 422 || !strings.Contains(page, "Please write a comment") {
		t.Errorf("empty form comment = %d", res.StatusCode)
	}
}

// liveHandler matches an event-handler attribute inside a real tag.
var liveHandler = regexp.MustCompile(`<[a-zA-Z][^<>]*\son[a-z]+=`)

func TestSearchPageAndStoredXSSIsEscaped(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	xss := app.postIdea(t, c, `<script>alert("t")</script> searchable`)
	app.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", xss.ID), `{"body":"[x](javascript:alert(1)) <img src=x onerror=alert(1)> searchable"}`)
	for _, q := range []string{"searchable", "", "the", `"unclosed`, "((", "' OR 1=1 --", "%00"} {
		res, body := do(t, app.client(), "GET", app.srv.URL+"/search?q="+url.QueryEscape(q), nil)
		if res.StatusCode != 200 {
			t.Errorf("search %q = %d", q, res.StatusCode)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "onerror=alert") {
			t.Errorf("search %q renders unescaped user HTML", q)
		}
	}
	_, body := do(t, app.client(), "GET", app.srv.URL+"/search?q=searchable", nil)
	if !strings.Contains(body, "<mark>searchable</mark>") {
		t.Error("search page has no highlighted snippet")
	}
	for _, p := range []string{"/", "/?sort=top", xss.URL[len("http://localhost:8080"):]} {
		res, body := do(t, app.client(), "GET", app.srv.URL+p, nil)
		if res.StatusCode != 200 || !strings.Contains(body, "searchable") {
			t.Errorf("GET %s = %d", p, res.StatusCode)
		}
		// Typed HTML is shown as text ("&lt;img … onerror=…&gt;"); only a
		// live tag or link would be XSS.
		if strings.Contains(body, "<script>alert") || strings.Contains(body, `href="javascript:`) || liveHandler.MatchString(body) {
			t.Errorf("%s renders stored XSS", p)
		}
	}
	// …and the typed HTML is there to read, not silently dropped.
	_, body = do(t, app.client(), "GET", app.srv.URL+xss.URL[len("http://localhost:8080"):], nil)
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt; searchable") {
		t.Error("the comment's typed <img> tag is not shown as text")
	}
}

// Over a limit, the form comes back with a 429, Retry-After and the text kept.
func TestRateLimitedFormsKeepTheText(t *testing.T) {
	app := newTestApp(t)
	app.limits(t, "ideas_per_hour = 1, comment_interval_seconds = 60")
	c, _ := app.signIn(t, "ann@example.com")
	first := app.postIdea(t, c, "The first idea of the hour")
	res, page := app.form(t, c, "/ideas", url.Values{"title": {"A second idea too soon"}, "body": {"my careful words"}, "confirm": {"true"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(page, "my careful words") || !strings.Contains(page, "alert--error") {
		t.Errorf("idea over the limit = %d (Retry-After %q)", res.StatusCode, res.Header.Get("Retry-After"))
	}
	path := fmt.Sprintf("/ideas/%d/comments", first.ID)
	if res, _ := app.form(t, c, path, url.Values{"body": {"first comment"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first comment = %d", res.StatusCode)
	}
	res, page = app.form(t, c, path, url.Values{"body": {"second comment, kept"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(page, "second comment, kept") {
		t.Errorf("comment over the limit = %d", res.StatusCode)
	}
}

// The idea page's cached similar ideas never show an idea hidden since.
func TestSimilarIdeasOnIdeaPageFollowModeration(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	page := app.postIdea(t, c, "Dark mode for the dashboard")
	other := app.postIdea(t, c, "Dark mode for the dashboard please")
	path := strings.TrimPrefix(page.URL, "http://localhost:8080")
	if _, body := do(t, c, "GET", app.srv.URL+path, nil); !strings.Contains(body, other.Title) {
		t.Fatal("similar idea not shown")
	}
	app.db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE id = ?`, other.ID)
	if _, body := do(t, app.client(), "GET", app.srv.URL+path, nil); strings.Contains(body, other.Title) {
		t.Error("a hidden idea is still suggested from the cache")
	}
}
