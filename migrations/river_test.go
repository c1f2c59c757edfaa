package migrations_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// 00013 moves the outbox's pending email and member-digest jobs into River
// and drops the outbox; finished, dead and day-level digest jobs do not move.
func TestRiverMigrationMovesPendingOutboxJobs(t *testing.T) {
	ctx := context.Background()
	sqlDB, err := sql.Open("pgx", testdb.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	if err := migrations.UpTo(ctx, sqlDB, 12); err != nil {
		t.Fatal(err)
	}
	_, err = sqlDB.ExecContext(ctx, `INSERT INTO jobs (kind, payload, attempts, done_at, dead_at, dedupe_key) VALUES
		('email', '{"notification_id": 1}', 2, NULL, NULL, 'email:1'),
		('email', '{"notification_id": 2}', 1, now(), NULL, 'email:2'),
		('email', '{"notification_id": 3}', 8, NULL, now(), 'email:3'),
		('digest_user', '{"user_id": 4, "day": "2026-01-02"}', 0, NULL, NULL, 'digest:2026-01-02:4'),
		('digest', '{"day": "2026-01-02"}', 0, NULL, NULL, 'digest:2026-01-02')`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, sqlDB, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := sqlDB.QueryContext(ctx, `SELECT kind || ' ' || args::text || ' ' || state || ' ' || attempt || '/' || max_attempts
		FROM river_job ORDER BY kind, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	want := []string{
		`digest_user {"day": "2026-01-02", "user_id": 4} available 0/8`,
		`email {"notification_id": 1} available 2/8`,
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("river_job after the migration:\n%q\nwant\n%q", got, want)
	}
	var outbox sql.NullString
	sqlDB.QueryRowContext(ctx, `SELECT to_regclass('jobs')::text`).Scan(&outbox)
	if outbox.Valid {
		t.Errorf("the outbox table is still there")
	}
	var versions int
	sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM river_migration WHERE line = 'main'`).Scan(&versions)
	if versions != 8 {
		t.Errorf("river_migration records %d versions, want 8 (River v0.51.2)", versions)
	}
	// River's own migrator agrees the schema is current for this River.
	m, err := rivermigrate.New(riverdatabasesql.New(sqlDB), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Validate(ctx, nil); err != nil || !res.OK {
		t.Errorf("rivermigrate validate: %+v %v", res, err)
	}
}
