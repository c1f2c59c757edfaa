package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/handlers"
	"github.com/crowdwise/crowdwise/integrations/mail"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// config is everything the binary reads from the environment, parsed once at
// start. Every variable is documented in README.md.
type config struct {
	DatabaseURL        string
	Addr               string
	BaseURL            *url.URL
	Env                string
	SessionSecret      []byte
	LogLevel           slog.Level
	LogFormat          string
	TrustedProxies     []*net.IPNet
	DBMaxOpenConns     int
	DBMaxIdleConns     int
	DBStatementTimeout time.Duration
	MaxBodyBytes       int64
	ShutdownTimeout    time.Duration
	ShutdownDelay      time.Duration
	DevLogin           bool
	Providers          []handlers.ProviderConfig
	AdminEmails        []string
	SignInPerMinute    int
	// MetricsToken lets a scraper read /metrics from outside loopback
	// and TRUSTED_PROXIES with Authorization: Bearer <token>.
	MetricsToken string
	// SMTP sends notification emails; nil writes them to the log instead.
	SMTP     *mail.SMTP
	MailFrom string
	// Outbound is the policy for requests to URLs admins enter (webhooks,
	// CRMs, trackers): https only in production, private destinations only
	// with CROWDWISE_ALLOW_PRIVATE_OUTBOUND. Issue 11's delivery job uses it.
	Outbound outbound.Policy
	// FX is the reporting currency and the rates that convert account money
	// into it (CROWDWISE_CURRENCY, CROWDWISE_FX).
	FX models.FX
	// Backlog is the trackers, BACKLOG_POLL_INTERVAL and CRM_WRITEBACK.
	Backlog backlogConfig
	// CRM is the Salesforce and HubSpot syncs (SALESFORCE_*, HUBSPOT_*,
	// CRM_SYNC_INTERVAL).
	CRM crmConfig
}

// configError names the variable that was wrong and why.
type configError struct{ Var, Reason string }

func (e *configError) Error() string { return fmt.Sprintf("config: %s %s", e.Var, e.Reason) }

func (c *config) production() bool { return c.Env == "production" }

// loadConfig reads the environment through getenv so tests can pass a map.
func loadConfig(getenv func(string) string) (*config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := &config{
		DatabaseURL: get("DATABASE_URL", ""),
		Addr:        get("CROWDWISE_ADDR", ":8080"),
		Env:         get("CROWDWISE_ENV", "development"),
	}
	if c.DatabaseURL == "" {
		return nil, &configError{"DATABASE_URL", "is required (e.g. postgres://user:pass@localhost:5432/crowdwise)"}
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, &configError{"DATABASE_URL", "must be a postgres:// URL"}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, &configError{"CROWDWISE_ADDR", "must be host:port or :port"}
	}
	if c.Env != "development" && c.Env != "production" {
		return nil, &configError{"CROWDWISE_ENV", `must be "development" or "production"`}
	}
	base, err := url.Parse(get("BASE_URL", "http://localhost:8080"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || (base.Path != "" && base.Path != "/") || base.RawQuery != "" {
		return nil, &configError{"BASE_URL", "must be an absolute http(s) URL without a path, e.g. https://ideas.example.com"}
	}
	base.Path = ""
	c.BaseURL = base

	if s := getenv("SESSION_SECRET"); s != "" {
		if len(s) < 32 {
			return nil, &configError{"SESSION_SECRET", "must be at least 32 bytes"}
		}
		c.SessionSecret = []byte(s)
	} else if c.production() {
		return nil, &configError{"SESSION_SECRET", "is required in production (at least 32 random bytes)"}
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		c.SessionSecret = []byte(base64.RawURLEncoding.EncodeToString(b))
	}

	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL", "info"))); err != nil {
		return nil, &configError{"LOG_LEVEL", "must be debug, info, warn or error"}
	}
	defFormat := "text"
	if c.production() {
		defFormat = "json"
	}
	c.LogFormat = get("LOG_FORMAT", defFormat)
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, &configError{"LOG_FORMAT", `must be "text" or "json"`}
	}

	for _, cidr := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		if !strings.Contains(cidr, "/") {
			if ip := net.ParseIP(cidr); ip != nil && ip.To4() != nil {
				cidr += "/32"
			} else {
				cidr += "/128"
			}
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return nil, &configError{"TRUSTED_PROXIES", fmt.Sprintf("has %q, which is not a CIDR (e.g. 10.0.0.0/8)", cidr)}
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}

	ints := []struct {
		key      string
		def      int64
		min, max int64
		dst      func(int64)
	}{
		{"DB_MAX_OPEN_CONNS", 20, 1, 1000, func(v int64) { c.DBMaxOpenConns = int(v) }},
		{"DB_MAX_IDLE_CONNS", -1, 0, 1000, func(v int64) { c.DBMaxIdleConns = int(v) }},
		{"CROWDWISE_MAX_BODY_BYTES", 1 << 20, 1024, 1 << 30, func(v int64) { c.MaxBodyBytes = v }},
		{"SIGNIN_RATE_PER_MINUTE", 10, 1, 10000, func(v int64) { c.SignInPerMinute = int(v) }},
	}
	for _, it := range ints {
		v, err := strconv.ParseInt(get(it.key, strconv.FormatInt(it.def, 10)), 10, 64)
		if it.def == -1 && v == -1 && err == nil && get(it.key, "") == "" {
			// Idle defaults to open: a pool that keeps fewer idle than it
			// opens under load closes and reopens connections all the time
			// (measured: ~550 reconnects per 15 s, p99 78 → 32 ms when equal).
			v = int64(c.DBMaxOpenConns)
		}
		if err != nil || v < it.min || v > it.max {
			return nil, &configError{it.key, fmt.Sprintf("must be an integer from %d to %d", it.min, it.max)}
		}
		it.dst(v)
	}

	durations := []struct {
		key, def string
		dst      *time.Duration
	}{
		{"DB_STATEMENT_TIMEOUT", "30s", &c.DBStatementTimeout},
		{"CROWDWISE_SHUTDOWN_TIMEOUT", "20s", &c.ShutdownTimeout},
		{"CROWDWISE_SHUTDOWN_DELAY", "0s", &c.ShutdownDelay},
	}
	for _, d := range durations {
		v, err := time.ParseDuration(get(d.key, d.def))
		if err != nil || v < 0 {
			return nil, &configError{d.key, `must be a duration such as "30s" or "2m"`}
		}
		*d.dst = v
	}

	switch v := strings.ToLower(get("CROWDWISE_DEV_LOGIN", "false")); v {
	case "true", "1", "yes":
		c.DevLogin = true
	case "false", "0", "no":
	default:
		return nil, &configError{"CROWDWISE_DEV_LOGIN", `must be "true" or "false"`}
	}
	if c.DevLogin && c.production() {
		return nil, &configError{"CROWDWISE_DEV_LOGIN", "must not be enabled when CROWDWISE_ENV=production"}
	}
	c.Outbound.RequireHTTPS = c.production()
	switch v := strings.ToLower(get("CROWDWISE_ALLOW_PRIVATE_OUTBOUND", "false")); v {
	case "true", "1", "yes":
		c.Outbound.AllowPrivate = true
	case "false", "0", "no":
	default:
		return nil, &configError{"CROWDWISE_ALLOW_PRIVATE_OUTBOUND", `must be "true" or "false"`}
	}
	fx, err := models.ParseFX(get("CROWDWISE_CURRENCY", "USD"), getenv("CROWDWISE_FX"))
	if err != nil {
		return nil, &configError{"CROWDWISE_CURRENCY/CROWDWISE_FX", err.Error()}
	}
	c.FX = fx
	for _, e := range strings.Split(getenv("CROWDWISE_ADMIN_EMAILS"), ",") {
		if e = strings.TrimSpace(e); e != "" {
			if !strings.Contains(e, "@") {
				return nil, &configError{"CROWDWISE_ADMIN_EMAILS", fmt.Sprintf("has %q, which is not an email address", e)}
			}
			c.AdminEmails = append(c.AdminEmails, e)
		}
	}
	if tok := getenv("METRICS_TOKEN"); tok != "" {
		if len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n") {
			return nil, &configError{"METRICS_TOKEN", "must be at least 16 characters without spaces (e.g. openssl rand -hex 32)"}
		}
		c.MetricsToken = tok
	}
	if err := loadMail(c, getenv); err != nil {
		return nil, err
	}
	if err := loadBacklog(c, getenv); err != nil {
		return nil, err
	}
	if err := loadCRM(c, getenv); err != nil {
		return nil, err
	}
	return c, loadProviders(c, getenv)
}

// loadMail reads SMTP_URL and MAIL_FROM. Without SMTP_URL emails are
// logged, not sent, so development needs no mail server.
func loadMail(c *config, getenv func(string) string) error {
	if raw := strings.TrimSpace(getenv("SMTP_URL")); raw != "" {
		s, err := mail.ParseURL(raw)
		if err != nil {
			return &configError{"SMTP_URL", err.Error()}
		}
		c.SMTP = s
	}
	from := strings.TrimSpace(getenv("MAIL_FROM"))
	if from == "" {
		if c.SMTP != nil {
			return &configError{"MAIL_FROM", `is required when SMTP_URL is set (e.g. "Crowdwise <ideas@example.com>")`}
		}
		return nil
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return &configError{"MAIL_FROM", `must be an email address, e.g. "Crowdwise <ideas@example.com>" or ideas@example.com`}
	}
	c.MailFrom = a.String()
	return nil
}

// providerEnv maps each provider's route name to its variable prefix.
var providerEnv = map[string][]string{
	"github": {"GITHUB"}, "google": {"GOOGLE"}, "microsoft": {"MICROSOFT"}, "facebook": {"FACEBOOK"},
	"x": {"X", "TWITTER"}, "linkedin": {"LINKEDIN"}, "apple": {"APPLE"}, "gitlab": {"GITLAB"}, "oidc": {"OIDC"},
}

// loadProviders enables each provider whose client id is set; a client id
// without its secret (or an OIDC provider without an issuer) is an error.
func loadProviders(c *config, getenv func(string) string) error {
	for _, name := range handlers.ProviderNames {
		for _, prefix := range providerEnv[name] {
			id, secret := strings.TrimSpace(getenv(prefix+"_CLIENT_ID")), strings.TrimSpace(getenv(prefix+"_CLIENT_SECRET"))
			if id == "" && secret == "" {
				continue
			}
			if id == "" {
				return &configError{prefix + "_CLIENT_ID", "is required when " + prefix + "_CLIENT_SECRET is set"}
			}
			if secret == "" {
				return &configError{prefix + "_CLIENT_SECRET", "is required when " + prefix + "_CLIENT_ID is set"}
			}
			p := handlers.ProviderConfig{Name: name, ClientID: id, ClientSecret: secret}
			if name == "oidc" {
				p.Label = strings.TrimSpace(getenv("OIDC_NAME"))
				iss, err := url.Parse(strings.TrimSpace(getenv("OIDC_ISSUER")))
				if err != nil || (iss.Scheme != "https" && iss.Scheme != "http") || iss.Host == "" {
					return &configError{"OIDC_ISSUER", "must be the issuer URL, e.g. https://login.example.com/realms/acme"}
				}
				if iss.Scheme == "http" && c.production() {
					return &configError{"OIDC_ISSUER", "must use https in production"}
				}
				p.Issuer = iss.String()
			}
			c.Providers = append(c.Providers, p)
			break
		}
	}
	return nil
}
