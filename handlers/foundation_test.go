package handlers

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

func TestHomePageAndSecurityHeaders(t *testing.T) {
	app := newTestApp(t)
	res, body := do(t, app.client(), "GET", app.srv.URL+"/", nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	for _, want := range []string{"<title>Ideas · Crowdwise</title>", `href="/static/css/app.css?v=`, `class="site-header"`, "Sign in"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("nosniff = %q", got)
	}
	if res.Header.Get("Referrer-Policy") == "" {
		t.Error("no Referrer-Policy")
	}
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent for an http BASE_URL")
	}
	if regexp.MustCompile(`<script>|\son[a-z]+="`).MatchString(body) {
		t.Error("page has inline script or event handler attributes")
	}

	https := newTestApp(t, func(o *Options) { o.BaseURL, _ = url.Parse("https://ideas.example.com") })
	res, _ = do(t, https.client(), "GET", https.srv.URL+"/", nil)
	if !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS for an https BASE_URL: %v", res.Header)
	}
}

func TestUnknownRoutes(t *testing.T) {
	app := newTestApp(t)
	res, body := do(t, app.client(), "GET", app.srv.URL+"/no/such/page", nil)
	if res.StatusCode != 404 || !strings.Contains(body, "We couldn&#39;t find that page") || !strings.Contains(body, "site-header") {
		t.Fatalf("404 page: %d %s", res.StatusCode, body)
	}
	res, body = do(t, app.client(), "GET", app.srv.URL+"/api/v1/nothing", nil)
	var e struct{ Error apiError }
	if res.StatusCode != 404 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "not_found" {
		t.Fatalf("API 404: %d %s", res.StatusCode, body)
	}
}

func TestOversizeBodyIs413OnAnyRoute(t *testing.T) {
	app := newTestApp(t) // limit 64 KiB
	big := strings.Repeat("x", 65<<10)
	for _, path := range []string{"/", "/no/such/page", "/api/v1/nothing", "/healthz"} {
		res, _ := do(t, app.client(), "POST", app.srv.URL+path, strings.NewReader(big), "Content-Type", "application/x-www-form-urlencoded")
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with 65 KiB = %d, want 413", path, res.StatusCode)
		}
	}
	res, _ := do(t, app.client(), "POST", app.srv.URL+"/no/such/page", strings.NewReader("small"))
	if res.StatusCode != 404 {
		t.Errorf("small body = %d, want 404", res.StatusCode)
	}
}

func TestErrorHandlerMapsTypedErrors(t *testing.T) {
	app := newTestApp(t)
	cases := []struct {
		err    error
		status int
		code   string
		text   string
	}{
		{models.ErrNotFound, 404, "not_found", "not found"},
		{models.NotFound("No idea 42"), 404, "not_found", "No idea 42"},
		{models.Conflict("This idea was merged"), 409, "conflict", "This idea was merged"},
		{models.Forbidden("Moderators only"), 403, "forbidden", "Moderators only"},
		{models.ErrUnauthorized, 401, "unauthorized", "sign-in required"},
		{&models.ValidationError{Fields: map[string]string{"title": "Title is too short"}}, 422, "validation_failed", "Title is too short"},
		{&models.Problem{Kind: models.ErrRateLimited, Message: "Too many ideas"}, 429, "rate_limited", "Too many ideas"},
		{echo.NewHTTPError(http.StatusBadRequest, "Bad id"), 400, "bad_request", "Bad id"},
		{errors.New(`ERROR: relation "secret_table" does not exist (SQLSTATE 42P01)`), 500, "internal", "Something went wrong"},
	}
	for i, tc := range cases {
		err := tc.err
		path := "/case" + string(rune('a'+i))
		app.h.echo.GET("/api"+path, func(echo.Context) error { return err })
		app.h.echo.GET(path, func(echo.Context) error { return err })

		res, body := do(t, app.client(), "GET", app.srv.URL+"/api"+path, nil)
		var e struct{ Error apiError }
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%v: API body is not JSON: %s", tc.err, body)
		}
		if res.StatusCode != tc.status || e.Error.Code != tc.code || !strings.Contains(body, tc.text) {
			t.Errorf("%v: API got %d %s", tc.err, res.StatusCode, body)
		}
		if tc.status == 422 && e.Error.Fields["title"] != "Title is too short" {
			t.Errorf("validation fields lost: %s", body)
		}

		res, body = do(t, app.client(), "GET", app.srv.URL+path, nil)
		if res.StatusCode != tc.status || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%v: page got %d %s", tc.err, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if tc.status == 429 && res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		if strings.Contains(body, "secret_table") || strings.Contains(body, "SQLSTATE") {
			t.Errorf("internal error text leaked: %s", body)
		}
	}
}

func TestPanicBecomes500(t *testing.T) {
	app := newTestApp(t)
	app.h.echo.GET("/boom", func(echo.Context) error { panic("kaboom secret") })
	res, body := do(t, app.client(), "GET", app.srv.URL+"/boom", nil)
	if res.StatusCode != 500 || strings.Contains(body, "kaboom") {
		t.Fatalf("panic: %d %s", res.StatusCode, body)
	}
}

func TestStaticAssetsAreCacheBusted(t *testing.T) {
	app := newTestApp(t)
	assetURL := app.h.assets.url("css/app.css")
	res, body := do(t, app.client(), "GET", app.srv.URL+assetURL, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || len(body) < 100 {
		t.Fatalf("GET %s = %d %s", assetURL, res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned asset Cache-Control = %q", cc)
	}
	res, _ = do(t, app.client(), "GET", app.srv.URL+"/static/css/app.css?v=old", nil)
	if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("stale version cached forever: %q", cc)
	}
	res, _ = do(t, app.client(), "GET", app.srv.URL+assetURL, nil, "If-None-Match", res.Header.Get("ETag"))
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET = %d", res.StatusCode)
	}
	res, _ = do(t, app.client(), "GET", app.srv.URL+"/static/../embed.go", nil)
	if res.StatusCode != 404 {
		t.Errorf("path escape = %d", res.StatusCode)
	}
}

func TestMetricsExposeRequestsRuntimeAndPool(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	do(t, c, "GET", app.srv.URL+"/", nil)
	do(t, c, "GET", app.srv.URL+"/missing", nil)
	res, body := do(t, c, "GET", app.srv.URL+"/metrics", nil)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics = %d", res.StatusCode)
	}
	for _, want := range []string{
		`crowdwise_http_requests_total{method="GET",route="/",status="200"} 1`,
		`crowdwise_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`crowdwise_http_request_duration_seconds_bucket{method="GET",route="/"`,
		"go_goroutines",
		`go_sql_max_open_connections{db_name="crowdwise"} 20`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestHealthAndReadinessFollowTheDatabase(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	readyz := func() (int, string) {
		res, body := do(t, c, "GET", app.srv.URL+"/readyz", nil)
		return res.StatusCode, body
	}
	if code, body := readyz(); code != 200 {
		t.Fatalf("readyz on a healthy database = %d %s", code, body)
	}

	// Take the database away: refuse new connections and cut existing ones.
	admin := testdb.Admin(t)
	mustExec(t, admin, `ALTER DATABASE "`+app.dbName+`" ALLOW_CONNECTIONS false`)
	mustExec(t, admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, app.dbName)
	if code, _ := readyz(); code != 503 {
		t.Fatalf("readyz with the database down = %d, want 503", code)
	}
	if res, _ := do(t, c, "GET", app.srv.URL+"/healthz", nil); res.StatusCode != 200 {
		t.Errorf("healthz must not depend on the database: %d", res.StatusCode)
	}

	// It comes back by itself once the database does.
	mustExec(t, admin, `ALTER DATABASE "`+app.dbName+`" ALLOW_CONNECTIONS true`)
	if code, body := readyz(); code != 200 {
		t.Fatalf("readyz after the database returned = %d %s", code, body)
	}

	app.h.Drain()
	if code, body := readyz(); code != 503 || !strings.Contains(body, "draining") {
		t.Fatalf("readyz while draining = %d %s", code, body)
	}
}

func TestReadinessWaitsForTheSchema(t *testing.T) {
	app := newTestAppOn(t, testdb.EmptyURL(t))
	res, body := do(t, app.client(), "GET", app.srv.URL+"/readyz", nil)
	if res.StatusCode != 503 || !strings.Contains(body, "schema at version 0") {
		t.Fatalf("readyz on an unmigrated database = %d %s", res.StatusCode, body)
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// A request the client abandons is recorded as 499, not as a server error,
// whatever error the abandoned work ends with: a cancelled query, or the
// driver's "bad connection" for the connection it dropped mid-query.
func TestAbandonedRequestIs499(t *testing.T) {
	app := newTestApp(t)
	for route, fail := range map[string]func(c echo.Context) error{
		"/slowdb": func(c echo.Context) error {
			return app.db.WithContext(c.Request().Context()).Exec("SELECT pg_sleep(5)").Error
		},
		"/badconn": func(echo.Context) error { return fmt.Errorf("query: %w", driver.ErrBadConn) },
	} {
		entered := make(chan struct{})
		app.h.echo.GET(route, func(c echo.Context) error {
			close(entered)
			<-c.Request().Context().Done()
			return fail(c)
		})
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", app.srv.URL+route, nil)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		}()
		<-entered
		cancel()
		<-done
		// The handler may still be finishing; scrape until its request is counted.
		for i := 0; ; i++ {
			_, body := do(t, app.client(), "GET", app.srv.URL+"/metrics", nil)
			if strings.Contains(body, `route="`+route+`",status="499"`) {
				break
			}
			if strings.Contains(body, `route="`+route+`",status="500"`) || i > 1000 {
				t.Fatalf("abandoned request not counted as 499:\n%s", grepLines(body, route))
			}
			runtime.Gosched()
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
