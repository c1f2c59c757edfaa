package tracker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Sign returns the hex HMAC-SHA256 of body under secret, the signature
// Jira, GitHub and Linear all use (Jira and GitHub prefix it "sha256=").
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ValidSignature compares got (hex, optionally after prefix) with the HMAC
// of body in constant time. An empty secret or signature never verifies.
func ValidSignature(secret string, body []byte, got, prefix string) bool {
	if secret == "" || got == "" {
		return false
	}
	if prefix != "" {
		if !strings.HasPrefix(got, prefix) {
			return false
		}
		got = got[len(prefix):]
	}
	sig, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(got)))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(sig, m.Sum(nil))
}
