package tracker_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "7": 7 * time.Second, " 0 ": 0, "-3": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := tracker.RetryAfter(h, now); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestValidSignature(t *testing.T) {
	body := []byte(`{"a":1}`)
	sig := tracker.Sign("s3cret", body)
	for _, tc := range []struct {
		secret, got, prefix string
		want                bool
	}{
		{"s3cret", sig, "", true},
		{"s3cret", strings.ToUpper(sig), "", true},
		{"s3cret", "sha256=" + sig, "sha256=", true},
		{"s3cret", sig, "sha256=", false},
		{"s3cret", "sha1=" + sig, "sha256=", false},
		{"other", sig, "", false},
		{"", tracker.Sign("", body), "", false}, // no secret configured never verifies
		{"s3cret", "", "", false},
		{"s3cret", sig[:10], "", false},
		{"s3cret", "not-hex", "", false},
	} {
		if got := tracker.ValidSignature(tc.secret, body, tc.got, tc.prefix); got != tc.want {
			t.Errorf("ValidSignature(%q, %q, %q) = %v", tc.secret, tc.got, tc.prefix, got)
		}
	}
}

func TestMarkdownEndsWithMarker(t *testing.T) {
	in := tracker.CreateInput{IdeaID: 7, Description: "  Body  ", IdeaURL: "https://x/ideas/7", Votes: 3}
	want := "Body\n\nVotes: 3\n\nIdea: https://x/ideas/7\n\ncrowdwise-idea: 7"
	if got := in.Markdown(); got != want {
		t.Errorf("Markdown = %q, want %q", got, want)
	}
	if tracker.Label(7) != "crowdwise-idea-7" || tracker.Marker(7) != "crowdwise-idea: 7" {
		t.Error("label or marker changed: issues already created carry them")
	}
}
