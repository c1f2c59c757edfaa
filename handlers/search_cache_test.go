package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Anonymous visitors share the rendered search page like the home page (a
// minute here so the test does not race the clock): a change behind the
// app's back stays unseen while it is shared, members never get it, text
// the search refuses is answered each time and never shared, and an idea
// posted through the app shows at once.
func TestAnonymousSearchPageIsSharedUntilAWrite(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Shared search about narwhals")
	ann, bob := app.client(), app.client()
	search := func(c *http.Client, q string) (int, string) {
		t.Helper()
		res, body := do(t, c, "GET", app.srv.URL+"/search?q="+url.QueryEscape(q), nil)
		return res.StatusCode, body
	}
	if status, body := search(ann, "narwhals"); status != http.StatusOK || !strings.Contains(body, "Shared search about narwhals") {
		t.Fatalf("search = %d, the idea is not found", status)
	}
	app.db.Exec(`UPDATE ideas SET title = 'Changed behind the app: narwhals' WHERE id = ?`, idea.ID)
	if _, body := search(bob, "narwhals"); !strings.Contains(body, "Shared search about narwhals") {
		t.Error("the second visitor did not get the shared page")
	}
	if _, body := search(member, "narwhals"); !strings.Contains(body, "Changed behind the app") {
		t.Error("a member got the anonymous page")
	}
	// Refused text: a 422 naming the box, for every visitor.
	long := strings.Repeat("narwhal ", 30)
	for _, c := range []*http.Client{ann, bob} {
		if status, body := search(c, long); status != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 200 characters") {
			t.Errorf("a search too long = %d", status)
		}
	}
	// An idea posted through the app forgets the shared page.
	app.postIdea(t, member, "Another idea about narwhals")
	_, body := search(ann, "narwhals")
	if !strings.Contains(body, "Another idea about narwhals") || !strings.Contains(body, "Changed behind the app") {
		t.Error("an idea posted through the app did not forget the shared page")
	}
}
