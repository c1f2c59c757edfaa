package handlers

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
)

// usesNonce: the generic OpenID Connect provider sends a nonce, which the ID
// token must carry back (goth itself neither sends nor checks one).
func usesNonce(name string) bool { return name == "oidc" }

// withQuery returns rawURL with one more query parameter.
func withQuery(rawURL, key, value string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// idTokenNonceIs reports whether the ID token's nonce claim is want. It reads
// the token as the provider issued it, not goth's RawData, where userinfo
// claims are merged over the ID token's.
func idTokenNonceIs(idToken, want string) bool {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 || want == "" {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return false
	}
	var claims struct {
		Nonce string `json:"nonce"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(want)) == 1
}
