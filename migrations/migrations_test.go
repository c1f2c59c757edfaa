package migrations_test

import (
	"context"
	"database/sql"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models"
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

// An existing database's audit entries get chained by migration 00006, so
// `crowdwise audit verify` passes on them, and new entries link on.
func TestMigrationChainsExistingAuditLog(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyURL(t)
	sqlDB, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (name, role) VALUES ('Ada', 'admin')`,
		`INSERT INTO audit_log (actor_id, action, target_type, target_id, before, after, created_at)
			VALUES (1, 'user.role', 'user', 1, '{"role":"member"}', '{"role":"admin","reason":"ünïcode"}', '2024-05-06 07:08:09.123456+02')`,
		`INSERT INTO audit_log (action, target_type) VALUES ('system.test', 'none')`,
		`INSERT INTO audit_log (actor_id, action, target_type, target_id) VALUES (1, 'idea.hide', 'idea', 7)`,
	} {
		if _, err := sqlDB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// A gap in the ids, as rolled-back inserts leave.
	sqlDB.ExecContext(ctx, `SELECT nextval('audit_log_id_seq')`)
	sqlDB.ExecContext(ctx, `INSERT INTO audit_log (action, target_type) VALUES ('system.after_gap', 'none')`)
	if _, err := migrations.Up(ctx, sqlDB, nil); err != nil {
		t.Fatal(err)
	}

	db, err := models.Open(ctx, dsn, models.DBOptions{MaxOpenConns: 2, StatementTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer models.SQLDB(db).Close()
	if c, err := models.VerifyAuditLog(ctx, db); err != nil || !c.OK() || c.Entries != 4 {
		t.Fatalf("verify after the migration: %+v %v", c, err)
	}
	if _, err := sqlDB.ExecContext(ctx, `INSERT INTO audit_log (action, target_type) VALUES ('system.new', 'none')`); err != nil {
		t.Fatal(err)
	}
	if c, err := models.VerifyAuditLog(ctx, db); err != nil || !c.OK() || c.Entries != 5 {
		t.Fatalf("verify after a new entry: %+v %v", c, err)
	}
	// The migration rolls back and applies again.
	if _, err := p.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, sqlDB, nil); err != nil {
		t.Fatal(err)
	}
	if c, err := models.VerifyAuditLog(ctx, db); err != nil || !c.OK() || c.Entries != 5 {
		t.Fatalf("verify after down and up: %+v %v", c, err)
	}
}
