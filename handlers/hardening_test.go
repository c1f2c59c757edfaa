package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestCSPForbidsBaseElements(t *testing.T) {
	app := newTestApp(t)
	for _, path := range []string{"/", "/no-such-page", "/api/v1/me"} {
		res, _ := do(t, app.client(), "GET", app.srv.URL+path, nil)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "base-uri 'none'") {
			t.Errorf("GET %s: CSP %q lacks base-uri 'none'", path, csp)
		}
	}
}

// TestTokenResponsesAreNeverStored sweeps every GET route as a visitor, a
// member and an admin: a response that carries the CSRF token in its body
// or sets a cookie (session, csrf, auth) must say Cache-Control: no-store.
func TestTokenResponsesAreNeverStored(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	member, _ := app.signIn(t, "mem@example.com")
	admin, _ := app.signInAs(t, "adm@example.com", models.RoleAdmin)
	idea := app.postIdea(t, member, "An idea for the cache sweep")
	fill := strings.NewReplacer(":provider", "oidc", ":id", fmt.Sprint(idea.ID), ":slug", "x", "*", "css/app.css")

	noStore := func(who, what string, res *http.Response) {
		t.Helper()
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s %s = %d carries a token with Cache-Control %q, want no-store", who, what, res.StatusCode, cc)
		}
	}
	setsCookie := func(res *http.Response) bool {
		for _, ck := range res.Cookies() {
			if ck.Value != "" {
				return true
			}
		}
		return false
	}

	checked := 0
	for who, c := range map[string]*http.Client{"visitor": app.client(), "member": member, "admin": admin} {
		res, _ := do(t, c, "GET", app.srv.URL+"/api/v1/me", nil) // carries the token, always
		noStore(who, "GET /api/v1/me", res)
		token := app.csrfOf(t, c)
		for _, r := range app.h.echo.Routes() {
			if r.Method != http.MethodGet {
				continue
			}
			path := fill.Replace(r.Path)
			res, body := do(t, c, "GET", app.srv.URL+path, nil)
			if strings.Contains(body, token) || setsCookie(res) {
				checked++
				noStore(who, "GET "+path, res)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d responses carried a token: the sweep is not reaching the pages", checked)
	}

	// Sign-in and sign-out responses set the session cookie.
	c := app.client()
	res, _ := app.form(t, c, "/auth/dev", url.Values{"email": {"new@example.com"}})
	noStore("visitor", "POST /auth/dev", res)
	res, _ = app.form(t, c, "/signout", url.Values{})
	noStore("member", "POST /signout", res)
}
