package handlers

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMetricsOnlyForScrapers asks /metrics from every kind of client: direct
// from loopback or a trusted proxy (allowed), relayed for someone else or
// from any other address (404), and with a right or wrong bearer token.
func TestMetricsOnlyForScrapers(t *testing.T) {
	const token = "metrics-token-0123456789"
	_, proxies, _ := net.ParseCIDR("10.1.0.0/16")
	for _, withToken := range []bool{false, true} {
		app := newTestApp(t, func(o *Options) {
			o.TrustedProxies = []*net.IPNet{proxies}
			if withToken {
				o.MetricsToken = token
			}
		})
		cases := []struct {
			name   string
			remote string
			header []string
			want   int
		}{
			{"loopback", "127.0.0.1:5000", nil, 200},
			{"loopback v6", "[::1]:5000", nil, 200},
			{"trusted proxy itself", "10.1.2.3:5000", nil, 200},
			{"visitor", "203.0.113.9:5000", nil, 404},
			{"private address not configured", "192.168.1.10:5000", nil, 404},
			{"visitor relayed by a local proxy", "127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.9"}, 404},
			{"visitor relayed by a trusted proxy", "10.1.2.3:5000", []string{"X-Forwarded-For", "203.0.113.9"}, 404},
			{"visitor claiming loopback", "203.0.113.9:5000", []string{"X-Forwarded-For", "127.0.0.1"}, 404},
			{"X-Real-IP relay", "127.0.0.1:5000", []string{"X-Real-IP", "203.0.113.9"}, 404},
			{"Forwarded relay", "127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.9"}, 404},
			{"wrong token", "203.0.113.9:5000", []string{"Authorization", "Bearer wrong-token-0123456789"}, 404},
			{"token prefix", "203.0.113.9:5000", []string{"Authorization", "Bearer " + token[:10]}, 404},
			{"token without Bearer", "203.0.113.9:5000", []string{"Authorization", token}, 404},
			{"right token", "203.0.113.9:5000", []string{"Authorization", "Bearer " + token}, 404},
			{"right token, relayed", "10.1.2.3:5000", []string{"Authorization", "Bearer " + token, "X-Forwarded-For", "203.0.113.9"}, 404},
		}
		for _, c := range cases {
			want := c.want
			if withToken && strings.HasPrefix(c.name, "right token") {
				want = 200
			}
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.RemoteAddr = c.remote
			for i := 0; i+1 < len(c.header); i += 2 {
				req.Header.Set(c.header[i], c.header[i+1])
			}
			rec := httptest.NewRecorder()
			app.h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != want {
				t.Errorf("token configured %v, %s: /metrics = %d, want %d", withToken, c.name, rec.Code, want)
			}
			if want == 404 && strings.Contains(body, "go_goroutines") {
				t.Errorf("token configured %v, %s: the 404 carries metrics", withToken, c.name)
			}
		}
	}
}

// TestFooterLinksNoMachineEndpoints: the footer is for people; the health,
// readiness and metrics endpoints answer machines in JSON or text.
func TestFooterLinksNoMachineEndpoints(t *testing.T) {
	app := newTestApp(t)
	for _, path := range []string{"/", "/roadmap", "/changelog", "/search", "/signin", "/no-such-page"} {
		_, body := do(t, app.client(), "GET", app.srv.URL+path, nil)
		i := strings.Index(body, `<footer`)
		if i < 0 {
			t.Errorf("%s has no footer", path)
			continue
		}
		for _, machine := range []string{`href="/healthz"`, `href="/readyz"`, `href="/metrics"`, `href="/api/`} {
			if strings.Contains(body[i:], machine) {
				t.Errorf("%s: the footer links %s", path, machine)
			}
		}
	}
}
