package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client sends requests under a Policy. It is safe for concurrent use and
// meant to be long-lived, so connections are reused.
type Client struct {
	policy   Policy
	resolver Resolver
	http     *http.Client
}

// New returns a Client for p, with zero limits set to the defaults.
func New(p Policy) *Client {
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	if p.MaxResponseBytes <= 0 {
		p.MaxResponseBytes = DefaultMaxResponseBytes
	}
	c := &Client{policy: p, resolver: p.Resolver}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would dial names we never checked
		DialContext:            c.dial,
		TLSClientConfig:        p.TLSConfig,
		ForceAttemptHTTP2:      true, // a custom DialContext turns HTTP/2 off otherwise
		TLSHandshakeTimeout:    p.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
	}
	c.http = &http.Client{
		Transport:     &guard{c: c, next: tr},
		Timeout:       p.Timeout,
		CheckRedirect: c.checkRedirect,
	}
	return c
}

// Do sends req. The response body stops with ErrResponseTooLarge after
// MaxResponseBytes. A refused destination is a *RefusedError (wrapped in
// the *url.Error http.Client returns; use errors.As).
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	return c.http.Do(req)
}

// CheckURL validates a destination when it is saved: the same checks as
// every send, including resolving the name now. The error is a
// *RefusedError whose Reason can be shown to the admin.
func (c *Client) CheckURL(ctx context.Context, rawURL string) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return &RefusedError{Reason: "this is not a valid URL", Err: err}
	}
	if err := c.checkURL(u); err != nil {
		return err
	}
	_, err = c.resolve(ctx, "ip", u.Hostname())
	return err
}

// checkURL is everything about a URL that needs no DNS.
func (c *Client) checkURL(u *url.URL) error {
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && c.policy.RequireHTTPS:
		return refused("the URL must start with https://")
	case u.Scheme == "http":
	default:
		return refused("the URL must start with https:// or http://")
	}
	if u.User != nil {
		return refused("the URL must not contain a user name or password; use a secret or token instead")
	}
	if u.Hostname() == "" {
		return refused("the URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return refused(fmt.Sprintf("port %q is not a valid port", p))
		}
		if badPorts[n] {
			return refused(fmt.Sprintf("port %d belongs to another protocol (e.g. mail, SSH, DNS) and is not allowed", n))
		}
	}
	return nil
}

// resolve returns host's addresses if every one of them is allowed.
func (c *Client) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, c.policy.checkAddr("", a)
	}
	addrs, err := c.resolver.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, &RefusedError{Reason: fmt.Sprintf("the host %s could not be resolved", host), Err: err}
	}
	if len(addrs) == 0 {
		return nil, refused(fmt.Sprintf("the host %s has no address", host))
	}
	for _, a := range addrs {
		if err := c.policy.checkAddr(host, a); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// dial resolves addr's host itself, refuses it unless every address
// passes, and connects to those checked addresses, so the name is never
// resolved again between the check and the connection.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ipNet := "ip"
	switch network {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	addrs, err := c.resolve(ctx, ipNet, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: c.policy.Timeout}
	var errs []error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.policy.FollowRedirects != RedirectSameHost {
		return http.ErrUseLastResponse
	}
	if len(via) > maxRedirects {
		return refused(fmt.Sprintf("more than %d redirects", maxRedirects))
	}
	if from, to := via[0].URL.Hostname(), req.URL.Hostname(); !strings.EqualFold(from, to) {
		return refused(fmt.Sprintf("a redirect from %s to another host (%s) is not followed", from, to))
	}
	return nil // the guard checks the new URL like any request
}

// guard checks every request's URL, redirects included, and caps the body.
type guard struct {
	c    *Client
	next http.RoundTripper
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.c.checkURL(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper must close it, even on error
		}
		return nil, err
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: g.c.policy.MaxResponseBytes}
	return resp, nil
}

// badPorts are the ports the Fetch standard blocks: other protocols a
// crafted request could talk to.
var badPorts = map[int]bool{
	1: true, 7: true, 9: true, 11: true, 13: true, 15: true, 17: true, 19: true, 20: true, 21: true,
	22: true, 23: true, 25: true, 37: true, 42: true, 43: true, 53: true, 69: true, 77: true, 79: true,
	87: true, 95: true, 101: true, 102: true, 103: true, 104: true, 109: true, 110: true, 111: true,
	113: true, 115: true, 117: true, 119: true, 123: true, 135: true, 137: true, 139: true, 143: true,
	161: true, 179: true, 389: true, 427: true, 465: true, 512: true, 513: true, 514: true, 515: true,
	526: true, 530: true, 531: true, 532: true, 540: true, 548: true, 554: true, 556: true, 563: true,
	587: true, 601: true, 636: true, 989: true, 990: true, 993: true, 995: true, 1719: true, 1720: true,
	1723: true, 2049: true, 3659: true, 4045: true, 4190: true, 5060: true, 5061: true, 6000: true,
	6566: true, 6665: true, 6666: true, 6667: true, 6668: true, 6669: true, 6679: true, 6697: true,
	10080: true,
}
