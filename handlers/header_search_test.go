package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// Every page links /search in the header, and the home page's search box
// goes there (ideas and comments), not to the list's title filter.
func TestSearchIsLinkedAndTheSearchBoxGoesThere(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, member, "Calendar sync for events")
	app.postComment(t, member, idea.ID, "Would love a wombat integration too")
	for _, path := range []string{"/", "/roadmap", "/changelog", "/search", "/notifications"} {
		_, page := do(t, member, "GET", app.srv.URL+path, nil)
		nav := page[strings.Index(page, `<nav class="nav"`):]
		nav = nav[:strings.Index(nav, "</nav>")]
		if !strings.Contains(nav, `href="/search"`) {
			t.Errorf("%s: the header does not link /search", path)
		}
		if active := strings.Contains(nav, `is-active" href="/search"`); active != (path == "/search") {
			t.Errorf("%s: the Search link is active = %v", path, active)
		}
	}
	_, home := do(t, app.client(), "GET", app.srv.URL+"/", nil)
	hero := home[strings.Index(home, `class="hero`):]
	hero = hero[:strings.Index(hero, "</form>")]
	if !strings.Contains(hero, `action="/search"`) || !strings.Contains(hero, `name="q"`) {
		t.Errorf("the home page's search box does not go to /search:\n%s", hero)
	}
	// What it finds: ideas by their comments too.
	res, page := do(t, app.client(), "GET", app.srv.URL+"/search?q=wombat", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, idea.Title) {
		t.Errorf("/search does not find an idea by its comment: %d", res.StatusCode)
	}
}
