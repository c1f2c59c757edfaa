// Package crm holds what the Salesforce and HubSpot connectors have in
// common: the records a sync reads, the errors that steer a sync job
// (credentials rejected, rate limited) and money parsing. models imports it
// to name what a sync consumes; the connectors import it to produce it.
package crm

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Account is a company as a CRM reports it. ARR and Segment come from the
// configured field (Salesforce) or property (HubSpot).
type Account struct {
	ExternalID string
	Name       string
	// Website is what the CRM stores (a URL or a bare domain); models turns
	// it into a domain.
	Website    string
	ARRCents   int64
	Currency   string // "" when the CRM does not say
	Segment    string
	OwnerName  string
	OwnerEmail string
}

// Opportunity is a deal of an account, naming it by the CRM's id.
type Opportunity struct {
	ExternalID        string
	AccountExternalID string
	Name              string
	AmountCents       int64
	Stage             string
	CloseDate         *time.Time
	Closed, Won       bool
}

// Skipped is a record that could not be read (a malformed record): it is
// reported and skipped, never the reason a whole run fails.
type Skipped struct {
	ExternalID string // "" when even the id was unreadable
	Message    string
}

// AccountPage is one page of a listing, handed over as soon as it is read so
// what was synced before a later error stays.
type AccountPage struct {
	Accounts []Account
	Skipped  []Skipped
	// Total is how many records the CRM says the listing has, when it
	// says (Salesforce's totalSize); 0 when unknown.
	Total int
}

// OpportunityPage is one page of deals.
type OpportunityPage struct {
	Opportunities []Opportunity
	Skipped       []Skipped
	Total         int
}

// ErrCredentials is a 401 (or a refused token request): the sync stops and
// says so; retrying with the same credentials cannot help.
var ErrCredentials = errors.New("credentials rejected")

// RateLimitError is a 429: try again after RetryAfter (from the response's
// Retry-After header; DefaultRetryAfter when it has none).
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

// DefaultRetryAfter is the wait after a 429 without a usable Retry-After.
const DefaultRetryAfter = 10 * time.Second

// StatusError is any other unexpected response.
type StatusError struct {
	Status int
	// Detail is the start of the response body, for the sync log.
	Detail string
}

func (e *StatusError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("unexpected response %d", e.Status)
	}
	return fmt.Sprintf("unexpected response %d: %s", e.Status, e.Detail)
}

// CheckResponse turns a non-2xx response into ErrCredentials,
// *RateLimitError or *StatusError; nil for 2xx. It does not close the body.
func CheckResponse(resp *http.Response) error {
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrCredentials
	case resp.StatusCode == http.StatusTooManyRequests:
		return &RateLimitError{RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return &StatusError{Status: resp.StatusCode, Detail: strings.TrimSpace(string(b))}
}

// ParseRetryAfter reads Retry-After as seconds or an HTTP date (RFC 9110
// §10.2.3); anything else, or a wait of nothing, is DefaultRetryAfter. The
// wait is capped at an hour.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	d := time.Duration(0)
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return DefaultRetryAfter
	}
	return min(d, time.Hour)
}

// MaxCents is the largest amount kept: 2^53 cents, so every amount is exact
// in a JSON number (a float64) too.
const MaxCents = 1 << 53

// ParseCents reads a decimal amount ("12000.50") as cents. Exponent forms
// ("1.2E7", as Salesforce writes large numbers) are read only when
// allowExponent is set; a CSV cell must be a plain decimal. Negative
// amounts, more than two decimals that are not zero, and amounts over
// MaxCents are refused.
func ParseCents(s string, allowExponent bool) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if !allowExponent && strings.ContainsAny(s, "eE") {
		return 0, errors.New("use a plain decimal amount such as 12000.50, without an exponent")
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789.+-eE", r) {
			return 0, errors.New("use a decimal amount such as 12000.50 (digits and one dot, no currency sign or thousands separators)")
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, errors.New("not a decimal amount such as 12000.50")
	}
	if r.Sign() < 0 {
		return 0, errors.New("the amount cannot be negative")
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() {
		return 0, errors.New("at most two decimals (cents)")
	}
	n := r.Num()
	if n.Cmp(big.NewInt(MaxCents)) > 0 {
		return 0, errors.New("the amount is too large")
	}
	return n.Int64(), nil
}
