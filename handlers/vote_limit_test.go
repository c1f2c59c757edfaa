package handlers

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// TestAPIVotesCountActionLimits: the vote routes count the action limits in
// the vote's own transaction instead of the actionLimit middleware, with
// the same effect: PUT and DELETE, by token and by session, count for the
// address and the token; a 404 counts; the request over the limit is a
// 429 with Retry-After and is not recorded; staff pass.
func TestAPIVotesCountActionLimits(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("127.0.0.0/8")
	app := newTestApp(t, func(o *Options) { o.TrustedProxies = []*net.IPNet{proxies} })
	ann, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, ann, "An idea to vote on and off")
	tok := app.createToken(t, ann, "voting script", models.ScopeRead, models.ScopeWrite)
	app.limits(t, "per_ip_actions_per_minute = 3, votes_per_minute = 1000")
	app.db.Exec(`DELETE FROM rate_keys`) // the set-up's own requests
	vote := fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID)
	missing := fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID+1000)

	// By token from fresh addresses: the token's own count bites.
	for i, step := range []struct{ method, path string }{{"PUT", vote}, {"DELETE", missing}, {"DELETE", vote}} {
		want := http.StatusOK
		if step.path == missing {
			want = http.StatusNotFound
		}
		if res, body := app.bearer(t, tok.Token, step.method, step.path, "", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1)); res.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", step.method, step.path, res.StatusCode, body, want)
		}
	}
	res, body := app.bearer(t, tok.Token, "PUT", vote, "", "X-Forwarded-For", "203.0.113.9")
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || ra < 59 || ra > 60 || !strings.Contains(body, "this token") {
		t.Errorf("4th vote with the token = %d (Retry-After %q) %s, want 429 for the token", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if n := app.count(t, `SELECT count(*) FROM votes WHERE idea_id = ?`, idea.ID); n != 0 {
		t.Errorf("%d votes after the refused vote, want 0", n)
	}
	if n := app.count(t, `SELECT coalesce(sum(n), 0) FROM rate_keys, unnest(counts) n WHERE key LIKE 'token:%'`); n != 3 {
		t.Errorf("%d requests counted for the token, want 3", n)
	}

	// By session from one address (the test client's): the address bites.
	bob, _ := app.signIn(t, "bob@example.com")
	app.db.Exec(`DELETE FROM rate_keys WHERE key LIKE 'ip:127.%'`)
	for i := 0; i < 3; i++ {
		method := []string{"PUT", "DELETE"}[i%2]
		if res, body := app.api(t, bob, method, vote, ""); res.StatusCode != http.StatusOK {
			t.Fatalf("session %s %d = %d %s", method, i, res.StatusCode, body)
		}
	}
	res, body = app.api(t, bob, "DELETE", vote, "")
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || ra < 59 || ra > 60 || !strings.Contains(body, "your network") {
		t.Errorf("4th vote from the address = %d (Retry-After %q) %s, want 429 for the address", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if n := app.count(t, `SELECT count(*) FROM votes WHERE idea_id = ?`, idea.ID); n != 1 {
		t.Errorf("%d votes after the refused unvote, want bob's 1", n)
	}
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	if res, body := app.api(t, mod, "PUT", vote, ""); res.StatusCode != http.StatusOK {
		t.Errorf("staff vote over the address limit = %d %s", res.StatusCode, body)
	}
}
