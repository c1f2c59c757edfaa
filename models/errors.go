package models

import (
	"errors"
	"sort"
	"strings"
	"time"
)

// Sentinel errors that the HTTP layer maps to status codes. Wrap them with
// Problem to carry a message that is safe to show to users.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("sign-in required")
	ErrRateLimited  = errors.New("too many requests")
	ErrBadRequest   = errors.New("bad request")
	// ErrUnavailable is work that cannot be done now but will be (503).
	ErrUnavailable = errors.New("temporarily unavailable")
)

// Problem is a typed error with a user-facing message.
type Problem struct {
	Kind    error
	Message string
}

func (p *Problem) Error() string { return p.Message }
func (p *Problem) Unwrap() error { return p.Kind }

// Conflict reports a request that clashes with the current state (409).
func Conflict(msg string) error { return &Problem{Kind: ErrConflict, Message: msg} }

// Forbidden reports an action the actor may not take (403).
func Forbidden(msg string) error { return &Problem{Kind: ErrForbidden, Message: msg} }

// NotFound reports a missing record (404).
func NotFound(msg string) error { return &Problem{Kind: ErrNotFound, Message: msg} }

// ValidationError carries one message per invalid input field (422).
type ValidationError struct {
	Fields map[string]string
}

func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+v.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a message for field, keeping the first one.
func (v *ValidationError) Add(field, msg string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = msg
	}
}

// Err returns v when it holds messages and nil otherwise, so validators can
// end with `return v.Err()`.
func (v *ValidationError) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

// RateLimitError is a 429: the message says what to wait for and the HTTP
// layer sends RetryAfter as the Retry-After header.
type RateLimitError struct {
	Message    string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return e.Message }
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }
