package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models/testdb"
)

func TestGracefulShutdownDrainsSlowRequest(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": testdb.URL(t), "CROWDWISE_SHUTDOWN_DELAY": "50ms"}))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := newServer(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	// A slow endpoint in front of the real router stands in for any long request.
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	})
	mux.Handle("/", s.handler)
	s.http.Handler = mux

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		slow <- result{status: res.StatusCode, body: string(b)}
	}()
	<-entered

	cancel() // what SIGTERM does through signal.NotifyContext
	// Readiness turns 503 as shutdown begins. Ask the handler in-process:
	// the listener may already be closed, and the answer must not depend on
	// how fast this machine is.
	for i := 0; ; i++ {
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		if rec.Code == http.StatusServiceUnavailable {
			break
		}
		if i > 1e6 {
			t.Fatalf("readyz never turned 503 during shutdown: %d", rec.Code)
		}
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("server stopped with a request in flight: %v", err)
	default:
	}

	close(release)
	r := <-slow
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request was cut: %+v", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("run returned %v, want a clean stop", err)
	}
	if !strings.Contains(logs.String(), "stopped cleanly") {
		t.Errorf("logs: %s", logs.String())
	}
	// The database handle is closed once the server stops.
	if err := s.db.Exec("SELECT 1").Error; err == nil {
		t.Error("database still open after shutdown")
	}
}

// The first thing an operator reads after start is the "serving" line: the
// job worker starts once the listener is up, and mail it logs (no
// SMTP_URL) comes after, one short line per email.
func TestServingIsLoggedBeforeTheJobWorkerRuns(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": testdb.URL(t)}))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := newServer(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	if s.stopWorker != nil || strings.Contains(logs.String(), "job worker started") {
		t.Error("the job worker started before the server listens")
	}
	// An email waiting in the queue, as after a restart.
	err = s.db.Exec(`WITH u AS (INSERT INTO users (name, email, email_verified) VALUES ('Ann', 'ann@example.com', true) RETURNING id),
		n AS (INSERT INTO notifications (user_id, kind, title, body, url) SELECT id, 'reply', 'Bob replied to you', ?, '/ideas/1' FROM u RETURNING id)
		INSERT INTO river_job (kind, args, queue, max_attempts) SELECT 'email', jsonb_build_object('notification_id', n.id), 'default', 8 FROM n`,
		strings.Repeat("A long reply. ", 300)).Error
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, ln) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "email not sent") {
		if time.Now().After(deadline) {
			t.Fatalf("the queued email was never handled:\n%s", logs.String())
		}
		runtime.Gosched()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	serving, mailed := strings.Index(out, "msg=serving"), strings.Index(out, "email not sent")
	if serving < 0 || serving > mailed || serving > strings.Index(out, "job worker started") {
		t.Errorf("the serving line is not first:\n%s", out)
	}
	line := out[mailed:]
	line = line[:strings.IndexByte(line, '\n')]
	if len(line) > 200 || strings.Contains(line, "A long reply") {
		t.Errorf("unsent email logged in %d bytes: %s", len(line), line)
	}
}

func TestUnreachableDatabaseFailsWithOneClearLine(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{
		"DATABASE_URL": "postgres://crowdwise:secretpw@" + addr + "/crowdwise?sslmode=disable",
	}), &stdout, &stderr)
	if code == 0 {
		t.Fatal("serve succeeded without a database")
	}
	out := strings.TrimSpace(stderr.String())
	if strings.Count(out, "\n") != 0 || !strings.Contains(out, "database unreachable") {
		t.Errorf("want one clear log line, got:\n%s", out)
	}
	if strings.Contains(out, "secretpw") || strings.Contains(out, "goroutine") {
		t.Errorf("log leaks a password or a stack trace:\n%s", out)
	}

	stderr.Reset()
	code = run(context.Background(), []string{"migrate"}, env(map[string]string{"DATABASE_URL": "not a url"}), &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "DATABASE_URL") {
		t.Errorf("bad DATABASE_URL: code %d, %q", code, stderr.String())
	}
}

func TestMigrateSeedAndVersionCommands(t *testing.T) {
	dsn := testdb.EmptyURL(t)
	var stdout, stderr bytes.Buffer
	getenv := env(map[string]string{"DATABASE_URL": dsn})
	for i := 0; i < 2; i++ {
		if code := run(context.Background(), []string{"migrate"}, getenv, &stdout, &stderr); code != 0 {
			t.Fatalf("migrate #%d = %d: %s", i+1, code, stderr.String())
		}
		if code := run(context.Background(), []string{"seed", "--demo"}, getenv, &stdout, &stderr); code != 0 {
			t.Fatalf("seed #%d = %d: %s", i+1, code, stderr.String())
		}
	}
	if code := run(context.Background(), []string{"seed"}, getenv, &stdout, &stderr); code == 0 {
		t.Error("seed without --demo must fail")
	}
	if code := run(context.Background(), []string{"version"}, getenv, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "crowdwise dev") {
		t.Errorf("version: %d %q", code, stdout.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, getenv, &stdout, &stderr); code != 2 {
		t.Errorf("unknown command = %d, want 2", code)
	}
}

// Migrations run without the request statement timeout: creating the
// schema has statements far longer than a millisecond (extensions, indexes,
// and at a million ideas minutes-long copies), and a migration cut short
// keeps the server from starting.
func TestMigrationsIgnoreTheRequestTimeout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	getenv := env(map[string]string{"DATABASE_URL": testdb.EmptyURL(t), "DB_STATEMENT_TIMEOUT": "1ms"})
	if code := run(context.Background(), []string{"migrate"}, getenv, &stdout, &stderr); code != 0 {
		t.Fatalf("migrate under a 1 ms request timeout = %d: %s", code, stderr.String())
	}
}

// `crowdwise rerender` renders stored posts again: one saved when raw HTML
// was dropped shows its text afterwards.
func TestRerenderCommand(t *testing.T) {
	dsn := testdb.URL(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id int64
	err = db.QueryRow(`WITH u AS (INSERT INTO users (name) VALUES ('Ann') RETURNING id)
		INSERT INTO ideas (title, body, body_html, category_id, author_id)
		SELECT 'Keep the table layout', 'keep the <table> layout', '<p>keep the  layout</p>', c.id, u.id
		FROM u, categories c WHERE c.slug = 'general' RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"rerender"}, env(map[string]string{"DATABASE_URL": dsn}), &stdout, &stderr); code != 0 {
		t.Fatalf("rerender = %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "rows_changed=1") {
		t.Errorf("rerender log: %s", stderr.String())
	}
	var html string
	db.QueryRow(`SELECT body_html FROM ideas WHERE id = $1`, id).Scan(&html)
	if !strings.Contains(html, "keep the &lt;table&gt; layout") {
		t.Errorf("stored HTML after rerender: %q", html)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
