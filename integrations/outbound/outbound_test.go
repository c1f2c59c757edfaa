package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/outbound"
)

// resolver answers from a map; a name may answer differently on each
// lookup, to play DNS rebinding.
type resolver map[string][][]netip.Addr

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	answers, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	a := answers[0]
	if len(answers) > 1 {
		r[host] = answers[1:]
	}
	return a, nil
}

func addrs(s ...string) [][]netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return [][]netip.Addr{out}
}

// names resolves fixed test names; nothing here touches real DNS.
func names() resolver {
	return resolver{
		"public.test":   addrs("93.184.215.14"),
		"public6.test":  addrs("2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
		"loopback.test": addrs("127.0.0.1"),
		"mixed.test":    addrs("93.184.215.14", "10.0.0.1"),
		"metadata.test": addrs("169.254.169.254"),
		"empty.test":    {nil},
	}
}

// TestIgnoresProxyEnvironment: a proxy would resolve and dial names this
// client never checked, so HTTP_PROXY is not used. It comes first: net/http
// reads the proxy environment once per process, on first use.
func TestIgnoresProxyEnvironment(t *testing.T) {
	tg, proxy := newTarget(t, nil), newTarget(t, nil)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	c := outbound.New(outbound.Policy{AllowPrivate: true, Resolver: names()})
	resp, err := post(t, c, "http://loopback.test:"+tg.port()+"/hook") // a name, as localhost is never proxied
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if tg.hits.Load() != 1 || proxy.hits.Load() != 0 {
		t.Errorf("receiver saw %d requests, proxy %d; want 1 and 0", tg.hits.Load(), proxy.hits.Load())
	}
}

func refusedErr(t *testing.T, err error) *outbound.RefusedError {
	t.Helper()
	var re *outbound.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("got %v (%T), want a *outbound.RefusedError", err, err)
	}
	if re.Reason == "" {
		t.Fatal("a RefusedError must say why")
	}
	return re
}

// TestCheckURLAddresses sweeps the address classes: each is refused or
// allowed by default and with AllowPrivate.
func TestCheckURLAddresses(t *testing.T) {
	cases := []struct {
		host                 string
		strict, allowPrivate bool // allowed?
		reason               string
	}{
		{"93.184.215.14", true, true, ""},
		{"8.8.8.8", true, true, ""},
		{"[2606:4700:4700::1111]", true, true, ""},
		{"public.test", true, true, ""},
		{"public6.test", true, true, ""},
		{"[2002:5db8:d70e::1]", true, true, ""}, // 6to4 of a public address

		{"127.0.0.1", false, true, "loopback"},
		{"127.1.2.3", false, true, "loopback"},
		{"[::1]", false, true, "loopback"},
		{"[::ffff:127.0.0.1]", false, true, "loopback"},
		{"loopback.test", false, true, "loopback.test resolves to 127.0.0.1"},
		{"10.0.0.1", false, true, "private"},
		{"172.16.5.4", false, true, "private"},
		{"192.168.1.1", false, true, "private"},
		{"[::ffff:10.0.0.1]", false, true, "private"},
		{"[::ffff:a00:1]", false, true, "private"},
		{"[fd12:3456::1]", false, true, "unique local"},
		{"169.254.1.1", false, true, "link-local"},
		{"[fe80::1]", false, true, "link-local"},
		{"100.64.0.1", false, true, "CGNAT"},
		{"mixed.test", false, true, "10.0.0.1"}, // every address is checked, not just the first

		{"169.254.169.254", false, false, "metadata"},
		{"[::ffff:169.254.169.254]", false, false, "metadata"},
		{"[fd00:ec2::254]", false, false, "metadata"},
		{"100.100.100.200", false, false, "metadata"},
		{"168.63.129.16", false, false, "metadata"},
		{"metadata.test", false, false, "metadata"},
		{"0.0.0.0", false, false, "unspecified"},
		{"[::]", false, false, "unspecified"},
		{"224.0.0.1", false, false, "multicast"},
		{"[ff02::1]", false, false, "multicast"},
		{"255.255.255.255", false, false, "reserved"},
		{"[64:ff9b::7f00:1]", false, true, "loopback address inside an IPv6"}, // NAT64 of 127.0.0.1
		{"[2002:a00:1::1]", false, true, "private address inside an IPv6"},    // 6to4 of 10.0.0.1
		{"[::7f00:1]", false, false, "IPv4-compatible"},
		{"[2001::1]", false, false, "Teredo"},
		{"nowhere.test", false, false, "could not be resolved"},
		{"empty.test", false, false, "no address"},
	}
	for _, tc := range cases {
		for _, allow := range []bool{false, true} {
			want := tc.strict
			if allow {
				want = tc.allowPrivate
			}
			c := outbound.New(outbound.Policy{AllowPrivate: allow, Resolver: names()})
			err := c.CheckURL(context.Background(), "https://"+tc.host+"/hook")
			if want {
				if err != nil {
					t.Errorf("%s (AllowPrivate=%v): %v, want allowed", tc.host, allow, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s (AllowPrivate=%v): allowed, want refused", tc.host, allow)
				continue
			}
			if re := refusedErr(t, err); !strings.Contains(re.Reason, tc.reason) {
				t.Errorf("%s: reason %q does not say %q", tc.host, re.Reason, tc.reason)
			}
		}
	}
}

func TestCheckURLSyntax(t *testing.T) {
	cases := []struct {
		url, refused string // "" when allowed
		requireHTTPS bool
	}{
		{"https://public.test/hook", "", true},
		{"https://public.test:8443/hook?x=1", "", true},
		{"http://public.test/hook", "", false},
		{" https://public.test/hook ", "", false},
		{"http://public.test/hook", "https://", true},
		{"ftp://public.test/hook", "https:// or http://", false},
		{"file:///etc/passwd", "https:// or http://", false},
		{"gopher://public.test:25/", "https:// or http://", false},
		{"/relative/path", "https:// or http://", false},
		{"public.test/hook", "https:// or http://", false},
		{"https://user:pw@public.test/hook", "user name or password", false},
		{"https://user@public.test/hook", "user name or password", false},
		{"https:///hook", "no host", false},
		{"https://public.test:25/", "port 25", false},
		{"https://public.test:22/", "port 22", false},
		{"https://public.test:0/", "not a valid port", false},
		{"https://public.test:99999/", "not a valid port", false},
		{"https://public.test:%31/", "not a valid URL", false},
	}
	for _, tc := range cases {
		c := outbound.New(outbound.Policy{RequireHTTPS: tc.requireHTTPS, Resolver: names()})
		err := c.CheckURL(context.Background(), tc.url)
		if tc.refused == "" {
			if err != nil {
				t.Errorf("%q: %v, want allowed", tc.url, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: allowed, want refused (%s)", tc.url, tc.refused)
			continue
		}
		if re := refusedErr(t, err); !strings.Contains(re.Reason, tc.refused) {
			t.Errorf("%q: reason %q does not say %q", tc.url, re.Reason, tc.refused)
		}
	}
}

// target is a real receiver on 127.0.0.1 that counts what reaches it.
type target struct {
	*httptest.Server
	hits atomic.Int32
	host atomic.Value // the last Host header
}

func newTarget(t *testing.T, h http.HandlerFunc) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		tg.host.Store(r.Host)
		if h != nil {
			h(w, r)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) port() string {
	_, p, _ := net.SplitHostPort(tg.Listener.Addr().String())
	return p
}

func post(t *testing.T, c *outbound.Client, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, rawURL, strings.NewReader(`{"type":"idea.created"}`))
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

// TestRefusedAtSendTime: the destinations issue 11 names are refused when
// saved and again when sent, and nothing reaches the receiver; those that
// are really the receiver do reach it with AllowPrivate, which proves the
// refusal (not the network) stopped them.
func TestRefusedAtSendTime(t *testing.T) {
	tg := newTarget(t, nil)
	cases := []struct {
		host      string
		reachable bool // with AllowPrivate, the request reaches tg
	}{
		{"127.0.0.1", true},
		{"[::ffff:127.0.0.1]", true},
		{"loopback.test", true},
		{"10.0.0.1", false},
		{"169.254.169.254", false},
		{"[::1]", false},
		{"0.0.0.0", false}, // Linux connects 0.0.0.0 to the local host: it would reach tg
	}
	for _, tc := range cases {
		u := "http://" + tc.host + ":" + tg.port() + "/hook"
		c := outbound.New(outbound.Policy{Resolver: names(), Timeout: 5 * time.Second})
		if err := c.CheckURL(context.Background(), u); err == nil {
			t.Errorf("CheckURL(%s) allowed, want refused", u)
		}
		before := tg.hits.Load()
		resp, err := post(t, c, u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("Do(%s) sent, want refused", u)
			continue
		}
		refusedErr(t, err)
		if tg.hits.Load() != before {
			t.Errorf("Do(%s) reached the receiver", u)
		}
		if !tc.reachable {
			continue
		}
		c = outbound.New(outbound.Policy{AllowPrivate: true, Resolver: names()})
		resp, err = post(t, c, u)
		if err != nil {
			t.Errorf("Do(%s) with AllowPrivate: %v", u, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || tg.hits.Load() != before+1 {
			t.Errorf("Do(%s) with AllowPrivate: status %d, hits %d→%d", u, resp.StatusCode, before, tg.hits.Load())
		}
	}
}

// TestDNSRebinding: a name that was public when saved and resolves to
// 127.0.0.1 at send time is refused at send time.
func TestDNSRebinding(t *testing.T) {
	tg := newTarget(t, nil)
	r := names()
	r["rebind.test"] = append(addrs("93.184.215.14"), addrs("127.0.0.1")...)
	c := outbound.New(outbound.Policy{Resolver: r})
	u := "http://rebind.test:" + tg.port() + "/hook"
	if err := c.CheckURL(context.Background(), u); err != nil {
		t.Fatalf("saved while public: %v", err)
	}
	_, err := post(t, c, u)
	if re := refusedErr(t, err); !strings.Contains(re.Reason, "rebind.test resolves to 127.0.0.1") {
		t.Errorf("reason: %q", re.Reason)
	}
	if tg.hits.Load() != 0 {
		t.Error("the rebound name reached the receiver")
	}
}

// TestDialsTheResolvedAddress: the connection goes to what the injected
// resolver returned (system DNS knows no loopback.test), with the name
// kept in the Host header.
func TestDialsTheResolvedAddress(t *testing.T) {
	tg := newTarget(t, nil)
	c := outbound.New(outbound.Policy{AllowPrivate: true, Resolver: names()})
	resp, err := post(t, c, "http://loopback.test:"+tg.port()+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := tg.host.Load(); got != "loopback.test:"+tg.port() {
		t.Errorf("Host header %v", got)
	}
}

func TestRedirects(t *testing.T) {
	other := newTarget(t, nil)
	var self *target
	self = newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/cross":
			http.Redirect(w, r, "http://b.test:"+other.port()+"/ok", http.StatusFound)
		case "/cross-ip":
			http.Redirect(w, r, "http://127.0.0.1:"+self.port()+"/ok", http.StatusTemporaryRedirect)
		case "/bad-port":
			http.Redirect(w, r, "http://a.test:25/ok", http.StatusFound)
		case "/userinfo":
			http.Redirect(w, r, "http://u:p@a.test:"+self.port()+"/ok", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	})
	cases := []struct {
		follow  outbound.Redirects
		path    string
		status  int    // when not refused
		refused string // reason
		hits    int32  // requests self sees
	}{
		{outbound.RedirectNone, "/same", 302, "", 1},
		{outbound.RedirectNone, "/cross", 302, "", 1},
		{outbound.RedirectSameHost, "/same", 200, "", 2},
		{outbound.RedirectSameHost, "/cross", 0, "another host (b.test)", 1},
		{outbound.RedirectSameHost, "/cross-ip", 0, "another host (127.0.0.1)", 1},
		{outbound.RedirectSameHost, "/bad-port", 0, "port 25", 1},
		{outbound.RedirectSameHost, "/userinfo", 0, "user name", 1},
		{outbound.RedirectSameHost, "/loop", 0, "more than 5 redirects", 6},
	}
	for _, tc := range cases {
		r := names()
		r["a.test"], r["b.test"] = addrs("127.0.0.1"), addrs("127.0.0.1")
		c := outbound.New(outbound.Policy{AllowPrivate: true, FollowRedirects: tc.follow, Resolver: r})
		selfBefore, otherBefore := self.hits.Load(), other.hits.Load()
		resp, err := post(t, c, "http://a.test:"+self.port()+tc.path)
		name := fmt.Sprintf("%d %s", tc.follow, tc.path)
		if tc.refused != "" {
			if err == nil {
				resp.Body.Close()
				t.Errorf("%s: followed, want refused", name)
			} else if re := refusedErr(t, err); !strings.Contains(re.Reason, tc.refused) {
				t.Errorf("%s: reason %q does not say %q", name, re.Reason, tc.refused)
			}
		} else if err != nil {
			t.Errorf("%s: %v", name, err)
		} else {
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("%s: status %d, want %d", name, resp.StatusCode, tc.status)
			}
		}
		if got := self.hits.Load() - selfBefore; got != tc.hits {
			t.Errorf("%s: the first host saw %d requests, want %d", name, got, tc.hits)
		}
		if other.hits.Load() != otherBefore {
			t.Errorf("%s: the other host was reached", name)
		}
	}
}

func TestResponseCap(t *testing.T) {
	cases := []struct {
		max, size, want int64
		tooLarge        bool
	}{
		{1000, 0, 0, false},
		{1000, 999, 999, false},
		{1000, 1000, 1000, false},
		{1000, 1001, 1000, true},
		{1000, 1 << 20, 1000, true},
		{0, 64 << 10, 64 << 10, false}, // the default is 64 KB
		{0, 64<<10 + 1, 64 << 10, true},
	}
	for _, tc := range cases {
		tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(strings.Repeat("x", int(tc.size))))
		})
		c := outbound.New(outbound.Policy{AllowPrivate: true, MaxResponseBytes: tc.max})
		resp, err := post(t, c, tg.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if int64(len(body)) != tc.want {
			t.Errorf("max %d, size %d: read %d bytes, want %d", tc.max, tc.size, len(body), tc.want)
		}
		if got := errors.Is(err, outbound.ErrResponseTooLarge); got != tc.tooLarge || (!got && err != nil) {
			t.Errorf("max %d, size %d: error %v, want too large = %v", tc.max, tc.size, err, tc.tooLarge)
		}
	}
}

// TestTimeout: a receiver that never answers, or stops mid-body, is given
// up on after Policy.Timeout. The handler waits for the client to go away;
// nothing here sleeps.
func TestTimeout(t *testing.T) {
	cases := []struct {
		name        string
		headersSent bool
	}{
		{"no response", false},
		{"stalled body", true},
	}
	for _, tc := range cases {
		release := make(chan struct{})
		tg := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
			if tc.headersSent {
				w.Write([]byte("partial"))
				w.(http.Flusher).Flush()
			}
			select {
			case <-r.Context().Done(): // the client hung up
			case <-release:
			}
		})
		defer close(release)
		// The guard deadline is far beyond the policy's 200ms but before the
		// 10s default: if the policy's timeout were ignored, the guard fires
		// first and the test fails.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		c := outbound.New(outbound.Policy{AllowPrivate: true, Timeout: 200 * time.Millisecond})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tg.URL, nil)
		resp, err := c.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || ctx.Err() != nil {
			t.Errorf("%s: %v, want the client's timeout", tc.name, err)
		}
	}
}

// TestRequireHTTPS: production refuses http:// when saved and when sent;
// https to the same receiver goes through.
func TestRequireHTTPS(t *testing.T) {
	plain := newTarget(t, nil)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer secure.Close()
	tlsConf := secure.Client().Transport.(*http.Transport).TLSClientConfig.Clone()

	for _, requireHTTPS := range []bool{false, true} {
		c := outbound.New(outbound.Policy{AllowPrivate: true, RequireHTTPS: requireHTTPS, TLSConfig: tlsConf})
		err := c.CheckURL(context.Background(), plain.URL)
		resp, sendErr := post(t, c, plain.URL)
		if sendErr == nil {
			resp.Body.Close()
		}
		if requireHTTPS {
			refusedErr(t, err)
			refusedErr(t, sendErr)
			if plain.hits.Load() != 1 { // the one from requireHTTPS=false
				t.Errorf("http reached the receiver in production mode")
			}
		} else if err != nil || sendErr != nil {
			t.Errorf("http in development: %v, %v", err, sendErr)
		}
		if err := c.CheckURL(context.Background(), secure.URL); err != nil {
			t.Errorf("https (RequireHTTPS=%v): %v", requireHTTPS, err)
		}
		resp, err = post(t, c, secure.URL)
		if err != nil {
			t.Errorf("https (RequireHTTPS=%v): %v", requireHTTPS, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS == nil {
			t.Errorf("https: status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
		}
	}
}
