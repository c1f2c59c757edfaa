package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// similarOn is the "Similar ideas" list of an idea's page.
func (a *testApp) similarOn(t *testing.T, c *http.Client, idea apiIdea) string {
	t.Helper()
	page := a.ideaPage(t, c, idea)
	start := strings.Index(page, "Similar ideas</h2>")
	if start < 0 {
		t.Fatalf("idea %d has no similar ideas section", idea.ID)
	}
	end := strings.Index(page[start:], "</ul>")
	if end < 0 {
		return ""
	}
	return page[start : start+end]
}

// Similar ideas go both ways: a short duplicate lists the original that
// contains its words, and the original lists the duplicate (by trigrams,
// and by every word of one title being in the other).
func TestSimilarIdeasAreMutual(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	for _, pair := range [][2]apiIdea{
		{app.postIdea(t, ann, "Dark mode please"), app.postIdea(t, bob, "Dark mode for the reporting dashboard")},
		{app.postIdea(t, ann, "Export reports to CSV"), app.postIdea(t, bob, "Scheduled export of all usage reports as CSV attachments")},
	} {
		for i, idea := range pair {
			other := pair[1-i]
			if list := app.similarOn(t, app.client(), idea); !strings.Contains(list, ">"+other.Title+"</a>") {
				t.Errorf("%q does not list %q as similar:\n%s", idea.Title, other.Title, list)
			}
		}
	}
}
