package handlers

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// excerptRe finds the excerpts and snippets of list rows and queue items.
var excerptRe = regexp.MustCompile(`(?s)<p class="(?:idea-row__excerpt[^"]*|muted)">(.*?)</p>`)

const excerptMarkdown = "Sync *everything* to [WCAG 2.2: Focus Appearance](https://example.com/wcag) & **more**.\n\n- `a < b`\n- two"

// Excerpts in lists, the moderation queue and notifications, and /search
// snippets, show the rendered text, never Markdown syntax.
func TestExcerptsAndSnippetsShowTextNotMarkdown(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	res, body := app.api(t, ann, "POST", "/api/v1/ideas", `{"title":"Markdown in excerpts","body":`+jsonString(excerptMarkdown)+`}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("post = %d %s", res.StatusCode, body)
	}
	idea := decode[apiIdea](t, body)
	if res, _ := app.api(t, bob, "PUT", fmt.Sprintf("/api/v1/ideas/%d/follow", idea.ID), ""); res.StatusCode != http.StatusOK {
		t.Fatalf("follow = %d", res.StatusCode)
	}
	app.postComment(t, ann, idea.ID, excerptMarkdown)
	if res, body := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/status", idea.ID), `{"status":"planned","note":`+jsonString(excerptMarkdown)+`}`); res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"other"}`); res.StatusCode != http.StatusCreated {
		t.Fatalf("flag = %d", res.StatusCode)
	}
	want := "Sync everything to WCAG 2.2: Focus Appearance & more" // snippets may end here
	for _, p := range []struct {
		path string
		c    *http.Client
		n    int
	}{
		{"/", bob, 1},
		{"/?q=sync", bob, 1},
		{"/notifications", bob, 2},
		{"/staff/moderation", mod, 1},
		{"/search?q=everything", bob, 1},
	} {
		_, page := do(t, p.c, "GET", app.srv.URL+p.path, nil)
		var found int
		for _, m := range excerptRe.FindAllStringSubmatch(page, -1) {
			text := html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(m[1]))
			if !strings.Contains(text, "Sync") {
				continue
			}
			found++
			if !strings.Contains(text, want) || strings.ContainsAny(text, "*[]`") {
				t.Errorf("%s shows %q, want the text %q", p.path, text, want)
			}
		}
		if found < p.n {
			t.Errorf("%s: %d excerpts of the idea, want %d", p.path, found, p.n)
		}
	}
	_, page := do(t, bob, "GET", app.srv.URL+"/search?q=everything", nil)
	if !strings.Contains(page, "<mark>everything</mark>") || !strings.Contains(page, "&amp; more") {
		t.Error("search snippet lost its highlight or its escaping")
	}
}
