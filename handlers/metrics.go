package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"
)

// metrics lives in its own registry (no global default registry), so two
// handlers in one test process never collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(db *gorm.DB) (*metrics, error) {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crowdwise_http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "crowdwise_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(sqlDB, "crowdwise"),
		m.requests,
		m.latency,
	} {
		if err := m.registry.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// metricsHandler serves Prometheus metrics only to a scraper: a request
// carrying Authorization: Bearer METRICS_TOKEN, or one made directly (no
// forwarding headers) from loopback or a TRUSTED_PROXIES address. Everyone
// else, including visitors relayed by a local reverse proxy, gets a 404.
func (h *Handler) metricsHandler() echo.HandlerFunc {
	serve := echo.WrapHandler(promhttp.HandlerFor(h.metrics.registry, promhttp.HandlerOpts{}))
	return func(c echo.Context) error {
		if !h.mayScrape(c.Request()) {
			return echo.ErrNotFound
		}
		return serve(c)
	}
}

// forwardingHeaders mark a request relayed by a proxy for someone else.
var forwardingHeaders = []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"}

func (h *Handler) mayScrape(r *http.Request) bool {
	if tok := h.opts.MetricsToken; tok != "" {
		if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			// Compare digests so neither the content nor the length of the
			// token leaks through timing.
			a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(tok))
			if subtle.ConstantTimeCompare(a[:], b[:]) == 1 {
				return true
			}
		}
	}
	for _, k := range forwardingHeaders {
		if r.Header.Get(k) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	for _, n := range h.opts.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
