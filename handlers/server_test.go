package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// testApp is the real router on a fresh database behind a real HTTP server.
type testApp struct {
	h      *Handler
	srv    *httptest.Server
	db     *gorm.DB
	dbName string
}

func testOptions() Options {
	base, _ := url.Parse("http://localhost:8080")
	return Options{
		BaseURL:       base,
		MaxBodyBytes:  64 << 10,
		SessionSecret: []byte(strings.Repeat("s", 32)),
		DevLogin:      true,
		Version:       "test",
		SchemaVersion: migrations.Latest(),
	}
}

func newTestApp(t *testing.T, mutate ...func(*Options)) *testApp {
	t.Helper()
	dsn := testdb.URL(t)
	return newTestAppOn(t, dsn, mutate...)
}

func newTestAppOn(t *testing.T, dsn string, mutate ...func(*Options)) *testApp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := models.Open(ctx, dsn, models.DBOptions{MaxOpenConns: 20, StatementTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.SQLDB(db).Close() })
	opts := testOptions()
	for _, m := range mutate {
		m(&opts)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, err := New(opts, db, logger)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(dsn)
	return &testApp{h: h, srv: srv, db: db, dbName: strings.TrimPrefix(u.Path, "/")}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client returns an HTTP client with its own cookie jar that does not follow
// redirects, so tests see every 302/303 themselves.
func (a *testApp) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, c *http.Client, method, u string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}
