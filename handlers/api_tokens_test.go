package handlers

import (
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// createToken makes a token through the API with c's session.
func (a *testApp) createToken(t *testing.T, c *http.Client, name string, scopes ...string) apiToken {
	t.Helper()
	res, body := a.api(t, c, "POST", "/api/v1/me/tokens",
		`{"name":`+jsonString(name)+`,"scopes":["`+strings.Join(scopes, `","`)+`"],"expires_at":null}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/me/tokens = %d %s", res.StatusCode, body)
	}
	tok := decode[apiToken](t, body)
	if tok.Token == "" {
		t.Fatalf("no token in %s", body)
	}
	return tok
}

// bearer sends a request with only the token: no cookies, no CSRF token.
func (a *testApp) bearer(t *testing.T, token, method, path, jsonBody string, header ...string) (*http.Response, string) {
	t.Helper()
	var body *strings.Reader
	if jsonBody != "" {
		body = strings.NewReader(jsonBody)
	} else {
		body = strings.NewReader("")
	}
	h := append([]string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, header...)
	return do(t, &http.Client{}, method, a.srv.URL+path, body, h...)
}

// apiRouteScope is the scope a token needs for an API route, worked out
// independently of the router: staff routes are listed here (every path
// under /api/v1/admin/ is staff too), token management needs a session.
func apiRouteScope(method, path string) string {
	staff := map[string]bool{
		"POST /api/v1/ideas/:id/status":     true,
		"GET /api/v1/moderation/queue":      true,
		"POST /api/v1/ideas/:id/merge":      true,
		"POST /api/v1/ideas/:id/unmerge":    true,
		"POST /api/v1/ideas/:id/hide":       true,
		"POST /api/v1/ideas/:id/restore":    true,
		"POST /api/v1/comments/:id/hide":    true,
		"POST /api/v1/comments/:id/restore": true,
		"POST /api/v1/users/:id/ban":        true,
		"DELETE /api/v1/users/:id/ban":      true,
		"PUT /api/v1/users/:id/role":        true,

		// CRM (product managers and admins)
		"GET /api/v1/accounts":                          true,
		"POST /api/v1/accounts":                         true,
		"GET /api/v1/accounts/:id":                      true,
		"PATCH /api/v1/accounts/:id":                    true,
		"DELETE /api/v1/accounts/:id":                   true,
		"GET /api/v1/ideas/:id/demand":                  true,
		"PUT /api/v1/ideas/:id/accounts/:account_id":    true,
		"DELETE /api/v1/ideas/:id/accounts/:account_id": true,
		"POST /api/v1/ideas/:id/proxy-votes":            true,
		"DELETE /api/v1/ideas/:id/proxy-votes/:user_id": true,
		"POST /api/v1/accounts/import":                  true,
		"POST /api/v1/crm/sync":                         true,
		"GET /api/v1/syncs/:id":                         true,
		// Backlog (product managers, admins).
		"POST /api/v1/ideas/:id/backlog":             true,
		"GET /api/v1/ideas/:id/backlog/:provider":    true,
		"DELETE /api/v1/ideas/:id/backlog/:provider": true,
		"PUT /api/v1/backlog/:id/status":             true,
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/me/tokens"):
		return "session"
	case staff[method+" "+path] || strings.HasPrefix(path, "/api/v1/admin/"):
		return models.ScopeStaff
	case method == http.MethodGet:
		return models.ScopeRead
	}
	return models.ScopeWrite
}

// TestTokenScopesPerRoute sweeps every /api/v1 route in the router: a
// token without the scope the route needs gets 403 (and changes nothing), a
// token with just that scope gets past the scope check; token management
// refuses every token.
func TestTokenScopesPerRoute(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	memberClient, member := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, memberClient, "An idea for the scope sweep")
	comment := app.postComment(t, memberClient, idea.ID, "A comment for the scope sweep")
	lacking := map[string]string{}
	only := map[string]string{}
	for _, s := range models.TokenScopes {
		var rest []string
		for _, o := range models.TokenScopes {
			if o != s {
				rest = append(rest, o)
			}
		}
		lacking[s] = app.createToken(t, admin, "without "+s, rest...).Token
		only[s] = app.createToken(t, admin, "only "+s, s).Token
	}
	all := app.createToken(t, admin, "everything", models.TokenScopes...)
	seen := map[string]bool{}
	for _, r := range app.h.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || strings.HasSuffix(r.Path, "*") {
			continue
		}
		seen[apiRouteScope(r.Method, r.Path)] = true
		path := r.Path
		switch {
		case strings.HasPrefix(path, "/api/v1/ideas/"):
			path = strings.ReplaceAll(path, ":id", itoa(idea.ID))
		case strings.HasPrefix(path, "/api/v1/comments/"):
			path = strings.ReplaceAll(path, ":id", itoa(comment.ID))
		case strings.HasPrefix(path, "/api/v1/me/tokens/"):
			path = strings.ReplaceAll(path, ":id", itoa(all.ID))
		default:
			path = strings.ReplaceAll(path, ":id", itoa(member.ID))
		}
		need := apiRouteScope(r.Method, r.Path)
		if need == "session" {
			res, body := app.bearer(t, all.Token, r.Method, path, `{}`)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "signed-in session") {
				t.Errorf("%s %s with a token = %d %s, want 403: tokens cannot manage tokens", r.Method, r.Path, res.StatusCode, body)
			}
			continue
		}
		res, body := app.bearer(t, lacking[need], r.Method, path, `{}`)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "scope") ||
			!strings.Contains(res.Header.Get("WWW-Authenticate"), `scope="`+need+`"`) {
			t.Errorf("%s %s without %q = %d %s (WWW-Authenticate %q), want 403 for the scope",
				r.Method, r.Path, need, res.StatusCode, body, res.Header.Get("WWW-Authenticate"))
		}
		res, body = app.bearer(t, only[need], r.Method, path, `{}`)
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden && strings.Contains(body, "scope") {
			t.Errorf("%s %s with only %q = %d %s, want past the scope check", r.Method, r.Path, need, res.StatusCode, body)
		}
	}
	for _, s := range []string{models.ScopeRead, models.ScopeWrite, models.ScopeStaff, "session"} {
		if !seen[s] {
			t.Errorf("no API route needs %q: the sweep found no routes?", s)
		}
	}
}

// TestTokenRefusedWhenWrongRevokedOrExpired: each is a 401 with a Bearer
// challenge, never a fallback to anonymous.
func TestTokenRefusedWhenWrongRevokedOrExpired(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	good := app.createToken(t, c, "good", models.ScopeRead, models.ScopeWrite)
	revoked := app.createToken(t, c, "revoked", models.ScopeRead)
	expired := app.createToken(t, c, "expired", models.ScopeRead)
	if res, body := app.api(t, c, "DELETE", "/api/v1/me/tokens/"+itoa(revoked.ID), ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke = %d %s", res.StatusCode, body)
	}
	if err := app.db.Exec(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ?`, expired.ID).Error; err != nil {
		t.Fatal(err)
	}
	if res, body := app.bearer(t, good.Token, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusOK || !strings.Contains(body, `"ann"`) {
		t.Fatalf("good token: GET /api/v1/me = %d %s", res.StatusCode, body)
	}
	wrong := "cw_" + strings.Repeat("A", 43)
	changed := good.Token[:len(good.Token)-1] + "x"
	if changed == good.Token {
		changed = good.Token[:len(good.Token)-1] + "y"
	}
	for name, tok := range map[string]string{"wrong": wrong, "revoked": revoked.Token, "expired": expired.Token,
		"malformed": "not-a-token", "good with a changed letter": changed} {
		for _, r := range [][2]string{{"GET", "/api/v1/ideas"}, {"POST", "/api/v1/ideas"}} {
			res, body := app.bearer(t, tok, r[0], r[1], `{"title":"Should never be posted","body":"x"}`)
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s token: %s %s = %d (WWW-Authenticate %q) %s, want 401 with a Bearer challenge",
					name, r[0], r[1], res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
			}
		}
	}
	if n := app.count(t, `SELECT count(*) FROM ideas WHERE title = 'Should never be posted'`); n != 0 {
		t.Errorf("%d ideas posted with refused tokens", n)
	}
}

// TestTokenHashedAtRest: the token text appears once, in the creating
// response; the database holds its SHA-256 and a short prefix only.
func TestTokenHashedAtRest(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	tok := app.createToken(t, c, "script", models.ScopeRead)
	if !regexp.MustCompile(`^cw_[0-9A-Za-z]{43}$`).MatchString(tok.Token) || tok.Prefix != tok.Token[:10] {
		t.Fatalf("token %q, prefix %q: want cw_ + 43 base62 digits, prefix its first 10 characters", tok.Token, tok.Prefix)
	}
	// Use it, so last-use columns are written too.
	if res, body := app.bearer(t, tok.Token, "GET", "/api/v1/ideas", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/ideas = %d %s", res.StatusCode, body)
	}
	sum := sha256.Sum256([]byte(tok.Token))
	if n := app.count(t, `SELECT count(*) FROM api_tokens WHERE id = ? AND hash = ? AND last_used_at IS NOT NULL`, tok.ID, sum[:]); n != 1 {
		t.Errorf("token %d: no row with its SHA-256 and a last use", tok.ID)
	}
	secret := tok.Token[10:]
	for _, table := range []string{"api_tokens", "audit_log", "sessions", "rate_keys", "river_job"} {
		if n := app.count(t, `SELECT count(*) FROM `+table+` x WHERE strpos(row_to_json(x)::text, ?) > 0`, secret); n != 0 {
			t.Errorf("%s holds the token text in %d rows", table, n)
		}
	}
	_, list := do(t, c, "GET", app.srv.URL+"/api/v1/me/tokens", nil)
	if strings.Contains(list, secret) || !strings.Contains(list, tok.Prefix) || strings.Contains(list, `"token"`) {
		t.Errorf("GET /api/v1/me/tokens shows the token or hides the prefix: %s", list)
	}
}

// TestTokenFollowsOwnerRoleNow: the owner's current role and bans bound a
// token, whatever its scopes say.
func TestTokenFollowsOwnerRoleNow(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	modClient, mod := app.signInAs(t, "mod@example.com", models.RoleModerator)
	staffTok := app.createToken(t, modClient, "mod bot", models.TokenScopes...)
	if res, body := app.bearer(t, staffTok.Token, "GET", "/api/v1/moderation/queue", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("moderator's staff token: queue = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, admin, "PUT", "/api/v1/users/"+itoa(mod.ID)+"/role", `{"role":"member"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("demote = %d %s", res.StatusCode, body)
	}
	if res, body := app.bearer(t, staffTok.Token, "GET", "/api/v1/moderation/queue", ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("demoted owner's staff token: queue = %d %s, want 403", res.StatusCode, body)
	}
	if res, body := app.bearer(t, staffTok.Token, "GET", "/api/v1/ideas", ""); res.StatusCode != http.StatusOK {
		t.Errorf("demoted owner's token still reads: GET /api/v1/ideas = %d %s", res.StatusCode, body)
	}

	// A member cannot give a token the staff scope in the first place.
	memberClient, member := app.signIn(t, "member@example.com")
	if res, body := app.api(t, memberClient, "POST", "/api/v1/me/tokens", `{"name":"sneaky","scopes":["staff"]}`); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("member asks for staff scope = %d %s, want 422", res.StatusCode, body)
	}
	tok := app.createToken(t, memberClient, "member bot", models.ScopeRead, models.ScopeWrite)
	if res, body := app.api(t, admin, "POST", "/api/v1/users/"+itoa(member.ID)+"/ban", `{"until":null,"reason":"spam"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("ban = %d %s", res.StatusCode, body)
	}
	for _, r := range [][2]string{{"GET", "/api/v1/ideas"}, {"POST", "/api/v1/ideas"}} {
		res, body := app.bearer(t, tok.Token, r[0], r[1], `{"title":"Posted while banned","body":"x"}`)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "banned") {
			t.Errorf("banned owner's token: %s %s = %d %s, want 403 naming the ban", r[0], r[1], res.StatusCode, body)
		}
	}
}

// TestBearerCarriesNoCookieAuthority: a token needs no CSRF token, and a
// request with both a token and a session cookie is refused.
func TestBearerCarriesNoCookieAuthority(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	tok := app.createToken(t, c, "script", models.ScopeRead, models.ScopeWrite)
	res, body := app.bearer(t, tok.Token, "POST", "/api/v1/ideas", `{"title":"Posted by a script","body":"No CSRF token needed"}`)
	if res.StatusCode != http.StatusCreated || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("bearer POST /api/v1/ideas = %d (cookies %q) %s, want 201 and no cookie", res.StatusCode, res.Header.Values("Set-Cookie"), body)
	}
	for _, m := range []string{"GET", "POST"} {
		res, body = do(t, c, m, app.srv.URL+"/api/v1/ideas", strings.NewReader(`{"title":"Both at once","body":"x"}`),
			"Authorization", "Bearer "+tok.Token, "Content-Type", "application/json", "X-CSRF-Token", app.csrfOf(t, c))
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s with a token and a session cookie = %d %s, want 400", m, res.StatusCode, body)
		}
	}
	// A token cannot mint another, even with the write scope.
	if res, body := app.bearer(t, tok.Token, "POST", "/api/v1/me/tokens", `{"name":"child","scopes":["read"]}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("token mints a token = %d %s, want 403", res.StatusCode, body)
	}
	if n := app.count(t, `SELECT count(*) FROM api_tokens`); n != 1 {
		t.Errorf("%d tokens, want 1", n)
	}
}

// TestTokenRateLimitedPerToken: a token's changes count against the action
// limit for the token itself, wherever it is used from, as well as for the
// address; another token or the member's browser has its own count.
func TestTokenRateLimitedPerToken(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("127.0.0.0/8")
	app := newTestApp(t, func(o *Options) { o.TrustedProxies = []*net.IPNet{proxies} })
	c, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, c, "An idea to follow and unfollow")
	tok := app.createToken(t, c, "busy script", models.ScopeRead, models.ScopeWrite)
	other := app.createToken(t, c, "quiet script", models.ScopeRead, models.ScopeWrite)
	app.limits(t, "per_ip_actions_per_minute = 3")
	follow := "/api/v1/ideas/" + itoa(idea.ID) + "/follow"
	for i := 1; i <= 3; i++ {
		ip := fmt.Sprintf("203.0.113.%d", i) // a new address each time: the address limit never bites
		if res, body := app.bearer(t, tok.Token, "PUT", follow, "", "X-Forwarded-For", ip); res.StatusCode != http.StatusOK {
			t.Fatalf("change %d = %d %s", i, res.StatusCode, body)
		}
	}
	res, body := app.bearer(t, tok.Token, "PUT", follow, "", "X-Forwarded-For", "203.0.113.9")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "this token") {
		t.Errorf("4th change with the token from a fresh address = %d (Retry-After %q) %s, want 429 for the token",
			res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if res, body := app.bearer(t, other.Token, "PUT", follow, "", "X-Forwarded-For", "203.0.113.9"); res.StatusCode != http.StatusOK {
		t.Errorf("another token of the same member = %d %s, want 200", res.StatusCode, body)
	}
	// Reads are not limited.
	if res, body := app.bearer(t, tok.Token, "GET", "/api/v1/ideas", "", "X-Forwarded-For", "203.0.113.9"); res.StatusCode != http.StatusOK {
		t.Errorf("read with the limited token = %d %s", res.StatusCode, body)
	}
	// And the address counts token requests like any other.
	for i := 0; i < 2; i++ {
		app.bearer(t, other.Token, "PUT", follow, "", "X-Forwarded-For", "198.51.100.1")
	}
	res, body = do(t, c, "PUT", app.srv.URL+follow, nil, "X-CSRF-Token", app.csrfOf(t, c), "X-Forwarded-For", "198.51.100.1")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("browser from a fresh address = %d %s", res.StatusCode, body)
	}
	res, body = app.bearer(t, other.Token, "PUT", follow, "", "X-Forwarded-For", "198.51.100.1")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("4th change from one address (tokens and browser) = %d %s, want 429", res.StatusCode, body)
	}
}

// TestTokenStaffActionsAudited: a staff action taken with a token names the
// token in its audit entry, and the chain still verifies.
func TestTokenStaffActionsAudited(t *testing.T) {
	app := newTestApp(t)
	memberClient, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, memberClient, "An idea a bot will hide")
	modClient, mod := app.signInAs(t, "mod@example.com", models.RoleModerator)
	tok := app.createToken(t, modClient, "mod bot", models.ScopeStaff)
	if res, body := app.bearer(t, tok.Token, "POST", "/api/v1/ideas/"+itoa(idea.ID)+"/hide", `{"reason":"off-topic"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("hide with token = %d %s", res.StatusCode, body)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action = 'idea.hide' AND actor_id = ? AND token_id = ?`, mod.ID, tok.ID); n != 1 {
		t.Errorf("%d idea.hide entries naming token %d, want 1", n, tok.ID)
	}
	if res, body := app.api(t, modClient, "POST", "/api/v1/ideas/"+itoa(idea.ID)+"/restore", `{}`); res.StatusCode != http.StatusOK {
		t.Fatalf("restore in the browser = %d %s", res.StatusCode, body)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action = 'idea.restore' AND token_id IS NULL`); n != 1 {
		t.Errorf("browser restore: %d entries without a token, want 1", n)
	}
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	if _, page := do(t, admin, "GET", app.srv.URL+"/admin/audit?action=idea.hide", nil); !strings.Contains(page, "with API token #"+itoa(tok.ID)) {
		t.Errorf("the audit page does not name token %d", tok.ID)
	}
	check, err := models.VerifyAuditLog(t.Context(), app.db)
	if err != nil || !check.OK() {
		t.Errorf("audit chain: %+v %v", check, err)
	}
}

// TestAccountDeletionDeletesTokens: erasure takes the tokens with it.
func TestAccountDeletionDeletesTokens(t *testing.T) {
	app := newTestApp(t)
	c, ann := app.signIn(t, "ann@example.com")
	tok := app.createToken(t, c, "script", models.ScopeRead)
	app.bearer(t, tok.Token, "GET", "/api/v1/me", "")
	_, export := do(t, c, "GET", app.srv.URL+"/settings/export", nil)
	if !strings.Contains(export, `"api_tokens"`) || !strings.Contains(export, tok.Prefix) || strings.Contains(export, tok.Token[10:]) {
		t.Errorf("the data export lists tokens by prefix (never the token): %s", export)
	}
	if res, _ := app.form(t, c, "/settings/delete", url.Values{"confirm": {"DELETE"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete account = %d", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM api_tokens WHERE user_id = ?`, ann.ID); n != 0 {
		t.Errorf("%d tokens left after erasure", n)
	}
	if res, _ := app.bearer(t, tok.Token, "GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("deleted account's token = %d, want 401", res.StatusCode)
	}
}
