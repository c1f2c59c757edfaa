package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestDevSignInCreatesSessionAndRotatesIt(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	app.csrfOf(t, c)
	if app.sessionCookie(c) != "" {
		t.Fatal("anonymous visitor got a session cookie")
	}
	res, _ := app.form(t, c, "/auth/dev", url.Values{"email": {"ann@example.com"}, "name": {"Ann"}, "next": {"/settings"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings" {
		t.Fatalf("dev sign-in = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	first := app.sessionCookie(c)
	if len(first) < 40 {
		t.Fatalf("session cookie %q is too short for 128+ bits", first)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie flags: %+v", ck)
		}
	}
	// The database holds only a hash of the token.
	var stored int64
	app.db.Raw(`SELECT count(*) FROM sessions WHERE encode(id, 'escape') LIKE ?`, "%"+first+"%").Scan(&stored)
	if stored != 0 {
		t.Error("session token stored in clear")
	}

	// Signing in again in the same browser issues a new id and kills the old one.
	res, _ = app.form(t, c, "/auth/dev", url.Values{"email": {"ann@example.com"}})
	second := app.sessionCookie(c)
	if res.StatusCode != http.StatusSeeOther || second == "" || second == first {
		t.Fatalf("session id not rotated at sign-in: %q → %q", first, second)
	}
	old := app.client()
	u, _ := url.Parse(app.srv.URL)
	old.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: first}})
	if _, body := do(t, old, "GET", app.srv.URL+"/api/v1/me", nil); !strings.Contains(body, `"user":null`) {
		t.Errorf("pre-sign-in session still valid: %s", body)
	}
	var n int64
	app.db.Table("users").Where("email = ?", "ann@example.com").Count(&n)
	if n != 1 {
		t.Errorf("%d users for one dev email", n)
	}
}

func TestSignOutKillsTheSessionServerSide(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "bob@example.com")
	token := app.sessionCookie(c)
	if _, body := do(t, c, "GET", app.srv.URL+"/api/v1/me", nil); !strings.Contains(body, `"name":"bob"`) {
		t.Fatalf("not signed in: %s", body)
	}
	res, _ := app.form(t, c, "/signout", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signout = %d", res.StatusCode)
	}
	// A copy of the old cookie, replayed, is anonymous.
	thief := app.client()
	u, _ := url.Parse(app.srv.URL)
	thief.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: token}})
	if _, body := do(t, thief, "GET", app.srv.URL+"/api/v1/me", nil); !strings.Contains(body, `"user":null`) {
		t.Errorf("old cookie still signed in after sign-out: %s", body)
	}
	if res, _ := do(t, thief, "GET", app.srv.URL+"/settings", nil); res.StatusCode != http.StatusFound {
		t.Errorf("old cookie reached /settings: %d", res.StatusCode)
	}
	var n int64
	app.db.Table("sessions").Count(&n)
	if n != 0 {
		t.Errorf("%d session rows left after sign-out", n)
	}
}

func TestCSRFProtectsStateChanges(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "carol@example.com")
	body := url.Values{"name": {"Carol Changed"}}.Encode()
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}

	res, _ := do(t, c, "POST", app.srv.URL+"/settings/profile", strings.NewReader(body), form...)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without token = %d, want 403", res.StatusCode)
	}
	res, _ = do(t, c, "POST", app.srv.URL+"/settings/profile", strings.NewReader(body+"&_csrf=forged"), form...)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with a forged token = %d, want 403", res.StatusCode)
	}
	res, _ = do(t, c, "PATCH", app.srv.URL+"/api/v1/me", strings.NewReader(`{"name":"X"}`), "Content-Type", "application/json")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("PATCH without header = %d, want 403", res.StatusCode)
	}
	// A browser request from a sibling subdomain is refused even with a token.
	token := app.csrfOf(t, c)
	res, _ = do(t, c, "POST", app.srv.URL+"/settings/profile", strings.NewReader(body+"&_csrf="+token),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-site")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("same-site POST = %d, want 403", res.StatusCode)
	}
	var name string
	app.db.Raw(`SELECT name FROM users WHERE email = 'carol@example.com'`).Scan(&name)
	if name != "carol" {
		t.Fatalf("name changed by a forged request: %q", name)
	}

	res, _ = app.form(t, c, "/settings/profile", url.Values{"name": {"Carol Changed"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST with token = %d, want 303", res.StatusCode)
	}
	res, out := app.api(t, c, "PATCH", "/api/v1/me", `{"name":"Carol API"}`)
	if res.StatusCode != 200 || !strings.Contains(out, `"name":"Carol API"`) {
		t.Errorf("PATCH with header = %d %s", res.StatusCode, out)
	}
}

func TestCSRFCookieIsHostPrefixedOnHTTPS(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.BaseURL, _ = url.Parse("https://ideas.example.com") })
	res, _ := do(t, app.client(), "GET", app.srv.URL+"/signin", nil)
	found := false
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-csrf" {
			found = ck.Secure && ck.Path == "/" && ck.Domain == "" && ck.HttpOnly
		}
	}
	if !found {
		t.Errorf("no Secure host-only __Host-csrf cookie: %v", res.Header["Set-Cookie"])
	}
}

func TestDevSignInValidationAndRateLimit(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.SignInPerMinute = 3 })
	c := app.client()
	res, body := app.form(t, c, "/auth/dev", url.Values{"email": {"not-an-email"}, "name": {"Keep\u202eMe"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Please enter an email address") ||
		!strings.Contains(body, `value="not-an-email"`) {
		t.Fatalf("bad dev sign-in = %d", res.StatusCode)
	}
	for i := 0; i < 2; i++ {
		app.form(t, c, "/auth/dev", url.Values{"email": {"x@example.com"}})
	}
	res, _ = app.form(t, c, "/auth/dev", url.Values{"email": {"x@example.com"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th sign-in in a minute = %d (Retry-After %q), want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

func TestDevSignInIsOffUnlessEnabled(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.DevLogin = false })
	c := app.client()
	res, _ := app.form(t, c, "/auth/dev", url.Values{"email": {"x@example.com"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /auth/dev without CROWDWISE_DEV_LOGIN = %d, want 404", res.StatusCode)
	}
	if _, body := do(t, c, "GET", app.srv.URL+"/signin", nil); strings.Contains(body, "/auth/dev") {
		t.Error("sign-in page offers dev sign-in while it is off")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/ideas/42":             "/ideas/42",
		"/search?q=a+b":         "/search?q=a+b",
		"":                      "/",
		"https://evil.example":  "/",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"\\/evil.example":       "/",
		"javascript:alert(1)":   "/",
		"/%2F%2Fevil.example":   "/",
		"/ok\r\nSet-Cookie: x":  "/",
		"http:/evil.example":    "/",
		"/path\twith-tab":       "/",
		"ideas/relative":        "/",
		"/\x00":                 "/",
		"/\u2028line-separator": "/\u2028line-separator",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnonymousAccessRules(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	res, _ := do(t, c, "GET", app.srv.URL+"/settings?tab=x", nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/signin?next=%2Fsettings%3Ftab%3Dx" {
		t.Errorf("anonymous /settings = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := app.api(t, c, "PATCH", "/api/v1/me", `{"name":"x"}`)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthorized"`) {
		t.Errorf("anonymous PATCH /api/v1/me = %d %s", res.StatusCode, body)
	}
}
