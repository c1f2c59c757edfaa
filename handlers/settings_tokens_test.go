package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// TestTokenSettingsPageWithoutJS: create, see once, use, list and revoke with
// plain forms.
func TestTokenSettingsPageWithoutJS(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	res, page := do(t, c, "GET", app.srv.URL+"/settings/tokens", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `name="scopes" value="write"`) || strings.Contains(page, `value="staff"`) {
		t.Fatalf("GET /settings/tokens = %d; want read/write boxes and no staff box for a member:\n%s", res.StatusCode, page)
	}
	// Refused input: 422 on the form, fields marked, nothing saved.
	res, page = app.form(t, c, "/settings/tokens", url.Values{"name": {""}, "scopes": {"staff"}, "expires": {"yesterday"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "is-invalid") {
		t.Errorf("bad form = %d, want 422 with a marked field", res.StatusCode)
	}
	res, page = app.form(t, c, "/settings/tokens", url.Values{"name": {""}, "scopes": {"staff"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Only staff") || !strings.Contains(page, "Give the token a name") {
		t.Errorf("member asks for staff = %d, want 422 naming both problems", res.StatusCode)
	}
	// No CSRF token: refused.
	res, _ = do(t, c, "POST", app.srv.URL+"/settings/tokens", strings.NewReader("name=x&scopes=read"), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF = %d, want 403", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM api_tokens`); n != 0 {
		t.Fatalf("%d tokens saved by refused forms", n)
	}
	expires := time.Now().UTC().AddDate(1, 0, 0)
	res, page = app.form(t, c, "/settings/tokens", url.Values{"name": {"Slack bot"}, "scopes": {"read", "write"}, "expires": {expires.Format("2006-01-02")}})
	token := regexp.MustCompile(`cw_[0-9A-Za-z]{43}`).FindString(page)
	if res.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("create = %d, no token on the page:\n%s", res.StatusCode, page)
	}
	if res, body := app.bearer(t, token, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("the shown token: GET /api/v1/me = %d %s", res.StatusCode, body)
	}
	_, page = do(t, c, "GET", app.srv.URL+"/settings/tokens", nil)
	if strings.Contains(page, token) || !strings.Contains(page, token[:10]) || !strings.Contains(page, expires.AddDate(0, 0, 1).Format("2 Jan 2006")) {
		t.Errorf("list shows the token again, or not its prefix and expiry")
	}
	id := regexp.MustCompile(`/settings/tokens/(\d+)/revoke`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no revoke button:\n%s", page)
	}
	res, _ = app.form(t, c, "/settings/tokens/"+id[1]+"/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke = %d", res.StatusCode)
	}
	if res, _ := app.bearer(t, token, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token = %d, want 401", res.StatusCode)
	}
	// Someone else's token is not theirs to revoke.
	other, _ := app.signIn(t, "bob@example.com")
	bobs := app.createToken(t, other, "bob's", models.ScopeRead)
	if res, _ := app.form(t, c, "/settings/tokens/"+itoa(bobs.ID)+"/revoke", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoke another member's token = %d, want 404", res.StatusCode)
	}
	if res, _ := app.bearer(t, bobs.Token, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusOK {
		t.Errorf("bob's token after ann's attempt = %d, want 200", res.StatusCode)
	}
}

// TestTokensPaginated: the settings and admin lists page at TokensPerPage.
func TestTokensPaginated(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	for i := 0; i < models.TokensPerPage+1; i++ {
		app.createToken(t, admin, fmt.Sprintf("token %02d", i), models.ScopeRead)
	}
	for _, p := range []string{"/settings/tokens", "/admin/tokens"} {
		_, first := do(t, admin, "GET", app.srv.URL+p, nil)
		_, second := do(t, admin, "GET", app.srv.URL+p+"?page=2", nil)
		if !strings.Contains(first, "token 20") || strings.Contains(first, "token 00") || !strings.Contains(first, `rel="next"`) ||
			!strings.Contains(second, "token 00") || strings.Contains(second, "token 20") {
			t.Errorf("%s does not page newest first at %d", p, models.TokensPerPage)
		}
	}
}

// TestAdminRevokesAnyToken: admins list everyone's tokens and revoke them,
// audited.
func TestAdminRevokesAnyToken(t *testing.T) {
	app := newTestApp(t)
	admin, adminUser := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	c, _ := app.signIn(t, "ann@example.com")
	tok := app.createToken(t, c, "ann's script", models.ScopeRead)
	res, page := do(t, admin, "GET", app.srv.URL+"/admin/tokens", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "ann&#39;s script") || !strings.Contains(page, tok.Prefix) {
		t.Fatalf("GET /admin/tokens = %d, ann's token not listed:\n%s", res.StatusCode, page)
	}
	if res, _ := app.form(t, admin, "/admin/tokens/"+itoa(tok.ID)+"/revoke", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin revoke = %d", res.StatusCode)
	}
	if res, _ := app.bearer(t, tok.Token, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked by admin = %d, want 401", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action = 'token.revoke' AND target_id = ? AND actor_id = ?`, tok.ID, adminUser.ID); n != 1 {
		t.Errorf("%d token.revoke audit entries, want 1", n)
	}
}
