// Package handlers is the HTTP layer: routes, middleware, and handlers that
// bind input, call one models operation and render a page or JSON.
package handlers

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// Options is the part of the configuration the HTTP layer needs.
type Options struct {
	BaseURL        *url.URL
	Production     bool
	MaxBodyBytes   int64
	TrustedProxies []*net.IPNet
	SessionSecret  []byte
	DevLogin       bool
	Providers      []ProviderConfig
	AdminEmails    []string
	// MetricsToken, when set, lets a scraper read /metrics from anywhere
	// with Authorization: Bearer <token>; without it only loopback and
	// TRUSTED_PROXIES addresses may.
	MetricsToken string
	// SignInPerMinute limits sign-in starts and dev sign-ins per client IP.
	SignInPerMinute int
	Version         string
	// SchemaVersion is the migration version this binary expects; /readyz
	// reports 503 until the database has reached it.
	SchemaVersion int64
	// Outbound is the policy for every request to a URL from configuration
	// or an admin (webhooks, CRMs, trackers).
	Outbound outbound.Policy
	// FX converts account money into the reporting currency.
	FX models.FX
	// Trackers are the configured external trackers (promote, link).
	Trackers models.Trackers
	// TrackerWebhooks verify inbound tracker webhooks by provider; one
	// without an entry answers 404.
	TrackerWebhooks map[string]TrackerWebhook
	// CRMSources are the configured CRMs (models.SourceSalesforce,
	// models.SourceHubSpot) a sync may be asked of.
	CRMSources []string
	// AnonymousPageTTL is how long anonymous visitors may share a rendered
	// list page (pageCache): 0 is one second, negative turns sharing off.
	AnonymousPageTTL time.Duration
	// SimilarWait is how long an idea page waits for its similar ideas when
	// they are not cached (the search goes on in the background): 0 is
	// 100 ms, negative waits for them.
	SimilarWait time.Duration
}

// Handler owns the router and everything handlers need.
type Handler struct {
	opts      Options
	db        *gorm.DB
	log       *slog.Logger
	echo      *echo.Echo
	views     *viewSet
	assets    *assets
	metrics   *metrics
	providers *providerSet
	similar   *similarCache
	typed     *typedSimilarCache
	insights  *insightsCache
	anonPages *pageCache
	// ideaPages are the anonymous idea pages, kept apart from the lists
	// and fewer: a long thread's page can weigh a megabyte.
	ideaPages *pageCache
	outbound  *outbound.Client
	draining  atomic.Bool
	// hitPages are the anonymous search pages, kept apart so odd
	// queries cannot crowd the lists out.
	hitPages *pageCache
}

// New builds the router with every route and middleware.
func New(opts Options, db *gorm.DB, logger *slog.Logger) (*Handler, error) {
	if opts.SignInPerMinute <= 0 {
		opts.SignInPerMinute = 10
	}
	if opts.FX.Currency == "" {
		opts.FX, _ = models.ParseFX("", "") // USD, no other rates
	}
	for i := range opts.Providers {
		opts.Providers[i].Label = opts.Providers[i].label()
	}
	if opts.SimilarWait == 0 {
		opts.SimilarWait = 100 * time.Millisecond
	}
	h := &Handler{opts: opts, db: db, log: logger}
	h.providers = newProviderSet(opts.Providers, opts.BaseURL.String())
	h.similar = newSimilarCache(5*time.Minute, 10000)
	h.typed = newTypedSimilarCache(5*time.Minute, 10000)
	h.insights = newInsightsCache(2*time.Minute, 200)
	if opts.AnonymousPageTTL == 0 {
		opts.AnonymousPageTTL = time.Second
	}
	h.anonPages = newPageCache(opts.AnonymousPageTTL, 1000)
	h.ideaPages = newPageCache(opts.AnonymousPageTTL, 32)
	h.hitPages = newPageCache(opts.AnonymousPageTTL, 200)
	h.outbound = outbound.New(opts.Outbound)
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.views, err = loadViews(h.assets); err != nil {
		return nil, err
	}
	if h.metrics, err = newMetrics(db); err != nil {
		return nil, err
	}
	h.echo = echo.New()
	h.echo.HideBanner = true
	h.echo.HidePort = true
	h.echo.HTTPErrorHandler = h.handleError
	h.echo.IPExtractor = ipExtractor(opts.TrustedProxies)
	h.routes(h.echo)
	return h, nil
}

// ServeHTTP makes the Handler the server's http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.echo.ServeHTTP(w, r) }

// Drain turns readiness off so load balancers stop sending new traffic while
// in-flight requests finish.
func (h *Handler) Drain() { h.draining.Store(true) }

func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
