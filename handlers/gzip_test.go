package handlers

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// TestSmallAPIWritesAreNotGzipped: the API's PUT and DELETE answers (a few
// dozen bytes of state) go uncompressed even when gzip is accepted; pages
// and lists still go compressed.
func TestSmallAPIWritesAreNotGzipped(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, ann, "An idea whose vote answer is tiny")
	tok := app.createToken(t, ann, "script", models.ScopeRead, models.ScopeWrite)
	for _, r := range []struct {
		method, path string
		gzip         bool
	}{
		{"PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID), false},
		{"DELETE", fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID), false},
		{"PUT", fmt.Sprintf("/api/v1/ideas/%d/follow", idea.ID), false},
		{"DELETE", fmt.Sprintf("/api/v1/ideas/%d/follow", idea.ID), false},
		{"GET", "/api/v1/ideas", true},
		{"GET", "/", true},
	} {
		res, _ := app.bearer(t, tok.Token, r.method, r.path, "", "Accept-Encoding", "gzip")
		if got := res.Header.Get("Content-Encoding") == "gzip"; res.StatusCode != http.StatusOK || got != r.gzip {
			t.Errorf("%s %s = %d, Content-Encoding %q; want 200, gzip %v", r.method, r.path, res.StatusCode, res.Header.Get("Content-Encoding"), r.gzip)
		}
	}
}
