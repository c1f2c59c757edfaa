package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// path is an API idea's URL without the test BASE_URL.
func (i apiIdea) path() string { return strings.TrimPrefix(i.URL, "http://localhost:8080") }

func (a *testApp) voteCount(t *testing.T, ideaID int64) int64 {
	t.Helper()
	return a.count(t, `SELECT vote_count FROM ideas WHERE id = ?`, ideaID)
}

// visitorVotes clicks "vote" on an idea page as the anonymous client c does
// without JavaScript, and returns where it was sent.
func (a *testApp) visitorVotes(t *testing.T, c *http.Client, idea apiIdea) string {
	t.Helper()
	res, body := a.form(t, c, fmt.Sprintf("/ideas/%d/vote", idea.ID), url.Values{"on": {"true"}, "back": {idea.path()}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("visitor's vote = %d: %.300s", res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

// A visitor who clicks vote is told why they are signing in, and their vote
// is cast once they are: the vote is not lost behind the sign-in.
func TestVisitorVoteSurvivesDevSignIn(t *testing.T) {
	app := newTestApp(t)
	author, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, author, "Keyboard shortcuts everywhere")

	c := app.client()
	loc := app.visitorVotes(t, c, idea)
	if loc != "/signin?next="+url.QueryEscape(idea.path()) {
		t.Fatalf("visitor's vote went to %q, want sign-in coming back to the idea", loc)
	}
	if n := app.voteCount(t, idea.ID); n != 1 {
		t.Fatalf("vote_count %d before sign-in", n)
	}
	_, body := do(t, c, "GET", app.srv.URL+loc, nil)
	if !strings.Contains(body, "Sign in to vote for “") || !strings.Contains(body, idea.Title) {
		t.Errorf("sign-in page does not say it is for a vote on %q", idea.Title)
	}
	// Reading pages changes nothing.
	do(t, c, "GET", app.srv.URL+idea.path(), nil)
	if n := app.voteCount(t, idea.ID); n != 1 {
		t.Fatalf("a GET cast the vote: vote_count %d", n)
	}

	res, _ := app.form(t, c, "/auth/dev", url.Values{"email": {"vic@example.com"}, "name": {"Vic"}, "next": {idea.path()}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != idea.path()+"?notice=voted" {
		t.Fatalf("dev sign-in = %d → %q, want the idea with a notice", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.voteCount(t, idea.ID); n != 2 {
		t.Errorf("vote_count %d after sign-in, want 2", n)
	}
	_, body = do(t, c, "GET", app.srv.URL+idea.path()+"?notice=voted", nil)
	if !strings.Contains(body, "your vote is counted") || !strings.Contains(body, `aria-pressed="true"`) {
		t.Error("the idea page does not show the vote as counted")
	}

	// Cast once: after unvoting and signing in again, nothing votes again.
	app.api(t, c, "DELETE", fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID), "")
	app.form(t, c, "/signout", url.Values{})
	res, _ = app.form(t, c, "/auth/dev", url.Values{"email": {"vic@example.com"}})
	if n := app.voteCount(t, idea.ID); n != 1 || res.Header.Get("Location") != "/" {
		t.Errorf("second sign-in: vote_count %d, went to %q", n, res.Header.Get("Location"))
	}
}

// Only the browser that clicked, through a real sign-in, can cast the
// vote; a cross-site page can neither start nor finish one.
func TestVoteIntentIsCSRFSafe(t *testing.T) {
	app := newTestApp(t)
	author, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, author, "Keyboard shortcuts everywhere")
	shipped := app.postIdea(t, author, "Dark mode for the dashboard")
	app.db.Exec(`UPDATE ideas SET status = 'shipped' WHERE id = ?`, shipped.ID)
	post := func(c *http.Client, path string, v url.Values, header ...string) *http.Response {
		res, _ := do(t, c, "POST", app.srv.URL+path, strings.NewReader(v.Encode()),
			append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
		return res
	}
	votePath := fmt.Sprintf("/ideas/%d/vote", idea.ID)

	// A forged form (no token, or another browser's) starts nothing.
	visitor := app.client()
	other := app.client()
	for name, v := range map[string]url.Values{
		"no token":              {"on": {"true"}},
		"another browser's one": {"on": {"true"}, "_csrf": {app.csrfOf(t, other)}},
	} {
		app.csrfOf(t, visitor) // the visitor has a CSRF cookie of their own
		if res := post(visitor, votePath, v); res.StatusCode != http.StatusForbidden {
			t.Errorf("forged visitor vote (%s) = %d, want 403", name, res.StatusCode)
		}
	}
	if n := app.count(t, `SELECT count(*) FROM vote_intents`); n != 0 {
		t.Fatalf("%d vote intents from forged requests", n)
	}
	// A forged vote for a signed-in member is refused as before.
	member, _ := app.signIn(t, "mo@example.com")
	if res := post(member, votePath, url.Values{"on": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("forged member vote = %d, want 403", res.StatusCode)
	}

	// A closed idea says so at once instead of after the sign-in.
	res, body := app.form(t, visitor, fmt.Sprintf("/ideas/%d/vote", shipped.ID), url.Values{"on": {"true"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "shipped") {
		t.Errorf("visitor's vote on a shipped idea = %d", res.StatusCode)
	}

	// A real click in one browser is not cast by a sign-in in another.
	app.visitorVotes(t, visitor, idea)
	app.form(t, other, "/auth/dev", url.Values{"email": {"other@example.com"}})
	if n := app.voteCount(t, idea.ID); n != 1 {
		t.Errorf("another browser's sign-in cast the vote: vote_count %d", n)
	}
	// Nor after it expired.
	app.db.Exec(`UPDATE vote_intents SET expires_at = now() - interval '1 second'`)
	res, _ = app.form(t, visitor, "/auth/dev", url.Values{"email": {"late@example.com"}})
	if n := app.voteCount(t, idea.ID); n != 1 || strings.Contains(res.Header.Get("Location"), "notice") {
		t.Errorf("an expired intent was cast: vote_count %d, → %q", n, res.Header.Get("Location"))
	}
}

// The provider sign-in casts the vote too, in its callback.
func TestVisitorVoteSurvivesProviderSignIn(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	author, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, author, "Keyboard shortcuts everywhere")
	ideaPath := strings.TrimPrefix(idea.URL, app.h.opts.BaseURL.String())

	c := app.client()
	res, body := app.form(t, c, fmt.Sprintf("/ideas/%d/vote", idea.ID), url.Values{"on": {"true"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("visitor's vote = %d: %.300s", res.StatusCode, body)
	}
	oidcSignedIn(t, app, op, c, "/auth/oidc?next="+url.QueryEscape(ideaPath),
		mockoidc.MockUser{Subject: "sso-vic", Email: "vic@acme.example", EmailVerified: true, PreferredUsername: "vic"},
		ideaPath+"?notice=voted")
	if n := app.voteCount(t, idea.ID); n != 2 {
		t.Errorf("vote_count %d after provider sign-in, want 2", n)
	}
}
