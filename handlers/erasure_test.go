package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDeleteAccountLeavesNoTraces: after a member deletes their account, no
// row anywhere carries any name they used or their email (others'
// notifications included), their votes, follows and flags are gone, and
// every idea's counters still equal its rows.
func TestDeleteAccountLeavesNoTraces(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	zed, z := app.signIn(t, "zed.unique@example.com")
	if res, body := app.api(t, zed, "PATCH", "/api/v1/me", `{"name":"Zed Uniquename"}`); res.StatusCode != 200 {
		t.Fatalf("rename = %d %s", res.StatusCode, body)
	}
	a := app.postIdea(t, ann, "Ann's idea about exports")
	b := app.postIdea(t, bob, "Bob's idea about imports")
	mustOK := func(res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != 200 && res.StatusCode != 201 {
			t.Fatalf("%s %s = %d %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, body)
		}
	}
	// Ann hears about Zed's comment and his reply, under his first name...
	mustOK(app.api(t, zed, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", a.ID), `{"body":"I need this too"}`))
	annC := app.postComment(t, ann, a.ID, "Which format do you need?")
	zedC := app.postComment(t, zed, a.ID, "CSV please")
	app.db.Exec(`UPDATE comments SET parent_id = ?, depth = 1 WHERE id = ?`, annC.ID, zedC.ID)
	mustOK(app.api(t, zed, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", a.ID), fmt.Sprintf(`{"body":"Or JSON","parent_id":%d}`, annC.ID)))
	// ...and under the name he takes later.
	mustOK(app.api(t, zed, "PATCH", "/api/v1/me", `{"name":"Zorro Quixotic"}`))
	mustOK(app.api(t, zed, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", a.ID), `{"body":"Any news?"}`))
	// Zed votes, follows and flags; Ann replies to him, so he has
	// notifications and an email job of his own (one that failed, quoting his
	// address).
	for _, p := range []string{"/api/v1/ideas/%d/vote", "/api/v1/ideas/%d/follow"} {
		mustOK(app.api(t, zed, "PUT", fmt.Sprintf(p, a.ID), ""))
		mustOK(app.api(t, zed, "PUT", fmt.Sprintf(p, b.ID), ""))
	}
	mustOK(app.api(t, zed, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", b.ID), `{"reason":"other","note":"dup"}`))
	mustOK(app.api(t, ann, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", a.ID), fmt.Sprintf(`{"body":"Noted","parent_id":%d}`, zedC.ID)))
	app.db.Exec(`UPDATE river_job SET errors = ARRAY['{"attempt": 1, "error": "550 <zed.unique@example.com>: mailbox unavailable"}'::jsonb]
		WHERE kind = 'email' AND args->>'notification_id' IN (SELECT id::text FROM notifications WHERE user_id = ?)`, z.ID)
	var annTitles []string
	app.db.Raw(`SELECT n.title FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'ann@example.com' ORDER BY n.id`).Scan(&annTitles)
	if len(annTitles) != 4 || !strings.HasPrefix(annTitles[0], "Zed Uniquename commented") || !strings.HasPrefix(annTitles[3], "Zorro Quixotic commented") {
		t.Fatalf("Ann's notifications before: %q", annTitles)
	}
	if n := app.count(t, `SELECT count(*) FROM river_job WHERE array_to_string(errors, ' ') LIKE '%zed.unique%'`); n != 1 {
		t.Fatalf("%d failed email jobs for Zed, want 1", n)
	}

	if res, _ := app.form(t, zed, "/settings/delete", url.Values{"confirm": {"DELETE"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.StatusCode)
	}

	var tables []string
	app.db.Raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables)
	for _, table := range tables {
		var rows []string
		if err := app.db.Raw(`SELECT t::text FROM "` + table + `" t`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, pii := range []string{"uniquename", "zorro", "quixotic", "zed.unique"} {
				if strings.Contains(strings.ToLower(row), pii) {
					t.Errorf("table %s still holds %q: %s", table, pii, row)
				}
			}
		}
	}
	for _, table := range []string{"votes", "follows", "flags", "notifications", "notification_prefs"} {
		if n := app.count(t, `SELECT count(*) FROM `+table+` WHERE user_id = ?`, z.ID); n != 0 {
			t.Errorf("%d %s rows still tied to the deleted account", n, table)
		}
	}
	if n := app.count(t, `SELECT count(*) FROM notifications WHERE actor_id = ?`, z.ID); n != 0 {
		t.Errorf("%d notifications still name the deleted account as actor", n)
	}
	annTitles = nil
	app.db.Raw(`SELECT n.title FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'ann@example.com' ORDER BY n.id`).Scan(&annTitles)
	want := []string{
		`deleted user commented on "Ann's idea about exports"`,
		`deleted user commented on "Ann's idea about exports"`,
		`deleted user replied to your comment on "Ann's idea about exports"`,
		`deleted user commented on "Ann's idea about exports"`,
	}
	if strings.Join(annTitles, "|") != strings.Join(want, "|") {
		t.Errorf("Ann's notifications after: %q, want %q", annTitles, want)
	}
	// Aggregates: the counters follow the rows.
	if n := app.count(t, `SELECT count(*) FROM ideas i WHERE i.vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)
		OR i.follower_count <> (SELECT count(*) FROM follows f WHERE f.idea_id = i.id)`); n != 0 {
		t.Errorf("%d ideas with counters that differ from their rows", n)
	}
	for _, id := range []int64{a.ID, b.ID} {
		if n := app.count(t, `SELECT vote_count + follower_count FROM ideas WHERE id = ?`, id); n != 2 {
			t.Errorf("idea %d: votes + followers = %d, want 2 (the author's)", id, n)
		}
	}
	// The content stays, as by "deleted user".
	if _, page := do(t, app.client(), "GET", app.srv.URL+strings.TrimPrefix(a.URL, "http://localhost:8080"), nil); !strings.Contains(page, "Any news?") {
		t.Error("the deleted member's comments left the idea page")
	}
}
