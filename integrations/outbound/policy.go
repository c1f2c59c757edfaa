// Package outbound is the one guarded HTTP client for every request
// Crowdwise makes to an address someone typed in: webhooks, CRMs, trackers.
// It refuses internal destinations after DNS resolution and dials the very
// address it checked, so neither a saved URL nor a name that later resolves
// to 127.0.0.1 (DNS rebinding) reaches the server's own network. Responses
// are bounded in time and size, and redirects never leave the host.
package outbound

import (
	"context"
	"crypto/tls"
	"net/netip"
	"time"
)

// Defaults for a zero Policy field: the limits issue 11 sets for webhooks.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
	maxRedirects            = 5
)

// Redirects says what the client does with a 3xx response.
type Redirects int

const (
	// RedirectNone returns the 3xx response to the caller unfollowed.
	RedirectNone Redirects = iota
	// RedirectSameHost follows up to 5 redirects that keep the host name;
	// every hop is checked like the first request.
	RedirectSameHost
)

// Policy is what a Client allows. The zero value is the strict one.
type Policy struct {
	// AllowPrivate permits loopback, private (RFC 1918, ULA), link-local
	// and CGNAT destinations, for on-premises receivers
	// (CROWDWISE_ALLOW_PRIVATE_OUTBOUND). Cloud-metadata, unspecified,
	// multicast and reserved addresses stay refused: no receiver lives there.
	AllowPrivate bool
	// RequireHTTPS refuses http:// URLs (production).
	RequireHTTPS bool
	// Timeout bounds the whole exchange, body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes is how much of a response body is read; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	FollowRedirects  Redirects
	// Resolver turns host names into addresses; nil means net.DefaultResolver.
	// Tests inject one to make a name resolve to loopback.
	Resolver Resolver
	// TLSConfig, when set, is used for https (e.g. a private CA).
	TLSConfig *tls.Config
}

// Resolver is the part of *net.Resolver the client needs.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}
