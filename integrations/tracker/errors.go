package tracker

import (
	"errors"
	"fmt"
	"time"
)

// Errors from a tracker's API. Match with errors.Is / errors.As.
var (
	// ErrNotFound: the issue (or project, repository, team) does not exist
	// or is not visible with these credentials.
	ErrNotFound = errors.New("tracker: not found")
	// ErrUnauthorized: the tracker rejected the credentials (401/403).
	ErrUnauthorized = errors.New("tracker: credentials rejected")
)

// RateLimitedError is a 429 (or GitHub's 403 rate limit). RetryAfter is
// the wait the tracker asked for, 0 when it named none.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("tracker: rate limited (retry after %s)", e.RetryAfter)
}

// TemporaryError is a failure worth retrying: 5xx, a network error, a timeout.
type TemporaryError struct {
	Status int // HTTP status, 0 for a network error
	Err    error
}

func (e *TemporaryError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("tracker: temporary failure: HTTP %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("tracker: temporary failure: %v", e.Err)
}
func (e *TemporaryError) Unwrap() error { return e.Err }

// APIError is any other answer the tracker refused (400, 422, a GraphQL
// error): retrying the same request will not help. Message is the
// tracker's own text, for staff on /staff/integrations.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("tracker: HTTP %d: %s", e.Status, e.Message) }

// Errors from verifying an inbound webhook.
var (
	// ErrSignature: the signature is missing or wrong (→ 401). Checked
	// before the body is parsed.
	ErrSignature = errors.New("tracker: webhook signature missing or wrong")
	// ErrStale: the signed timestamp is too old or in the future (→ 400).
	ErrStale = errors.New("tracker: webhook timestamp outside the allowed window")
	// ErrIgnored: a correctly signed event of a kind Crowdwise does not act
	// on (→ 200/202, nothing changes).
	ErrIgnored = errors.New("tracker: webhook event ignored")
	// ErrMalformed: correctly signed, but the body is not what the tracker
	// documents (→ 400).
	ErrMalformed = errors.New("tracker: webhook body malformed")
)
