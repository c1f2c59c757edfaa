package handlers

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// idTokenClaims decodes the ID token in a token endpoint response body.
func idTokenClaims(t *testing.T, tokenResponse string) map[string]any {
	t.Helper()
	var res struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(tokenResponse), &res); err != nil {
		t.Fatalf("token response: %v: %s", err, tokenResponse)
	}
	parts := strings.Split(res.IDToken, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q is not a JWT", res.IDToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// Every OpenID Connect attempt sends a fresh nonce; mockoidc echoes it in the
// ID token, which must carry exactly that nonce.
func TestOIDCNonceIsSentAndChecked(t *testing.T) {
	op := newOIDCProvider(t)
	app := newOIDCApp(t, op)
	jane := mockoidc.MockUser{Subject: "acme|jane", Email: "jane@acme.example", EmailVerified: true, PreferredUsername: "jane"}

	abandoned := oidcStart(t, app, app.client(), "/auth/oidc")
	c := app.client()
	f := oidcSignedIn(t, app, op, c, "/auth/oidc", jane, "/")
	nonce := f.authURL.Query().Get("nonce")
	if len(nonce) < 40 || nonce == abandoned.Query().Get("nonce") {
		t.Fatalf("nonce %q: missing, short or shared with another attempt", nonce)
	}
	x, _ := op.lastExchange()
	if got := idTokenClaims(t, x.body)["nonce"]; got != nonce {
		t.Fatalf("ID token nonce %v, sent %q", got, nonce)
	}
	if me, _ := oidcMe(t, app, c); me == nil {
		t.Fatal("the happy path did not sign in")
	}

	// A provider answering with an ID token for another nonce (a replayed
	// or injected token), or with none at all, signs nobody in.
	for name, rewrite := range map[string]func(url.Values){
		"tampered": func(q url.Values) { q.Set("nonce", q.Get("nonce")+"x") },
		"other":    func(q url.Values) { q.Set("nonce", nonce) },
		"missing":  func(q url.Values) { q.Del("nonce") },
	} {
		t.Run(name, func(t *testing.T) {
			op.mu.Lock()
			op.rewrite = rewrite
			op.mu.Unlock()
			defer func() { op.mu.Lock(); op.rewrite = nil; op.mu.Unlock() }()
			c := app.client()
			f := oidcSignIn(t, app, op, c, "/auth/oidc", jane)
			oidcExpectRefused(t, app, c, f.res, f.body, http.StatusBadRequest,
				"Sign-in with that provider did not complete.")
			if x, _ := op.lastExchange(); x.status != http.StatusOK {
				t.Fatalf("the provider refused the exchange (%d): the test must reach the nonce check", x.status)
			}
		})
	}
	if n := oidcCount(t, app, "sessions", ""); n != 1 {
		t.Errorf("%d sessions, want only the happy path's", n)
	}
}
