package outbound

import "errors"

// RefusedError says why a destination is not allowed. Reason is written
// for the admin who typed the URL and may be shown as is.
type RefusedError struct {
	Reason string
	Err    error // the cause, e.g. a DNS error; may be nil
}

func (e *RefusedError) Error() string { return "outbound request refused: " + e.Reason }
func (e *RefusedError) Unwrap() error { return e.Err }

func refused(reason string) error { return &RefusedError{Reason: reason} }

// ErrResponseTooLarge is returned by a response body's Read once
// MaxResponseBytes have been read and more remain; the bytes before it are
// the response's start.
var ErrResponseTooLarge = errors.New("outbound: response body exceeds the size limit")
