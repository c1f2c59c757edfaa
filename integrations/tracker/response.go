package tracker

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/integrations/outbound"
)

// ErrorFromStatus turns a non-2xx answer into the typed errors above.
// message is the tracker's error text, already extracted from the body.
func ErrorFromStatus(resp *http.Response, message string, now time.Time) error {
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return ErrUnauthorized
	case s == http.StatusNotFound || s == http.StatusGone:
		return ErrNotFound
	case s == http.StatusTooManyRequests:
		return &RateLimitedError{RetryAfter: RetryAfter(resp.Header, now)}
	case s >= 500 || s == http.StatusRequestTimeout:
		return &TemporaryError{Status: s, Err: errors.New(orStatus(message, s))}
	default:
		return &APIError{Status: s, Message: orStatus(message, s)}
	}
}

// ErrorFromTransport classifies an error from outbound.Client.Do: a refused
// destination stays a *outbound.RefusedError (configuration, not worth a
// retry) and an answer over the size cap an *APIError (it will not shrink);
// anything else (DNS, connection, timeout) is temporary.
func ErrorFromTransport(err error) error {
	var re *outbound.RefusedError
	if errors.As(err, &re) {
		return err
	}
	if errors.Is(err, outbound.ErrResponseTooLarge) {
		return &APIError{Message: "the answer is larger than the outbound response size limit"}
	}
	return &TemporaryError{Err: err}
}

// RetryAfter reads a Retry-After header in seconds or as an HTTP date; 0
// when absent or unreadable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func orStatus(msg string, status int) string {
	if msg = strings.TrimSpace(msg); msg != "" {
		if len(msg) > 500 {
			msg = msg[:500]
		}
		return msg
	}
	return http.StatusText(status)
}
