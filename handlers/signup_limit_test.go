package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// TestNewAccountsPerNetwork: every path that creates an account (the OAuth
// callback and dev sign-in) counts against signups_per_ip_per_hour for the
// client's address; beyond it the sign-in page comes back as a 429 with
// Retry-After and says why, and existing members still sign in.
func TestNewAccountsPerNetwork(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	app.limits(t, "signups_per_ip_per_hour = 3")
	const msg = "Too many new accounts were created from your network in the last hour"

	jane := mockoidc.MockUser{Subject: "acme|2001", Email: "jane@acme.example", EmailVerified: true, PreferredUsername: "jane"}
	oidcSignedIn(t, app, op, app.client(), "/auth/oidc", jane, "/")
	oidcDevSignIn(t, app, app.client(), "dev1@example.com")
	oidcDevSignIn(t, app, app.client(), "dev2@example.com")

	refused := func(what string, res *http.Response, body string) {
		t.Helper()
		ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests || ra < 3500 || ra > 3600 {
			t.Errorf("%s = %d, Retry-After %q; want 429 and about an hour", what, res.StatusCode, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, msg) || !strings.Contains(body, `action="/auth/dev"`) {
			t.Errorf("%s: the sign-in page with the reason was not shown", what)
		}
		if ck := oidcResCookie(res, "session"); ck != nil && ck.Value != "" {
			t.Errorf("%s set a session cookie", what)
		}
	}
	c := app.client()
	_, csrf := oidcMe(t, app, c)
	res, body := do(t, c, "POST", app.srv.URL+"/auth/dev", strings.NewReader(url.Values{
		"email": {"dev3@example.com"}, "name": {"Dev Three"}, "_csrf": {csrf}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	refused("fourth new account by dev sign-in", res, body)
	if !strings.Contains(body, `value="dev3@example.com"`) {
		t.Error("the refused dev sign-in form lost the email")
	}
	joe := mockoidc.MockUser{Subject: "acme|2002", Email: "joe@acme.example", EmailVerified: true, PreferredUsername: "joe"}
	f := oidcSignIn(t, app, op, app.client(), "/auth/oidc", joe)
	refused("fourth new account by the OAuth callback", f.res, f.body)
	if n := oidcCount(t, app, "users", ""); n != 3 {
		t.Errorf("%d users, want 3", n)
	}

	// Members who already have an account sign in from the same network.
	oidcSignedIn(t, app, op, app.client(), "/auth/oidc", jane, "/")
	oidcDevSignIn(t, app, app.client(), "dev1@example.com")
}
