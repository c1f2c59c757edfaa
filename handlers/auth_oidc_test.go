package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/crowdwise/crowdwise/models"
)

// The OpenID Connect sign-in flow end to end: the real router on a real
// database, goth's real openidConnect provider, and a real in-process OpenID
// provider (mockoidc). mockoidc auto-approves as the next queued user, issues
// single-use codes, checks the client credentials and, when a challenge was
// sent, the PKCE code_verifier. A middleware in front of it records what the
// app asked for and sent, so the tests can check it too.

// oidcPerson is the person mockoidc signs in next: a mockoidc.MockUser whose
// userinfo response also carries "sub". OpenID Connect Core 5.3.2 requires
// it and goth checks it against the ID token; MockUser's userinfo omits it.
type oidcPerson struct{ *mockoidc.MockUser }

func (p oidcPerson) Userinfo(scope []string) ([]byte, error) {
	b, err := p.MockUser.Userinfo(scope)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		return nil, err
	}
	claims["sub"] = p.Subject
	return json.Marshal(claims)
}

// oidcGrant is what an authorize request that mockoidc answered with a code
// asked for.
type oidcGrant struct {
	redirectURI string
	challenge   string
	method      string
}

// oidcExchange is one authorization_code request at the token endpoint.
type oidcExchange struct {
	code, verifier, redirectURI string
	form                        url.Values
	status                      int
	body                        string
	// pkceOK: the code came with an S256 challenge and the verifier hashes to it.
	pkceOK bool
}

// oidcProvider is a running mockoidc with a record of its traffic.
type oidcProvider struct {
	m *mockoidc.MockOIDC

	mu        sync.Mutex
	grants    map[string]oidcGrant // by code
	exchanges []oidcExchange
	// rewrite, when set, changes an authorize request's query before
	// mockoidc sees it (a provider that answers another attempt's nonce).
	rewrite func(url.Values)
}

// oidcRecorder keeps the status and body of a mockoidc response.
type oidcRecorder struct {
	http.ResponseWriter
	status int
	body   strings.Builder
}

func (r *oidcRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *oidcRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// newOIDCProvider starts mockoidc as mockoidc.Run does, but with the
// observing middleware, which mockoidc accepts only before it starts.
func newOIDCProvider(t *testing.T) *oidcProvider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	op := &oidcProvider{m: m, grants: map[string]oidcGrant{}}
	if err := m.AddMiddleware(op.observe); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return op
}

// queueUser makes u the person who approves the next authorize request.
func (op *oidcProvider) queueUser(u mockoidc.MockUser) {
	op.m.QueueUser(oidcPerson{&u})
}

// observe records authorize requests that got a code and every code exchange.
func (op *oidcProvider) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			op.mu.Lock()
			if op.rewrite != nil {
				q := r.URL.Query()
				op.rewrite(q)
				r.URL.RawQuery = q.Encode()
			}
			op.mu.Unlock()
			rec := &oidcRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			loc, err := url.Parse(w.Header().Get("Location"))
			if rec.status != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
				return
			}
			q := r.URL.Query()
			op.mu.Lock()
			op.grants[loc.Query().Get("code")] = oidcGrant{redirectURI: q.Get("redirect_uri"),
				challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
			op.mu.Unlock()
		case mockoidc.TokenEndpoint:
			if err := r.ParseForm(); err != nil { // mockoidc parses it again: a no-op
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			rec := &oidcRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if _, _, basic := r.BasicAuth(); basic && r.PostForm.Get("client_id") == "" {
				// golang.org/x/oauth2 first tries client_secret_basic, which
				// mockoidc advertises but refuses, then retries with the
				// credentials in the form: not an exchange.
				return
			}
			if r.PostForm.Get("grant_type") != "authorization_code" {
				return
			}
			x := oidcExchange{code: r.PostForm.Get("code"), verifier: r.PostForm.Get("code_verifier"),
				redirectURI: r.PostForm.Get("redirect_uri"), form: r.PostForm, status: rec.status, body: rec.body.String()}
			op.mu.Lock()
			g := op.grants[x.code]
			sum := sha256.Sum256([]byte(x.verifier))
			x.pkceOK = g.challenge != "" && g.method == "S256" && x.verifier != "" &&
				base64.RawURLEncoding.EncodeToString(sum[:]) == g.challenge
			op.exchanges = append(op.exchanges, x)
			op.mu.Unlock()
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// stats counts the code exchanges mockoidc granted and, of those, the ones
// whose code_verifier matched the challenge; refused lists the others.
func (op *oidcProvider) stats() (exchanges, pkceOK int, refused []string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	for _, x := range op.exchanges {
		if x.status != http.StatusOK {
			refused = append(refused, x.body)
			continue
		}
		exchanges++
		if x.pkceOK {
			pkceOK++
		}
	}
	return exchanges, pkceOK, refused
}

// lastExchange is the latest code exchange, if any.
func (op *oidcProvider) lastExchange() (oidcExchange, bool) {
	op.mu.Lock()
	defer op.mu.Unlock()
	if len(op.exchanges) == 0 {
		return oidcExchange{}, false
	}
	return op.exchanges[len(op.exchanges)-1], true
}

// grant is what the authorize request that issued code asked for.
func (op *oidcProvider) grant(code string) (oidcGrant, bool) {
	op.mu.Lock()
	defer op.mu.Unlock()
	g, ok := op.grants[code]
	return g, ok
}

func newOIDCApp(t *testing.T, op *oidcProvider, mutate ...func(*Options)) *testApp {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base, err := url.Parse("http://" + srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var app *testApp
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { app.h.ServeHTTP(w, r) })
	cfg := op.m.Config()
	setup := func(o *Options) {
		o.BaseURL = base
		o.SignInPerMinute = 1000
		o.Providers = []ProviderConfig{{Name: "oidc", Label: "Acme SSO",
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Issuer: cfg.Issuer}}
	}
	app = newTestApp(t, append([]func(*Options){setup}, mutate...)...)
	srv.Start()
	t.Cleanup(srv.Close)
	app.srv = srv // serves the same Handler, at BASE_URL
	if app.srv.URL != base.String() {
		t.Fatalf("server at %s, BASE_URL %s", app.srv.URL, base)
	}
	return app
}

// oidcStart requests a sign-in start path and returns the provider URL the
// app redirects to.
func oidcStart(t *testing.T, app *testApp, c *http.Client, path string) *url.URL {
	t.Helper()
	res, body := do(t, c, "GET", app.srv.URL+path, nil)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("GET %s = %d, want 302: %s", path, res.StatusCode, body)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != oidcIssuerOf(app)+"/authorize" {
		t.Fatalf("GET %s redirects to %s, want the provider's authorize endpoint", path, u)
	}
	return u
}

// oidcIssuerOf is the issuer configured for the app's oidc provider.
func oidcIssuerOf(a *testApp) string {
	for _, p := range a.h.opts.Providers {
		if p.Name == "oidc" {
			return p.Issuer
		}
	}
	return ""
}

// oidcAuthorize visits the provider's authorize URL and returns the callback
// URL the provider sends the browser back to.
func oidcAuthorize(t *testing.T, c *http.Client, authURL *url.URL) string {
	t.Helper()
	res, body := do(t, c, "GET", authURL.String(), nil)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("provider authorize = %d, want 302: %s", res.StatusCode, body)
	}
	return res.Header.Get("Location")
}

// oidcFlow is one sign-in attempt driven by hand.
type oidcFlow struct {
	authURL    *url.URL
	callback   string // the URL the provider sent the browser back to
	authCookie string // the "auth" cookie as set by the start
	res        *http.Response
	body       string // of the callback response
}

// oidcSignIn queues u at the provider and runs start → provider → callback
// with c's cookie jar.
func oidcSignIn(t *testing.T, app *testApp, op *oidcProvider, c *http.Client, startPath string, u mockoidc.MockUser) oidcFlow {
	t.Helper()
	op.queueUser(u)
	var f oidcFlow
	f.authURL = oidcStart(t, app, c, startPath)
	f.authCookie = oidcJarCookie(app, c, "auth")
	f.callback = oidcAuthorize(t, c, f.authURL)
	if !strings.HasPrefix(f.callback, app.srv.URL+"/auth/oidc/callback?") {
		t.Fatalf("provider sent the browser to %s, want our callback", f.callback)
	}
	f.res, f.body = do(t, c, "GET", f.callback, nil)
	return f
}

// oidcSignedIn is oidcSignIn that must succeed with a redirect to wantNext.
func oidcSignedIn(t *testing.T, app *testApp, op *oidcProvider, c *http.Client, startPath string, u mockoidc.MockUser, wantNext string) oidcFlow {
	t.Helper()
	f := oidcSignIn(t, app, op, c, startPath, u)
	if f.res.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d, want 302: %s", f.res.StatusCode, f.body)
	}
	if got := f.res.Header.Get("Location"); got != wantNext {
		t.Fatalf("callback redirects to %q, want %q", got, wantNext)
	}
	if ck := oidcResCookie(f.res, "session"); ck == nil || ck.Value == "" || ck.MaxAge <= 0 {
		t.Fatalf("callback set no session cookie: %v", f.res.Header["Set-Cookie"])
	}
	return f
}

func oidcJarCookie(app *testApp, c *http.Client, name string) string {
	u, _ := url.Parse(app.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func oidcPutCookie(app *testApp, c *http.Client, name, value string) {
	u, _ := url.Parse(app.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func oidcDropCookie(app *testApp, c *http.Client, name string) {
	u, _ := url.Parse(app.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Path: "/", MaxAge: -1}})
}

func oidcResCookie(res *http.Response, name string) *http.Cookie {
	for _, ck := range res.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// oidcMe is GET /api/v1/me: the signed-in user (nil when anonymous) and the
// CSRF token.
func oidcMe(t *testing.T, app *testApp, c *http.Client) (*apiUser, string) {
	t.Helper()
	res, body := do(t, c, "GET", app.srv.URL+"/api/v1/me", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/me = %d: %s", res.StatusCode, body)
	}
	var me struct {
		User *apiUser `json:"user"`
		CSRF string   `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatalf("GET /api/v1/me: %v: %s", err, body)
	}
	return me.User, me.CSRF
}

func oidcCount(t *testing.T, app *testApp, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := app.db.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// oidcDevSignIn signs c in through POST /auth/dev with its CSRF token.
func oidcDevSignIn(t *testing.T, app *testApp, c *http.Client, email string) *apiUser {
	t.Helper()
	_, csrf := oidcMe(t, app, c)
	form := url.Values{"email": {email}, "name": {"Dev " + strings.Split(email, "@")[0]}, "_csrf": {csrf}}
	res, body := do(t, c, "POST", app.srv.URL+"/auth/dev", strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dev sign-in as %s = %d: %s", email, res.StatusCode, body)
	}
	u, _ := oidcMe(t, app, c)
	if u == nil {
		t.Fatalf("dev sign-in as %s left the client anonymous", email)
	}
	return u
}

// oidcExpectRefused checks a callback that must fail: the status, an HTML page
// with msg, no session cookie, and an anonymous client.
func oidcExpectRefused(t *testing.T, app *testApp, c *http.Client, res *http.Response, body string, status int, msg string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("callback = %d, want %d: %s", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("callback Content-Type = %q, want an HTML page", ct)
	}
	if !strings.Contains(body, msg) {
		t.Errorf("callback page lacks %q", msg)
	}
	if ck := oidcResCookie(res, "session"); ck != nil && ck.Value != "" {
		t.Errorf("refused callback set a session cookie: %v", ck)
	}
	if u, _ := oidcMe(t, app, c); u != nil {
		t.Errorf("refused callback signed the browser in as %+v", u)
	}
}

const oidcMsgInvalidState = "This sign-in link is invalid or has expired. Please start again."

func oidcStateHash(state string) []byte {
	sum := sha256.Sum256([]byte(state))
	return sum[:]
}

func TestOIDCFirstSignInCreatesUserAndIdentity(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	c := app.client()

	// An abandoned attempt first: every attempt gets its own state and PKCE pair.
	abandoned := oidcStart(t, app, c, "/auth/oidc?next=/elsewhere")

	jane := mockoidc.MockUser{Subject: "acme|1001", Email: "jane.doe@acme.example", EmailVerified: true, PreferredUsername: "jdoe"}
	f := oidcSignedIn(t, app, op, c, "/auth/oidc?next=/x", jane, "/x")

	q := f.authURL.Query()
	for k, want := range map[string]string{
		"client_id":             op.m.Config().ClientID,
		"redirect_uri":          app.srv.URL + "/auth/oidc/callback",
		"response_type":         "code",
		"code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("authorize URL %s = %q, want %q", k, got, want)
		}
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "email") {
		t.Errorf("authorize URL scope = %q, want openid email profile", q.Get("scope"))
	}
	state, challenge := q.Get("state"), q.Get("code_challenge")
	if len(state) < 40 || len(challenge) != 43 {
		t.Errorf("state %q / code_challenge %q too short", state, challenge)
	}
	if old := abandoned.Query(); old.Get("state") == state || old.Get("code_challenge") == challenge {
		t.Errorf("two attempts share state or challenge: %q/%q and %q/%q",
			old.Get("state"), old.Get("code_challenge"), state, challenge)
	}
	if cb, _ := url.Parse(f.callback); cb.Query().Get("state") != state {
		t.Errorf("provider returned state %q, sent %q", cb.Query().Get("state"), state)
	}
	if browser, ok := strings.CutPrefix(f.authCookie, state+"."); !ok || len(browser) < 40 {
		t.Errorf("auth cookie %q is not <state>.<browser token>", f.authCookie)
	}
	exchanges, pkceOK, refused := op.stats()
	if exchanges != 1 || pkceOK != 1 || len(refused) != 0 {
		t.Errorf("provider saw %d exchanges, %d PKCE-verified, refused %v; want 1, 1, none", exchanges, pkceOK, refused)
	}

	// Cookies: the session is HttpOnly and Lax; the auth cookie is spent.
	sess := oidcResCookie(f.res, "session")
	if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" {
		t.Errorf("session cookie attributes: %+v", sess)
	}
	if ck := oidcResCookie(f.res, "auth"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("callback did not delete the auth cookie: %v", ck)
	}
	if oidcJarCookie(app, c, "auth") != "" {
		t.Error("auth cookie still in the jar after the callback")
	}

	// The server-side state is consumed; the abandoned one is still there.
	if n := oidcCount(t, app, "auth_states", "id = ?", oidcStateHash(state)); n != 0 {
		t.Error("the used state is still stored")
	}
	if n := oidcCount(t, app, "auth_states", "id = ?", oidcStateHash(abandoned.Query().Get("state"))); n != 1 {
		t.Error("the abandoned state was not stored")
	}

	// Exactly one user and one identity.
	if n := oidcCount(t, app, "users", ""); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
	var idents []models.Identity
	if err := app.db.Find(&idents).Error; err != nil {
		t.Fatal(err)
	}
	if len(idents) != 1 || idents[0].Provider != "oidc" || idents[0].ProviderUserID != jane.Subject {
		t.Fatalf("identities = %+v, want one oidc/%s", idents, jane.Subject)
	}
	var user models.User
	if err := app.db.Take(&user, idents[0].UserID).Error; err != nil {
		t.Fatal(err)
	}
	if user.Email == nil || *user.Email != jane.Email || !user.EmailVerified || user.Role != models.RoleMember || user.Name != "jdoe" {
		t.Errorf("user = %+v (email %v), want verified member jdoe <%s>", user, user.Email, jane.Email)
	}
	if n := oidcCount(t, app, "sessions", "user_id = ?", user.ID); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}

	me, _ := oidcMe(t, app, c)
	if me == nil || me.ID != user.ID || me.Name != "jdoe" || me.Role != models.RoleMember {
		t.Errorf("/api/v1/me = %+v, want user %d", me, user.ID)
	}

	// The code exchange sent the code the provider returned, our callback as
	// redirect_uri (the one the code was issued for) and the verifier.
	callback := app.srv.URL + "/auth/oidc/callback"
	x, _ := op.lastExchange()
	g, issued := op.grant(x.code)
	if cb, _ := url.Parse(f.callback); !issued || x.code != cb.Query().Get("code") ||
		x.redirectURI != callback || g.redirectURI != callback || g.challenge != challenge || !x.pkceOK {
		t.Errorf("code exchange %+v for grant %+v, want code %s, redirect_uri %s and the verifier of %s",
			x, g, cb.Query().Get("code"), callback, challenge)
	}

	// Only the provider's answer (the code) goes from the callback to the
	// exchange: a redirect_uri or code_verifier smuggled into the callback
	// URL does not reach the provider.
	c2 := app.client()
	op.queueUser(jane)
	cb, err := url.Parse(oidcAuthorize(t, c2, oidcStart(t, app, c2, "/auth/oidc")))
	if err != nil {
		t.Fatal(err)
	}
	cq := cb.Query()
	cq.Set("redirect_uri", "https://evil.example/cb")
	cq.Set("code_verifier", "forged-"+models.NewToken())
	cq.Set("grant_type", "refresh_token")
	cb.RawQuery = cq.Encode()
	res, body := do(t, c2, "GET", cb.String(), nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/" {
		t.Fatalf("callback with smuggled parameters = %d → %q: %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	x, _ = op.lastExchange()
	if x.code != cq.Get("code") || x.redirectURI != callback || !x.pkceOK || x.form.Get("grant_type") != "authorization_code" {
		t.Errorf("smuggled parameters reached the code exchange: %v", x.form)
	}
	for k := range x.form {
		if !slices.Contains([]string{"grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_secret"}, k) {
			t.Errorf("code exchange carried %s=%q", k, x.form.Get(k))
		}
	}
}

func TestOIDCSecondSignInReusesUser(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	jane := mockoidc.MockUser{Subject: "acme|1001", Email: "jane.doe@acme.example", EmailVerified: true, PreferredUsername: "jdoe"}

	c1, c2 := app.client(), app.client()
	f1 := oidcSignedIn(t, app, op, c1, "/auth/oidc", jane, "/")
	f2 := oidcSignedIn(t, app, op, c2, "/auth/oidc", jane, "/")

	if a, b := oidcResCookie(f1.res, "session").Value, oidcResCookie(f2.res, "session").Value; a == b {
		t.Errorf("both sign-ins got session %q", a)
	}
	if n := oidcCount(t, app, "users", ""); n != 1 {
		t.Errorf("%d users after two sign-ins, want 1", n)
	}
	if n := oidcCount(t, app, "identities", ""); n != 1 {
		t.Errorf("%d identities after two sign-ins, want 1", n)
	}
	if n := oidcCount(t, app, "sessions", ""); n != 2 {
		t.Errorf("%d sessions, want 2 (one per browser)", n)
	}
	me1, _ := oidcMe(t, app, c1)
	me2, _ := oidcMe(t, app, c2)
	if me1 == nil || me2 == nil || me1.ID != me2.ID {
		t.Errorf("browsers are signed in as %+v and %+v, want the same user", me1, me2)
	}

	// Signing in again in a browser that already has a session replaces it.
	before := oidcJarCookie(app, c1, "session")
	oidcSignedIn(t, app, op, c1, "/auth/oidc", jane, "/")
	if after := oidcJarCookie(app, c1, "session"); after == before || after == "" {
		t.Error("signing in again kept the old session id")
	}
	if n := oidcCount(t, app, "sessions", ""); n != 2 {
		t.Errorf("%d sessions after re-sign-in in the same browser, want 2 (old one deleted)", n)
	}
}

func TestOIDCCallbackRefusesForgedOrUnboundState(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)

	cases := []struct {
		name string
		// tamper returns the client and URL of the bad callback request.
		tamper func(c *http.Client, callback string) (*http.Client, string)
	}{
		{"forged state", func(c *http.Client, cb string) (*http.Client, string) {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("state", models.NewToken())
			u.RawQuery = q.Encode()
			return c, u.String()
		}},
		{"missing state", func(c *http.Client, cb string) (*http.Client, string) {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Del("state")
			u.RawQuery = q.Encode()
			return c, u.String()
		}},
		{"empty state", func(c *http.Client, cb string) (*http.Client, string) {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("state", "")
			u.RawQuery = q.Encode()
			return c, u.String()
		}},
		{"no auth cookie (another browser)", func(_ *http.Client, cb string) (*http.Client, string) {
			return app.client(), cb
		}},
		{"right state, wrong browser token (another browser)", func(c *http.Client, cb string) (*http.Client, string) {
			state, _, _ := strings.Cut(oidcJarCookie(app, c, "auth"), ".")
			thief := app.client()
			oidcPutCookie(app, thief, "auth", state+"."+models.NewToken())
			return thief, cb
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := mockoidc.MockUser{Subject: "acme|victim" + string(rune('a'+i)), Email: "", PreferredUsername: "victim"}
			op.queueUser(u)
			c := app.client()
			authURL := oidcStart(t, app, c, "/auth/oidc?next=/x")
			auth := oidcJarCookie(app, c, "auth")
			cb := oidcAuthorize(t, c, authURL)
			exchangesBefore, _, _ := op.stats()

			bad, badURL := tc.tamper(c, cb)
			res, body := do(t, bad, "GET", badURL, nil)
			oidcExpectRefused(t, app, bad, res, body, http.StatusBadRequest, oidcMsgInvalidState)
			if n := oidcCount(t, app, "sessions", ""); n != 0 {
				t.Errorf("%d sessions after a refused callback", n)
			}
			if n := oidcCount(t, app, "identities", "provider_user_id = ?", u.Subject); n != 0 {
				t.Errorf("refused callback created an identity")
			}
			if ex, _, _ := op.stats(); ex != exchangesBefore {
				t.Errorf("refused callback still exchanged the code (%d → %d)", exchangesBefore, ex)
			}

			// The genuine callback, in the browser that started it, still
			// works: the refusal was about the tampering alone, and did not
			// burn the attempt (ConsumeAuthState deletes the state only when
			// state, browser token and provider all match).
			if oidcJarCookie(app, c, "auth") == "" {
				oidcPutCookie(app, c, "auth", auth)
			}
			res, body = do(t, c, "GET", cb, nil)
			if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/x" {
				t.Fatalf("genuine callback = %d → %q: %s", res.StatusCode, res.Header.Get("Location"), body)
			}
			if n := oidcCount(t, app, "sessions", ""); n != 1 {
				t.Errorf("%d sessions after the genuine callback, want 1", n)
			}
			if err := app.db.Exec("DELETE FROM sessions").Error; err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("no state and no cookie", func(t *testing.T) {
		c := app.client()
		res, body := do(t, c, "GET", app.srv.URL+"/auth/oidc/callback?code=whatever", nil)
		oidcExpectRefused(t, app, c, res, body, http.StatusBadRequest, oidcMsgInvalidState)
	})

	t.Run("state of another browser's attempt with our own cookie", func(t *testing.T) {
		// Login CSRF: the attacker starts an attempt and plants its callback
		// URL in the victim's browser, which has an attempt of its own.
		attacker, victim := app.client(), app.client()
		op.queueUser(mockoidc.MockUser{Subject: "acme|attacker", PreferredUsername: "attacker"})
		cb := oidcAuthorize(t, attacker, oidcStart(t, app, attacker, "/auth/oidc"))
		oidcStart(t, app, victim, "/auth/oidc")
		res, body := do(t, victim, "GET", cb, nil)
		oidcExpectRefused(t, app, victim, res, body, http.StatusBadRequest, oidcMsgInvalidState)
		if n := oidcCount(t, app, "identities", "provider_user_id = ?", "acme|attacker"); n != 0 {
			t.Error("planted callback created the attacker's identity")
		}
		// Nothing was consumed: the attempt still completes where it began.
		res, body = do(t, attacker, "GET", cb, nil)
		if res.StatusCode != http.StatusFound {
			t.Errorf("attacker's own callback after the refused plant = %d: %s", res.StatusCode, body)
		}
	})
}

func TestOIDCReplayedCallbackIsRefused(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	c := app.client()
	f := oidcSignedIn(t, app, op, c, "/auth/oidc?next=/x", mockoidc.MockUser{Subject: "acme|7", Email: "seven@acme.example", EmailVerified: true}, "/x")
	session := oidcJarCookie(app, c, "session")
	if n := oidcCount(t, app, "sessions", ""); n != 1 {
		t.Fatalf("%d sessions after sign-in, want 1", n)
	}

	check := func(what string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, oidcMsgInvalidState) {
			t.Errorf("%s: callback = %d, want 400 %q: %s", what, res.StatusCode, oidcMsgInvalidState, body)
		}
		if ck := oidcResCookie(res, "session"); ck != nil {
			t.Errorf("%s: replay touched the session cookie: %v", what, ck)
		}
		if n := oidcCount(t, app, "sessions", ""); n != 1 {
			t.Errorf("%s: %d sessions, want still 1", what, n)
		}
		if got := oidcJarCookie(app, c, "session"); got != session {
			t.Errorf("%s: session cookie changed", what)
		}
	}

	res, body := do(t, c, "GET", f.callback, nil)
	check("same URL, same jar", res, body)

	oidcPutCookie(app, c, "auth", f.authCookie)
	res, body = do(t, c, "GET", f.callback, nil)
	check("same URL, old auth cookie restored", res, body)

	// A copy of both in a fresh browser fares no better.
	thief := app.client()
	oidcPutCookie(app, thief, "auth", f.authCookie)
	res, body = do(t, thief, "GET", f.callback, nil)
	check("same URL and auth cookie in another browser", res, body)
	if u, _ := oidcMe(t, app, thief); u != nil {
		t.Errorf("replay in another browser signed it in as %+v", u)
	}

	// A form POST (as Apple sends) is the same callback and equally spent.
	cb, _ := url.Parse(f.callback)
	oidcPutCookie(app, c, "auth", f.authCookie)
	res, body = do(t, c, "POST", app.srv.URL+cb.Path, strings.NewReader(cb.RawQuery),
		"Content-Type", "application/x-www-form-urlencoded")
	check("POSTed replay", res, body)

	// The state check stops replays before the code ever reaches the provider.
	if ex, _, refused := op.stats(); ex != 1 || len(refused) != 0 {
		t.Errorf("provider saw %d exchanges and refused %v; want 1 and none", ex, refused)
	}
	if me, _ := oidcMe(t, app, c); me == nil {
		t.Error("a refused replay signed the original browser out")
	}
}

func TestOIDCNextIsNeverAnOpenRedirect(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	u := mockoidc.MockUser{Subject: "acme|next", Email: "next@acme.example", EmailVerified: true}
	for _, tc := range []struct{ next, want string }{
		{"https://evil.example", "/"},
		{"//evil.example", "/"},
		{`/\evil.example`, "/"},
		{"javascript:alert(1)", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"///evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"https:evil.example", "/"},
		{"", "/"},
		{"/settings?tab=1", "/settings?tab=1"},
		{"/ideas/42#comments", "/ideas/42#comments"},
	} {
		path := "/auth/oidc?" + url.Values{"next": {tc.next}}.Encode()
		f := oidcSignedIn(t, app, op, app.client(), path, u, tc.want)
		if loc := f.res.Header.Get("Location"); loc != tc.want {
			t.Errorf("next=%q: final Location %q, want %q", tc.next, loc, tc.want)
		}
	}
	// The state row stores the cleaned path, not the attacker's.
	var bad int64
	if err := app.db.Table("auth_states").Where("next_path LIKE ?", "%evil%").Count(&bad).Error; err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d auth states store an off-site next path", bad)
	}
}

func TestOIDCNeverLinksByEmail(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	ctx := context.Background()
	jane, err := models.DevSignIn(ctx, app.db, "jane@example.com", "Jane", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"jane@example.com", "JANE@Example.com"} {
		c := app.client()
		f := oidcSignIn(t, app, op, c, "/auth/oidc?next=/x", mockoidc.MockUser{
			Subject: "acme|jane-" + string(rune('a'+i)), Email: email, EmailVerified: true, PreferredUsername: "jane"})
		oidcExpectRefused(t, app, c, f.res, f.body, http.StatusConflict,
			"Sign in with the provider you used before, then link this one from your settings.")
		if n := oidcCount(t, app, "identities", "provider = ?", "oidc"); n != 0 {
			t.Errorf("email %s: %d oidc identities created, want none", email, n)
		}
	}
	if n := oidcCount(t, app, "users", ""); n != 1 {
		t.Errorf("%d users, want only Jane's", n)
	}
	if n := oidcCount(t, app, "identities", "user_id = ?", jane.ID); n != 1 {
		t.Errorf("Jane has %d identities, want 1 (dev)", n)
	}
	if n := oidcCount(t, app, "sessions", ""); n != 0 {
		t.Errorf("%d sessions, want none", n)
	}
}

func TestOIDCAdminEmails(t *testing.T) {
	for _, tc := range []struct {
		name     string
		email    string
		verified bool
		want     string
	}{
		{"verified", "boss@example.com", true, models.RoleAdmin},
		{"verified other case", "Boss@Example.COM", true, models.RoleAdmin},
		{"unverified", "boss@example.com", false, models.RoleMember},
		{"verified, not listed", "worker@example.com", true, models.RoleMember},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := newOIDCProvider(t)
			app := newOIDCApp(t, op, func(o *Options) { o.AdminEmails = []string{"boss@example.com"} })
			c := app.client()
			oidcSignedIn(t, app, op, c, "/auth/oidc", mockoidc.MockUser{Subject: "acme|boss", Email: tc.email, EmailVerified: tc.verified}, "/")
			me, _ := oidcMe(t, app, c)
			if me == nil || me.Role != tc.want {
				t.Fatalf("/api/v1/me = %+v, want role %s", me, tc.want)
			}
			var u models.User
			if err := app.db.Take(&u, me.ID).Error; err != nil {
				t.Fatal(err)
			}
			if u.Role != tc.want || u.EmailVerified != tc.verified {
				t.Errorf("stored role %q verified %v, want %q %v", u.Role, u.EmailVerified, tc.want, tc.verified)
			}
			var entries []models.AuditEntry
			if err := app.db.Where("target_type = 'user' AND target_id = ?", u.ID).Find(&entries).Error; err != nil {
				t.Fatal(err)
			}
			if tc.want != models.RoleAdmin {
				if len(entries) != 0 {
					t.Errorf("audit log has %d entries for a member", len(entries))
				}
				return
			}
			if len(entries) != 1 {
				t.Fatalf("audit log has %d entries, want 1", len(entries))
			}
			e := entries[0]
			if e.Action != "user.role" || e.ActorID != nil ||
				!strings.Contains(string(e.After), `"admin"`) || !strings.Contains(string(e.After), "CROWDWISE_ADMIN_EMAILS") {
				t.Errorf("audit entry = action %q actor %v after %s", e.Action, e.ActorID, e.After)
			}
			// A later sign-in does not promote again.
			oidcSignedIn(t, app, op, app.client(), "/auth/oidc", mockoidc.MockUser{Subject: "acme|boss", Email: tc.email, EmailVerified: true}, "/")
			if n := oidcCount(t, app, "audit_log", ""); n != 1 {
				t.Errorf("%d audit entries after a second sign-in, want 1", n)
			}
		})
	}
}

func TestOIDCLinkToSignedInUser(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	c := app.client()
	lin := oidcDevSignIn(t, app, c, "lin@example.com")
	sso := mockoidc.MockUser{Subject: "acme|lin", Email: "lin@acme.example", EmailVerified: true, PreferredUsername: "lin"}

	f := oidcSignIn(t, app, op, c, "/auth/oidc?link=1&next=/elsewhere", sso)
	if f.res.StatusCode != http.StatusFound || f.res.Header.Get("Location") != "/settings?notice=linked" {
		t.Fatalf("link callback = %d → %q, want 302 → /settings?notice=linked: %s",
			f.res.StatusCode, f.res.Header.Get("Location"), f.body)
	}
	var idents []models.Identity
	if err := app.db.Order("id").Find(&idents).Error; err != nil {
		t.Fatal(err)
	}
	if len(idents) != 2 || idents[0].UserID != lin.ID || idents[1].UserID != lin.ID ||
		idents[0].Provider != models.DevProvider || idents[1].Provider != "oidc" || idents[1].ProviderUserID != sso.Subject {
		t.Fatalf("identities = %+v, want dev + oidc/%s for user %d", idents, sso.Subject, lin.ID)
	}
	if n := oidcCount(t, app, "users", ""); n != 1 {
		t.Errorf("%d users after linking, want 1", n)
	}
	if me, _ := oidcMe(t, app, c); me == nil || me.ID != lin.ID {
		t.Errorf("after linking /api/v1/me = %+v, want user %d", me, lin.ID)
	}
	res, body := do(t, c, "GET", app.srv.URL+f.res.Header.Get("Location"), nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Account linked") {
		t.Errorf("GET /settings?notice=linked = %d, lacks the notice", res.StatusCode)
	}

	// The linked identity now signs in to the same account elsewhere.
	other := app.client()
	oidcSignedIn(t, app, op, other, "/auth/oidc", sso, "/")
	if me, _ := oidcMe(t, app, other); me == nil || me.ID != lin.ID {
		t.Errorf("sign-in with the linked identity = %+v, want user %d", me, lin.ID)
	}

	// Another user cannot take over the identity by linking it too.
	mallory := app.client()
	mal := oidcDevSignIn(t, app, mallory, "mallory@example.com")
	f = oidcSignIn(t, app, op, mallory, "/auth/oidc?link=1", sso)
	if f.res.StatusCode != http.StatusConflict {
		t.Errorf("linking an identity owned by someone else = %d, want 409: %s", f.res.StatusCode, f.body)
	}
	if n := oidcCount(t, app, "identities", "user_id = ?", mal.ID); n != 1 {
		t.Errorf("mallory has %d identities, want 1", n)
	}
	if n := oidcCount(t, app, "identities", "provider = 'oidc' AND user_id = ?", lin.ID); n != 1 {
		t.Errorf("lin lost the oidc identity")
	}

	// A link callback that arrives without the session cookie (Apple's
	// cross-site form POST carries no Lax cookie) still links, to the user
	// who started the attempt in this browser, and signs no one in.
	carol := app.client()
	carolUser := oidcDevSignIn(t, app, carol, "carol@example.com")
	op.queueUser(mockoidc.MockUser{Subject: "acme|carol", PreferredUsername: "carol"})
	cb := oidcAuthorize(t, carol, oidcStart(t, app, carol, "/auth/oidc?link=1"))
	oidcDropCookie(app, carol, "session")
	res, body = do(t, carol, "GET", cb, nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/settings?notice=linked" {
		t.Errorf("link callback without the session = %d → %q, want 302 → /settings?notice=linked: %s",
			res.StatusCode, res.Header.Get("Location"), body)
	}
	var carolIdent models.Identity
	if err := app.db.Where("provider = 'oidc' AND provider_user_id = ?", "acme|carol").Take(&carolIdent).Error; err != nil {
		t.Errorf("link callback without the session linked nothing: %v", err)
	} else if carolIdent.UserID != carolUser.ID {
		t.Errorf("acme|carol linked to user %d, want carol (%d)", carolIdent.UserID, carolUser.ID)
	}
	if n := oidcCount(t, app, "users", ""); n != 3 {
		t.Errorf("%d users after carol's link, want 3 (lin, mallory, carol)", n)
	}
	if ck := oidcResCookie(res, "session"); ck != nil && ck.Value != "" {
		t.Errorf("link callback set a session cookie: %v", ck)
	}

	// But if another user has signed in in that browser by the time the
	// callback arrives, the attempt links nothing.
	dave := app.client()
	daveUser := oidcDevSignIn(t, app, dave, "dave@example.com")
	op.queueUser(mockoidc.MockUser{Subject: "acme|dave", PreferredUsername: "dave"})
	cb = oidcAuthorize(t, dave, oidcStart(t, app, dave, "/auth/oidc?link=1"))
	erin := oidcDevSignIn(t, app, dave, "erin@example.com")
	if oidcJarCookie(app, dave, "auth") == "" {
		t.Fatal("signing in as erin dropped the auth cookie of dave's attempt")
	}
	res, body = do(t, dave, "GET", cb, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, errSignInFailed.Message) {
		t.Errorf("link callback with another user signed in = %d, want 400 %q: %s", res.StatusCode, errSignInFailed.Message, body)
	}
	if n := oidcCount(t, app, "identities", "provider_user_id = ?", "acme|dave"); n != 0 {
		t.Error("link callback with another user signed in created an identity")
	}
	for _, u := range []*apiUser{daveUser, erin} {
		if n := oidcCount(t, app, "identities", "user_id = ?", u.ID); n != 1 {
			t.Errorf("user %d has %d identities, want 1 (dev)", u.ID, n)
		}
	}
	if me, _ := oidcMe(t, app, dave); me == nil || me.ID != erin.ID {
		t.Errorf("after the refused link the browser is signed in as %+v, want erin (%d)", me, erin.ID)
	}
}
