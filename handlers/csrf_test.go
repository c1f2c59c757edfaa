package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// postName posts the settings name form with an explicit CSRF token.
func postName(t *testing.T, app *testApp, c *http.Client, token, name string) int {
	t.Helper()
	body := url.Values{"name": {name}, "_csrf": {token}}.Encode()
	res, _ := do(t, c, "POST", app.srv.URL+"/settings/profile", strings.NewReader(body),
		"Content-Type", "application/x-www-form-urlencoded")
	return res.StatusCode
}

func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	app := newTestApp(t)
	a, _ := app.signIn(t, "ann@example.com")
	b, _ := app.signIn(t, "ben@example.com")
	tokenA, tokenB := app.csrfOf(t, a), app.csrfOf(t, b)
	if tokenA == tokenB {
		t.Fatalf("two sessions share the CSRF token %q", tokenA)
	}

	// A's token, and every cookie A's browser has apart from the session,
	// planted in B's browser: refused.
	u, _ := url.Parse(app.srv.URL)
	for _, ck := range a.Jar.Cookies(u) {
		if ck.Name != "session" {
			b.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
		}
	}
	if got := postName(t, app, b, tokenA, "Hijacked"); got != http.StatusForbidden {
		t.Errorf("A's token in B's session = %d, want 403", got)
	}
	res, _ := do(t, b, "PATCH", app.srv.URL+"/api/v1/me", strings.NewReader(`{"name":"Hijacked"}`),
		"Content-Type", "application/json", "X-CSRF-Token", tokenA)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("A's token in B's API request = %d, want 403", res.StatusCode)
	}
	// Not even for a same-origin browser request: the token is always checked.
	res, _ = do(t, b, "POST", app.srv.URL+"/settings/profile",
		strings.NewReader(url.Values{"name": {"Hijacked"}, "_csrf": {tokenA}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("same-origin request with A's token in B's session = %d, want 403", res.StatusCode)
	}
	var name string
	app.db.Raw(`SELECT name FROM users WHERE email = 'ben@example.com'`).Scan(&name)
	if name != "ben" {
		t.Fatalf("B's name changed with A's token: %q", name)
	}
	if got := postName(t, app, b, tokenB, "Ben B"); got != http.StatusSeeOther {
		t.Errorf("B's own token = %d, want 303", got)
	}
}

func TestCSRFTokenRotatesAtSignInAndSignOut(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	before := app.csrfOf(t, c) // an anonymous visitor's token works for sign-in forms
	res, body := do(t, c, "POST", app.srv.URL+"/auth/dev",
		strings.NewReader(url.Values{"email": {"cy@example.com"}, "_csrf": {before}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dev sign-in with the anonymous token = %d: %s", res.StatusCode, body)
	}
	if got := postName(t, app, c, before, "Pre Sign-in"); got != http.StatusForbidden {
		t.Errorf("token from before sign-in, used after = %d, want 403", got)
	}
	during := app.csrfOf(t, c)
	if during == before {
		t.Fatal("CSRF token not rotated at sign-in")
	}
	if got := postName(t, app, c, during, "Cy"); got != http.StatusSeeOther {
		t.Fatalf("current token = %d, want 303", got)
	}

	res, _ = do(t, c, "POST", app.srv.URL+"/signout", strings.NewReader("_csrf="+during),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out = %d", res.StatusCode)
	}
	after := app.csrfOf(t, c)
	if after == during || after == before {
		t.Error("CSRF token not rotated at sign-out")
	}
	for name, token := range map[string]string{"signed-in": during, "pre-sign-in": before} {
		res, _ := do(t, c, "POST", app.srv.URL+"/auth/dev",
			strings.NewReader(url.Values{"email": {"mallory@example.com"}, "_csrf": {token}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s token after sign-out = %d, want 403", name, res.StatusCode)
		}
	}
}

// A role change ends every session of that person: a cookie stolen while
// they were a member does not become a staff session.
func TestRoleChangeEndsThatPersonsSessions(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "root@example.com", models.RoleAdmin)
	other, _ := app.signInAs(t, "root2@example.com", models.RoleAdmin)
	member, m := app.signIn(t, "mia@example.com")
	stolen := app.sessionCookie(member)
	u, _ := url.Parse(app.srv.URL)
	thief := app.client()
	thief.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: stolen, Path: "/"}})

	res, body := app.form(t, admin, "/admin/users/"+fmt.Sprint(m.ID)+"/role", url.Values{"role": {models.RoleModerator}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change = %d: %s", res.StatusCode, body)
	}
	for name, c := range map[string]*http.Client{"member": member, "thief": thief} {
		if me, _ := oidcMe(t, app, c); me != nil {
			t.Errorf("%s's pre-promotion cookie still signed in as %+v", name, me)
		}
		if res, _ := do(t, c, "GET", app.srv.URL+"/staff/moderation", nil); res.StatusCode == http.StatusOK {
			t.Errorf("%s's pre-promotion cookie reached the moderation queue", name)
		}
	}

	// Through the API too, and an admin changing their own role keeps a
	// fresh session while the old cookie dies.
	member2, m2 := app.signIn(t, "max@example.com")
	res, body = app.api(t, admin, "PUT", "/api/v1/users/"+fmt.Sprint(m2.ID)+"/role", `{"role":"product_manager"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("API role change = %d: %s", res.StatusCode, body)
	}
	if me, _ := oidcMe(t, app, member2); me != nil {
		t.Errorf("API role change left the old session signed in as %+v", me)
	}
	oldAdmin := app.sessionCookie(other)
	var otherID int64
	app.db.Raw(`SELECT id FROM users WHERE email = 'root2@example.com'`).Scan(&otherID)
	res, body = app.form(t, other, "/admin/users/"+fmt.Sprint(otherID)+"/role", url.Values{"role": {models.RoleModerator}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("own role change = %d: %s", res.StatusCode, body)
	}
	if me, _ := oidcMe(t, app, other); me == nil || me.Role != models.RoleModerator {
		t.Errorf("after changing their own role the admin is %+v, want a signed-in moderator", me)
	}
	if app.sessionCookie(other) == oldAdmin {
		t.Error("own role change did not rotate the session")
	}
	replay := app.client()
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: oldAdmin, Path: "/"}})
	if me, _ := oidcMe(t, app, replay); me != nil {
		t.Errorf("the admin's pre-change cookie still signed in as %+v", me)
	}
	if n := oidcCount(t, app, "audit_log", "action = 'user.role'"); n != 3 {
		t.Errorf("%d role changes audited, want 3", n)
	}
}

// CROWDWISE_ADMIN_EMAILS promotes at sign-in: sessions from before end too.
func TestAdminEmailPromotionEndsOlderSessions(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.AdminEmails = []string{"boss@example.com"} })
	ctx := context.Background()
	boss, err := models.DevSignIn(ctx, app.db, "boss@example.com", "Boss", nil) // before the address was listed
	if err != nil {
		t.Fatal(err)
	}
	old, err := models.CreateSession(ctx, app.db, boss.ID, "old browser", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := app.signIn(t, "boss@example.com")
	if me, _ := oidcMe(t, app, c); me == nil || me.Role != models.RoleAdmin {
		t.Fatalf("boss is %+v, want admin", me)
	}
	if _, _, err := models.SessionUser(ctx, app.db, old); err == nil {
		t.Error("a session from before the promotion still works")
	}
}
