// Package testdb gives each test a fresh PostgreSQL database cloned from a
// template that was migrated once, so every model and handler test runs on
// real Postgres at the cost of a CREATE DATABASE (tens of milliseconds).
//
// TEST_DATABASE_URL names a maintenance database on a throwaway cluster
// (make test starts one); the harness creates and drops databases beside it.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// AdminURL is the maintenance database URL; the test fails when it is unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		t.Fatal("TEST_DATABASE_URL is not set; run the tests with `make test`, which starts a throwaway PostgreSQL")
	}
	return u
}

// Admin opens a connection to the maintenance database, closed at cleanup.
func Admin(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// URL creates a fresh, migrated database for t and returns its URL. The
// database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(admin) })
	if templateErr != nil {
		t.Fatalf("testdb: template: %v", templateErr)
	}
	return create(t, admin, templateName)
}

// EmptyURL creates a fresh database with no schema at all.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, AdminURL(t), "template0")
}

// Open returns a GORM handle on a fresh, migrated database.
func Open(t testing.TB) *gorm.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := models.Open(ctx, URL(t), models.DBOptions{MaxOpenConns: 20, StatementTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.SQLDB(db).Close() })
	return db
}

// WithDatabase returns dsn pointed at another database name.
func WithDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func create(t testing.TB, admin, template string) string {
	t.Helper()
	name := "test_" + randomHex(8)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Two clones started at the same instant can see each other on the
	// template; retry briefly instead of failing the test.
	for attempt := 0; ; attempt++ {
		_, err = db.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, template))
		if err == nil || !strings.Contains(err.Error(), "being accessed by other users") || attempt > 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	})
	return WithDatabase(admin, name)
}

// ensureTemplate migrates a template database named after the migrations'
// content, once per cluster; test binaries of several packages race for it,
// so the work runs under an advisory lock.
func ensureTemplate(admin string) (string, error) {
	name := "tpl_" + migrationsHash()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727272)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(727272)`)

	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE template0`, building)); err != nil {
		return "", err
	}
	tdb, err := sql.Open("pgx", WithDatabase(admin, building))
	if err != nil {
		return "", err
	}
	_, err = migrations.Up(ctx, tdb, nil)
	tdb.Close()
	if err != nil {
		return "", err
	}
	// Renaming only after a complete migration means a crashed run never
	// leaves a half-built template under the final name.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %q RENAME TO %q`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	names, _ := fs.Glob(migrations.FS(), "*.sql")
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS(), n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
