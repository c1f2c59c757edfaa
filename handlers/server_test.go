package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// testApp is the real router on a fresh database behind a real HTTP server.
type testApp struct {
	h       *Handler
	srv     *httptest.Server
	db      *gorm.DB
	dbName  string
	queries *queryCounter // every statement the app sends
}

// queryCounter is a pgx tracer counting the statements sent on the app's
// connections, GORM's and those sent on a connection directly, and keeping
// them while a test records.
type queryCounter struct {
	n         atomic.Int64
	mu        sync.Mutex
	recording bool
	sent      []tracedQuery
}

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.mu.Lock()
	if c.recording {
		c.sent = append(c.sent, tracedQuery{sql: d.SQL, args: d.Args})
	}
	c.mu.Unlock()
	return ctx
}

// tracedQuery is a statement the app sent, with its arguments.
type tracedQuery struct {
	sql  string
	args []any
}

// record keeps the statements sent from now until stop, which returns them.
func (c *queryCounter) record() {
	c.mu.Lock()
	c.recording, c.sent = true, nil
	c.mu.Unlock()
}

func (c *queryCounter) stop() []tracedQuery {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recording = false
	return c.sent
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func testOptions() Options {
	base, _ := url.Parse("http://localhost:8080")
	return Options{
		BaseURL:       base,
		MaxBodyBytes:  64 << 10,
		SessionSecret: []byte(strings.Repeat("s", 32)),
		DevLogin:      true,
		Version:       "test",
		SchemaVersion: migrations.Latest(),
		// Tests change rows behind the app's back; the tests of the shared
		// anonymous page turn it on.
		AnonymousPageTTL: -1,
		// Small tests' searches are fast, but a loaded machine must not
		// make a page show its similar ideas as pending.
		SimilarWait: -1,
	}
}

func newTestApp(t *testing.T, mutate ...func(*Options)) *testApp {
	t.Helper()
	app := newTestAppOn(t, testdb.URL(t), mutate...)
	// Tests act faster than any member; they get generous limits unless they
	// set their own with app.limits.
	if err := app.db.Exec(relaxedLimits).Error; err != nil {
		t.Fatal(err)
	}
	return app
}

func newTestAppOn(t *testing.T, dsn string, mutate ...func(*Options)) *testApp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	queries := &queryCounter{}
	db, err := models.Open(ctx, dsn, models.DBOptions{MaxOpenConns: 20, StatementTimeout: time.Minute, Tracer: queries})
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
	return &testApp{h: h, srv: srv, db: db, dbName: strings.TrimPrefix(u.Path, "/"), queries: queries}
}

const relaxedLimits = `UPDATE site_settings SET ideas_per_hour = 1000, comment_interval_seconds = 0,
	votes_per_minute = 100000, duplicate_window_minutes = 0, new_member_max_links = 1000, per_ip_actions_per_minute = 100000,
	signups_per_ip_per_hour = 100000, votes_per_day = 100000`

// limits sets site_settings columns for a test of the limits themselves.
func (a *testApp) limits(t *testing.T, set string) {
	t.Helper()
	if err := a.db.Exec(`UPDATE site_settings SET ` + set).Error; err != nil {
		t.Fatal(err)
	}
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

// csrfOf returns the CSRF token for c's cookie jar, as a script would get it.
func (a *testApp) csrfOf(t *testing.T, c *http.Client) string {
	t.Helper()
	_, body := do(t, c, "GET", a.srv.URL+"/api/v1/me", nil)
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil || me.CSRF == "" {
		t.Fatalf("no csrf token from /api/v1/me: %s", body)
	}
	return me.CSRF
}

// form posts url-encoded values with the client's CSRF token.
func (a *testApp) form(t *testing.T, c *http.Client, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	v.Set("_csrf", a.csrfOf(t, c))
	return do(t, c, "POST", a.srv.URL+path, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// api sends JSON with the client's CSRF token.
func (a *testApp) api(t *testing.T, c *http.Client, method, path, jsonBody string) (*http.Response, string) {
	t.Helper()
	return do(t, c, method, a.srv.URL+path, strings.NewReader(jsonBody),
		"Content-Type", "application/json", "X-CSRF-Token", a.csrfOf(t, c))
}

// signIn signs a new client in through dev sign-in and returns it with the user.
func (a *testApp) signIn(t *testing.T, email string) (*http.Client, *models.User) {
	t.Helper()
	c := a.client()
	res, body := a.form(t, c, "/auth/dev", url.Values{"email": {email}, "name": {strings.Split(email, "@")[0]}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dev sign-in as %s = %d: %s", email, res.StatusCode, body)
	}
	var u models.User
	if err := a.db.Where("lower(email) = lower(?)", email).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	return c, &u
}

// signInAs signs in a user with the given role.
func (a *testApp) signInAs(t *testing.T, email, role string) (*http.Client, *models.User) {
	t.Helper()
	c, u := a.signIn(t, email)
	if err := a.db.Model(u).Update("role", role).Error; err != nil {
		t.Fatal(err)
	}
	u.Role = role
	return c, u
}

// sessionCookie is the value of the session cookie c holds for the app.
func (a *testApp) sessionCookie(c *http.Client) string {
	u, _ := url.Parse(a.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "session" {
			return ck.Value
		}
	}
	return ""
}
