package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var voteToken = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Anonymous visitors share one rendered home page (a second by default; a
// minute here so the test does not race the clock): a change made behind
// the app's back stays unseen while the page is shared, but each visitor's
// page carries their own CSRF token, which their vote form then uses; a
// write through the app forgets the page at once, for members too (who get
// it with their own header and marks: home_shared_test.go).
func TestAnonymousHomePageIsSharedButTheTokenIsEachVisitors(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Shared page walrus idea")
	ann, bob := app.client(), app.client()
	_, first := do(t, ann, "GET", app.srv.URL+"/?sort=new", nil)
	if !strings.Contains(first, "Shared page walrus idea") {
		t.Fatal("the idea is not listed")
	}
	app.db.Exec(`UPDATE ideas SET title = 'Renamed behind the app' WHERE id = ?`, idea.ID)
	_, second := do(t, bob, "GET", app.srv.URL+"/?sort=new", nil)
	if !strings.Contains(second, "Shared page walrus idea") {
		t.Error("the second visitor did not get the shared page")
	}
	annTok, bobTok := voteToken.FindStringSubmatch(first), voteToken.FindStringSubmatch(second)
	if annTok == nil || bobTok == nil || annTok[1] == bobTok[1] || strings.Contains(second, annTok[1]) || strings.HasPrefix(bobTok[1], "csrf-") {
		t.Fatalf("tokens: ann %v, bob %v: each visitor must get their own", annTok, bobTok)
	}
	// Bob's token from the shared page is his: his vote goes on to sign-in,
	// not to a refused form.
	res, _ := do(t, bob, "POST", app.srv.URL+fmt.Sprintf("/ideas/%d/vote", idea.ID),
		strings.NewReader(url.Values{"_csrf": {bobTok[1]}, "on": {"true"}, "back": {"/"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode == http.StatusForbidden || res.StatusCode >= 500 {
		t.Errorf("anonymous vote with the shared page's token = %d", res.StatusCode)
	}
	if _, body := do(t, member, "GET", app.srv.URL+"/?sort=new", nil); !strings.Contains(body, "Renamed behind the app") {
		t.Error("a member got the page from before the write")
	}
	// That POST was a write through this process: the shared page is gone.
	if _, body := do(t, ann, "GET", app.srv.URL+"/?sort=new", nil); !strings.Contains(body, "Renamed behind the app") {
		t.Error("a write through the app did not forget the shared page")
	}
	// Pages that are not a 200 are never shared.
	res, body := do(t, ann, "GET", app.srv.URL+"/?sort=new&page=50", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "past the end") {
		t.Errorf("past the end = %d", res.StatusCode)
	}
}
