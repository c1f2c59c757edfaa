package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.BaseURL.String() != "http://localhost:8080" || cfg.Env != "development" {
		t.Errorf("defaults: %+v", cfg)
	}
	if len(cfg.SessionSecret) < 32 {
		t.Errorf("development must generate a session secret, got %d bytes", len(cfg.SessionSecret))
	}
	if cfg.DBStatementTimeout != 30*time.Second || cfg.DBMaxOpenConns != 20 || cfg.DBMaxIdleConns != 20 || cfg.MaxBodyBytes != 1<<20 {
		t.Errorf("pool defaults: %+v", cfg)
	}
	if cfg.TrustedProxies != nil || cfg.DevLogin || cfg.MetricsToken != "" {
		t.Errorf("trusted proxies and dev login must be off by default: %+v", cfg)
	}

	cfg, err = loadConfig(env(map[string]string{
		"DATABASE_URL": "postgresql://u@db/x", "CROWDWISE_ENV": "production",
		"SESSION_SECRET": strings.Repeat("k", 40), "BASE_URL": "https://ideas.example.com/",
		"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7", "LOG_LEVEL": "debug", "DB_STATEMENT_TIMEOUT": "5s",
		"METRICS_TOKEN": "0123456789abcdef0123", "DB_MAX_OPEN_CONNS": "50",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL.String() != "https://ideas.example.com" || len(cfg.TrustedProxies) != 2 ||
		cfg.TrustedProxies[1].String() != "192.168.1.7/32" || cfg.LogFormat != "json" || cfg.DBStatementTimeout != 5*time.Second ||
		cfg.MetricsToken != "0123456789abcdef0123" || cfg.DBMaxIdleConns != 50 {
		t.Errorf("parsed: %+v", cfg)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	good := map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}
	cases := []struct {
		key, value string
		extra      map[string]string
	}{
		{"DATABASE_URL", "", nil},
		{"DATABASE_URL", "mysql://u@localhost/db", nil},
		{"CROWDWISE_ADDR", "8080", nil},
		{"BASE_URL", "localhost:8080", nil},
		{"BASE_URL", "ftp://example.com", nil},
		{"BASE_URL", "https://example.com/ideas", nil},
		{"CROWDWISE_ENV", "staging", nil},
		{"SESSION_SECRET", "short", nil},
		{"SESSION_SECRET", "", map[string]string{"CROWDWISE_ENV": "production"}},
		{"LOG_LEVEL", "loud", nil},
		{"LOG_FORMAT", "xml", nil},
		{"TRUSTED_PROXIES", "10.0.0.0/99", nil},
		{"TRUSTED_PROXIES", "proxy.local", nil},
		{"DB_MAX_OPEN_CONNS", "0", nil},
		{"DB_MAX_OPEN_CONNS", "many", nil},
		{"DB_MAX_IDLE_CONNS", "-1", nil},
		{"DB_STATEMENT_TIMEOUT", "10", nil},
		{"DB_STATEMENT_TIMEOUT", "-1s", nil},
		{"CROWDWISE_MAX_BODY_BYTES", "10", nil},
		{"CROWDWISE_SHUTDOWN_TIMEOUT", "soon", nil},
		{"CROWDWISE_DEV_LOGIN", "maybe", nil},
		{"CROWDWISE_ALLOW_PRIVATE_OUTBOUND", "sometimes", nil},
		{"METRICS_TOKEN", "short", nil},
		{"METRICS_TOKEN", "a token with spaces in it", nil},
		{"CROWDWISE_DEV_LOGIN", "true", map[string]string{"CROWDWISE_ENV": "production", "SESSION_SECRET": strings.Repeat("k", 32)}},
	}
	for _, tc := range cases {
		kv := map[string]string{}
		for k, v := range good {
			kv[k] = v
		}
		for k, v := range tc.extra {
			kv[k] = v
		}
		kv[tc.key] = tc.value
		_, err := loadConfig(env(kv))
		var ce *configError
		if !errors.As(err, &ce) || ce.Var != tc.key {
			t.Errorf("%s=%q: got %v, want an error naming %s", tc.key, tc.value, err, tc.key)
		}
	}
}

func TestConfigMail(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}
	with := func(kv map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range kv {
			out[k] = v
		}
		return out
	}
	cfg, err := loadConfig(env(base))
	if err != nil || cfg.SMTP != nil || cfg.MailFrom != "" {
		t.Fatalf("no SMTP_URL must mean log-only mail: %+v %v", cfg, err)
	}
	cfg, err = loadConfig(env(with(map[string]string{"SMTP_URL": "smtps://u:p@mail.example.com", "MAIL_FROM": "Crowdwise <ideas@example.com>"})))
	if err != nil || cfg.SMTP == nil || cfg.SMTP.String() != "smtps://mail.example.com:465" || cfg.MailFrom != `"Crowdwise" <ideas@example.com>` {
		t.Fatalf("SMTP config: %+v %v", cfg, err)
	}
	// MAIL_FROM alone is fine (used for logged mail).
	if _, err := loadConfig(env(with(map[string]string{"MAIL_FROM": "ideas@example.com"}))); err != nil {
		t.Errorf("MAIL_FROM without SMTP_URL: %v", err)
	}
	cases := []struct {
		key string
		kv  map[string]string
	}{
		{"MAIL_FROM", map[string]string{"SMTP_URL": "smtp://mail.example.com"}},
		{"MAIL_FROM", map[string]string{"SMTP_URL": "smtp://mail.example.com", "MAIL_FROM": "not an address"}},
		{"SMTP_URL", map[string]string{"SMTP_URL": "mail.example.com:587", "MAIL_FROM": "ideas@example.com"}},
		{"SMTP_URL", map[string]string{"SMTP_URL": "https://mail.example.com", "MAIL_FROM": "ideas@example.com"}},
		{"SMTP_URL", map[string]string{"SMTP_URL": "smtp://user:secretpw@", "MAIL_FROM": "ideas@example.com"}},
	}
	for _, tc := range cases {
		_, err := loadConfig(env(with(tc.kv)))
		var ce *configError
		if !errors.As(err, &ce) || ce.Var != tc.key {
			t.Errorf("%v: got %v, want an error naming %s", tc.kv, err, tc.key)
		} else if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("config error leaks the SMTP password: %v", err)
		}
	}
}

func TestConfigOutbound(t *testing.T) {
	prod := map[string]string{"CROWDWISE_ENV": "production", "SESSION_SECRET": strings.Repeat("k", 32)}
	cases := []struct {
		env                        map[string]string
		allowPrivate, requireHTTPS bool
	}{
		{nil, false, false},
		{map[string]string{"CROWDWISE_ALLOW_PRIVATE_OUTBOUND": "true"}, true, false},
		{map[string]string{"CROWDWISE_ALLOW_PRIVATE_OUTBOUND": "TRUE"}, true, false},
		{map[string]string{"CROWDWISE_ALLOW_PRIVATE_OUTBOUND": "1"}, true, false},
		{map[string]string{"CROWDWISE_ALLOW_PRIVATE_OUTBOUND": "false"}, false, false},
		{prod, false, true},
		{map[string]string{"CROWDWISE_ENV": "production", "SESSION_SECRET": strings.Repeat("k", 32), "CROWDWISE_ALLOW_PRIVATE_OUTBOUND": "yes"}, true, true},
	}
	for _, tc := range cases {
		kv := map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}
		for k, v := range tc.env {
			kv[k] = v
		}
		cfg, err := loadConfig(env(kv))
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		if cfg.Outbound.AllowPrivate != tc.allowPrivate || cfg.Outbound.RequireHTTPS != tc.requireHTTPS {
			t.Errorf("%v: outbound policy %+v, want AllowPrivate=%v RequireHTTPS=%v", tc.env, cfg.Outbound, tc.allowPrivate, tc.requireHTTPS)
		}
	}
}
