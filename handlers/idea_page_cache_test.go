package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Anonymous visitors share the rendered idea page like the home page (a
// minute here so the test does not race the clock): a change behind the
// app's back stays unseen while it is shared, each visitor's page carries
// their own CSRF token, an evil comment stays inert text, members never get
// it, a comment posted through the app shows at once, and redirects (no
// slug, a wrong one) are never shared.
func TestAnonymousIdeaPageIsSharedUntilAComment(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Shared idea page about otters")
	first := app.postComment(t, member, idea.ID, "The first otter comment")
	app.postComment(t, member, idea.ID, `[x](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert("t")</script>`)
	ann, bob := app.client(), app.client()
	annPage := app.ideaPage(t, ann, idea)
	if !strings.Contains(annPage, "The first otter comment") {
		t.Fatal("the comment is not on the page")
	}
	app.db.Exec(`UPDATE comments SET body_html = '<p>Changed behind the app</p>' WHERE id = ?`, first.ID)
	bobPage := app.ideaPage(t, bob, idea)
	if !strings.Contains(bobPage, "The first otter comment") {
		t.Error("the second visitor did not get the shared page")
	}
	for _, body := range []string{annPage, bobPage} {
		if strings.Contains(body, "<script>alert") || strings.Contains(body, `href="javascript:`) || liveHandler.MatchString(body) ||
			!strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Error("the shared page does not show the evil comment as inert text")
		}
	}
	annTok, bobTok := voteToken.FindStringSubmatch(annPage), voteToken.FindStringSubmatch(bobPage)
	if annTok == nil || bobTok == nil || annTok[1] == bobTok[1] || strings.Contains(bobPage, annTok[1]) || strings.HasPrefix(bobTok[1], "csrf-") {
		t.Fatalf("tokens: ann %v, bob %v: each visitor must get their own", annTok, bobTok)
	}
	if body := app.ideaPage(t, member, idea); !strings.Contains(body, "Changed behind the app") {
		t.Error("a member got the anonymous page")
	}
	// Redirects are answered every time, shared page or not.
	for _, p := range []string{fmt.Sprintf("/ideas/%d", idea.ID), fmt.Sprintf("/ideas/%d/wrong-slug?x=1", idea.ID)} {
		for _, c := range []*http.Client{ann, bob} {
			res, _ := do(t, c, "GET", app.srv.URL+p, nil)
			if want := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug); res.StatusCode != http.StatusMovedPermanently ||
				!strings.HasPrefix(res.Header.Get("Location"), want) {
				t.Errorf("GET %s = %d to %q, want a 301 to %s", p, res.StatusCode, res.Header.Get("Location"), want)
			}
		}
	}
	// A comment posted through the app forgets the shared page.
	res, _ := app.form(t, member, fmt.Sprintf("/ideas/%d/comments", idea.ID), url.Values{"body": {"A second otter comment"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment form = %d", res.StatusCode)
	}
	body := app.ideaPage(t, ann, idea)
	if !strings.Contains(body, "A second otter comment") || !strings.Contains(body, "Changed behind the app") {
		t.Error("a comment through the app did not forget the shared page")
	}
}
