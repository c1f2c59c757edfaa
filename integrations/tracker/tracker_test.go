package tracker_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/outbound"
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

func TestErrorFromTransport(t *testing.T) {
	refused := fmt.Errorf("Post: %w", &outbound.RefusedError{Reason: "loopback"})
	var re *outbound.RefusedError
	if err := tracker.ErrorFromTransport(refused); !errors.As(err, &re) {
		t.Errorf("refused: %v, want the *outbound.RefusedError kept", err)
	}
	var api *tracker.APIError
	if err := tracker.ErrorFromTransport(fmt.Errorf("read: %w", outbound.ErrResponseTooLarge)); !errors.As(err, &api) {
		t.Errorf("too large: %v, want *APIError (a retry gets the same answer)", err)
	}
	var tmp *tracker.TemporaryError
	if err := tracker.ErrorFromTransport(errors.New("connection reset")); !errors.As(err, &tmp) {
		t.Errorf("network: %v, want *TemporaryError", err)
	}
}

func TestErrorFromStatus(t *testing.T) {
	now := time.Now()
	for status, check := range map[int]func(error) bool{
		401: func(err error) bool { return errors.Is(err, tracker.ErrUnauthorized) },
		403: func(err error) bool { return errors.Is(err, tracker.ErrUnauthorized) },
		404: func(err error) bool { return errors.Is(err, tracker.ErrNotFound) },
		410: func(err error) bool { return errors.Is(err, tracker.ErrNotFound) },
		429: func(err error) bool { var e *tracker.RateLimitedError; return errors.As(err, &e) },
		500: func(err error) bool { var e *tracker.TemporaryError; return errors.As(err, &e) },
		503: func(err error) bool { var e *tracker.TemporaryError; return errors.As(err, &e) },
		400: func(err error) bool { var e *tracker.APIError; return errors.As(err, &e) && e.Message == "bad" },
		422: func(err error) bool { var e *tracker.APIError; return errors.As(err, &e) },
	} {
		err := tracker.ErrorFromStatus(&http.Response{StatusCode: status, Header: http.Header{}}, "bad", now)
		if !check(err) {
			t.Errorf("%d: %v (%T)", status, err, err)
		}
	}
}
