package migrations_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/crowdwise/crowdwise/migrations"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// Migration 00009 gives existing ideas and comments their text and rewrites
// the notifications that had copied Markdown source.
func TestPlainTextMigrationBackfills(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", testdb.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrations.UpTo(ctx, db, 8); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, name) VALUES (1, 'Ann')`,
		`INSERT INTO ideas (id, title, body, body_html, category_id, author_id)
			VALUES (1, 'An older idea', 'Sync *all*', '<p>Sync <em>all</em> &amp; more</p>', (SELECT id FROM categories WHERE slug = 'general'), 1)`,
		`INSERT INTO comments (id, idea_id, author_id, body, body_html)
			VALUES (1, 1, 1, 'See [the docs](https://example.com)', '<p>See <a href="https://example.com" rel="nofollow">the docs</a></p>')`,
		`INSERT INTO idea_status_changes (idea_id, from_status, to_status, note, note_html)
			VALUES (1, 'open', 'planned', 'In **Q3**', '<p>In <strong>Q3</strong></p>')`,
		`INSERT INTO notifications (user_id, kind, idea_id, comment_id, title, body, url) VALUES
			(1, 'comment', 1, 1, 'A comment', 'See [the docs](https://example.com)', '/ideas/1'),
			(1, 'status_change', 1, NULL, 'Planned', 'In **Q3**', '/ideas/1'),
			(1, 'merged', 1, NULL, 'Merged', 'Kept *as is*', '/ideas/1')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := migrations.UpTo(ctx, db, 9); err != nil {
		t.Fatal(err)
	}
	var idea, comment string
	db.QueryRowContext(ctx, `SELECT body_text FROM ideas WHERE id = 1`).Scan(&idea)
	db.QueryRowContext(ctx, `SELECT body_text FROM comments WHERE id = 1`).Scan(&comment)
	if idea != "Sync all & more" || comment != "See the docs" {
		t.Errorf("backfilled text: idea %q, comment %q", idea, comment)
	}
	want := map[string]string{"comment": "See the docs", "status_change": "In Q3", "merged": "Kept *as is*"}
	rows, err := db.QueryContext(ctx, `SELECT kind, body FROM notifications`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, body string
		if err := rows.Scan(&kind, &body); err != nil {
			t.Fatal(err)
		}
		if body != want[kind] {
			t.Errorf("%s notification body %q, want %q", kind, body, want[kind])
		}
	}
}
