package handlers

import (
	"net/http"
	"regexp"
	"testing"
)

// selectedCategory is the value of the option the new-idea form preselects,
// or "" when none is (the browser then submits the first one).
func selectedCategory(t *testing.T, body string) string {
	t.Helper()
	sel := regexp.MustCompile(`(?s)<select[^>]*name="category"[^>]*>(.*?)</select>`).FindStringSubmatch(body)
	if sel == nil {
		t.Fatal("no category select on the page")
	}
	m := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindAllStringSubmatch(sel[1], -1)
	if len(m) > 1 {
		t.Fatalf("%d options selected", len(m))
	}
	if len(m) == 0 {
		return ""
	}
	return m[0][1]
}

// A new idea goes to `general` unless the person came from a category's
// list; "accessibility" sorts before "general", which used to win.
func TestNewIdeaFormPreselectsTheCategory(t *testing.T) {
	app := newTestApp(t)
	if err := app.db.Exec(`INSERT INTO categories (slug, name) VALUES ('accessibility', 'Accessibility'), ('mobile', 'Mobile')`).Error; err != nil {
		t.Fatal(err)
	}
	c, _ := app.signIn(t, "ann@example.com")
	for query, want := range map[string]string{
		"":                  "general",
		"?category=mobile":  "mobile",
		"?category=no-such": "general",
		"?category=":        "general",
		"?category=%3Cb%3E": "general",
		"?category=GENERAL": "general",
	} {
		res, body := do(t, c, "GET", app.srv.URL+"/ideas/new"+query, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /ideas/new%s = %d", query, res.StatusCode)
		}
		if got := selectedCategory(t, body); got != want {
			t.Errorf("/ideas/new%s preselects %q, want %q", query, got, want)
		}
	}

	// The home page's button carries the category filter along.
	_, body := do(t, c, "GET", app.srv.URL+"/?category=mobile", nil)
	if !regexp.MustCompile(`href="/ideas/new\?category=mobile"`).MatchString(body) {
		t.Error("home page filtered by mobile does not link to /ideas/new?category=mobile")
	}
	_, body = do(t, c, "GET", app.srv.URL+"/", nil)
	if !regexp.MustCompile(`href="/ideas/new"`).MatchString(body) {
		t.Error("unfiltered home page does not link to /ideas/new")
	}
}
