package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
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

// Duplicate suggestions say each idea's status and offer a vote only where
// voting is open: a vote on a shipped or declined idea would be a 409.
func TestSimilarSuggestionsOfferVotesOnlyWhereOpen(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	open := app.postIdea(t, c, "Dark mode for the dashboard")
	shipped := app.postIdea(t, c, "Dark mode for the reports")
	declined := app.postIdea(t, c, "Dark mode for the emails")
	for id, status := range map[int64]string{shipped.ID: "shipped", declined.ID: "declined"} {
		if err := app.db.Exec(`UPDATE ideas SET status = ? WHERE id = ?`, status, id).Error; err != nil {
			t.Fatal(err)
		}
	}
	want := map[int64]struct {
		status  string
		votable bool
	}{open.ID: {"open", true}, shipped.ID: {"shipped", false}, declined.ID: {"declined", false}}

	bob, _ := app.signIn(t, "bob@example.com")
	_, body := do(t, bob, "GET", app.srv.URL+"/api/v1/ideas/similar?title=dark+mode", nil)
	sim := decode[struct {
		Ideas []map[string]any
	}](t, body)
	if len(sim.Ideas) != 3 {
		t.Fatalf("similar: %s", body)
	}
	for _, s := range sim.Ideas {
		id := int64(s["id"].(float64))
		if s["status"] != want[id].status || s["votable"] != want[id].votable {
			t.Errorf("similar idea %d: status %v votable %v, want %+v", id, s["status"], s["votable"], want[id])
		}
	}

	// Without JavaScript, the confirm step shows the same.
	res, body := app.form(t, bob, "/ideas", url.Values{"title": {"Dark mode please"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("confirm step = %d", res.StatusCode)
	}
	items := regexp.MustCompile(`(?s)<li class="suggestions__item">.*?</li>`).FindAllString(body, -1)
	if len(items) != 3 {
		t.Fatalf("%d suggestions on the confirm step, want 3", len(items))
	}
	for _, item := range items {
		id := int64(0)
		for cand := range want {
			if strings.Contains(item, fmt.Sprintf(`href="/ideas/%d/`, cand)) {
				id = cand
			}
		}
		w := want[id]
		if id == 0 || !strings.Contains(item, ">"+statusLabel(w.status)+"<") {
			t.Errorf("suggestion %d does not show its status %q: %s", id, w.status, item)
		}
		if offers := strings.Contains(item, "Vote for this instead"); offers != w.votable {
			t.Errorf("suggestion %d (%s) offers a vote: %v", id, w.status, offers)
		}
	}
}
