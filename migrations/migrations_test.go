package migrations_test

import (
	"context"
	"database/sql"
	"io/fs"
	"sync"
	"testing"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// Two replicas starting together on an empty database must both succeed and
// apply every migration exactly once.
func TestMigrationsApplyOnEmptyDatabaseConcurrently(t *testing.T) {
	dsn := testdb.EmptyURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			_, errs[i] = migrations.Up(context.Background(), db, nil)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := migrations.Current(context.Background(), db)
	if err != nil || v != migrations.Latest() || v < 1 {
		t.Fatalf("version %d (%v), want %d", v, err, migrations.Latest())
	}
	var applied int
	db.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied)
	// Counted from the files: numbers reserved for work not merged yet
	// leave gaps.
	files, _ := fs.Glob(migrations.FS(), "*.sql")
	if applied != len(files) {
		t.Errorf("%d migration rows for %d migrations: something ran twice", applied, len(files))
	}
	var ext int
	db.QueryRow(`SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent')`).Scan(&ext)
	if ext != 2 {
		t.Errorf("extensions installed: %d, want pg_trgm and unaccent", ext)
	}
	if _, err := db.Exec(`INSERT INTO users (name, role) VALUES ('x', 'superuser')`); err == nil {
		t.Error("users.role accepts an unknown role")
	}
}
