package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestSettingsNameValidation(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "dana@example.com")
	for _, bad := range []string{"", "   ", strings.Repeat("n", 51), "Dana\u202eevil", "Da\u200bna", "Dana\x07", "Dana\ufeff"} {
		res, body := app.form(t, c, "/settings/profile", url.Values{"name": {bad}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "form__error") {
			t.Errorf("name %q: %d", bad, res.StatusCode)
		}
		res, body = app.api(t, c, "PATCH", "/api/v1/me", `{"name":`+jsonString(bad)+`}`)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"fields":{"name":`) {
			t.Errorf("API name %q: %d %s", bad, res.StatusCode, body)
		}
	}
	// The form keeps what was typed.
	_, body := app.form(t, c, "/settings/profile", url.Values{"name": {strings.Repeat("k", 60)}})
	if !strings.Contains(body, `value="`+strings.Repeat("k", 60)+`"`) {
		t.Error("invalid name not kept in the form")
	}
	res, _ := app.api(t, c, "PATCH", "/api/v1/me", `{"name": 42}`)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong JSON type = %d, want 400", res.StatusCode)
	}
	var name string
	app.db.Raw(`SELECT name FROM users WHERE email = 'dana@example.com'`).Scan(&name)
	if name != "dana" {
		t.Errorf("name changed by invalid input: %q", name)
	}
	res, _ = app.form(t, c, "/settings/profile", url.Values{"name": {"  Dana Ø. Smith  "}})
	app.db.Raw(`SELECT name FROM users WHERE email = 'dana@example.com'`).Scan(&name)
	if res.StatusCode != http.StatusSeeOther || name != "Dana Ø. Smith" {
		t.Errorf("valid name: %d %q", res.StatusCode, name)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestSettingsIdentitiesAndSessions(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signIn(t, "eve@example.com")
	other, _ := app.signIn(t, "eve@example.com") // a second browser

	var ident models.Identity
	app.db.Where("user_id = ?", u.ID).Take(&ident)
	res, body := app.form(t, c, "/settings/identities/"+itoa(ident.ID)+"/unlink", url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "only way to sign in") {
		t.Errorf("unlinking the last identity = %d", res.StatusCode)
	}
	app.db.Exec(`INSERT INTO identities (user_id, provider, provider_user_id) VALUES (?, 'github', '777')`, u.ID)
	res, _ = app.form(t, c, "/settings/identities/"+itoa(ident.ID)+"/unlink", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("unlinking one of two = %d", res.StatusCode)
	}
	// Someone else's identity id is not ours to unlink.
	_, mallory := app.signIn(t, "mallory@example.com")
	var theirs models.Identity
	app.db.Where("user_id = ?", mallory.ID).Take(&theirs)
	if res, _ := app.form(t, c, "/settings/identities/"+itoa(theirs.ID)+"/unlink", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unlinking another user's identity = %d, want 404", res.StatusCode)
	}

	_, page := do(t, c, "GET", app.srv.URL+"/settings", nil)
	if strings.Count(page, "this browser") != 1 || !strings.Contains(page, "Sign out everywhere") {
		t.Error("settings page does not list sessions with the current one marked")
	}
	res, _ = app.form(t, c, "/settings/sessions/revoke", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere = %d", res.StatusCode)
	}
	for _, cl := range []*http.Client{c, other} {
		if _, body := do(t, cl, "GET", app.srv.URL+"/api/v1/me", nil); !strings.Contains(body, `"user":null`) {
			t.Errorf("a session survived sign out everywhere: %s", body)
		}
	}
}

func TestDownloadMyData(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signIn(t, "fay@example.com")
	res, body := do(t, c, "GET", app.srv.URL+"/settings/export", nil)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export = %d %v", res.StatusCode, res.Header)
	}
	var x models.Export
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatal(err)
	}
	if x.User.ID != u.ID || x.User.Email == nil || *x.User.Email != "fay@example.com" || len(x.Identities) != 1 || len(x.Sessions) != 1 {
		t.Errorf("export: %+v", x)
	}
	idea := app.postIdea(t, c, "Fay's exported idea")
	app.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"Fay's comment"}`)
	_, body = do(t, c, "GET", app.srv.URL+"/settings/export", nil)
	x = models.Export{}
	json.Unmarshal([]byte(body), &x)
	if len(x.Ideas) != 1 || x.Ideas[0].Title != "Fay's exported idea" || len(x.Comments) != 1 || len(x.Votes) != 1 || len(x.Follows) != 1 {
		t.Errorf("export lacks content: %s", body)
	}
}

// TestDeleteAccountErasesPII dumps every row of every table afterwards: the
// person's name, email and avatar must be nowhere.
func TestDeleteAccountErasesPII(t *testing.T) {
	app := newTestApp(t)
	_, u := app.signIn(t, "zed.unique@example.com")
	app.db.Exec(`UPDATE users SET name = 'Zed Uniquename', avatar_url = 'https://avatars.example.net/zed.png' WHERE id = ?`, u.ID)
	admin, _ := app.signInAs(t, "root@example.com", models.RoleAdmin)
	app.api(t, admin, "PUT", "/api/v1/users/"+itoa(u.ID)+"/role", `{"role":"moderator"}`)
	c, _ := app.signIn(t, "zed.unique@example.com") // a role change ends the person's sessions

	idea := app.postIdea(t, c, "An idea he posted")
	app.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"A comment by him"}`)
	res, body := app.form(t, c, "/settings/delete", url.Values{"confirm": {"yes"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Type DELETE") {
		t.Fatalf("delete without confirmation = %d", res.StatusCode)
	}
	res, _ = app.form(t, c, "/settings/delete", url.Values{"confirm": {"DELETE"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.StatusCode)
	}
	if _, body := do(t, c, "GET", app.srv.URL+"/api/v1/me", nil); !strings.Contains(body, `"user":null`) {
		t.Errorf("still signed in after deleting the account: %s", body)
	}

	var tables []string
	app.db.Raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables)
	for _, table := range tables {
		var rows []string
		if err := app.db.Raw(`SELECT t::text FROM "` + table + `" t`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, pii := range []string{"Zed", "zed.unique", "avatars.example.net"} {
				if strings.Contains(strings.ToLower(row), strings.ToLower(pii)) {
					t.Errorf("table %s still holds %q: %s", table, pii, row)
				}
			}
		}
	}
	var user models.User
	app.db.Take(&user, u.ID)
	if user.DisplayName() != models.DeletedUserName || user.DeletedAt == nil {
		t.Errorf("deleted user shows as %q", user.DisplayName())
	}
	// The content stays, shown as by "deleted user".
	_, page := do(t, app.client(), "GET", app.srv.URL+strings.TrimPrefix(idea.URL, "http://localhost:8080"), nil)
	if !strings.Contains(page, "A comment by him") || strings.Count(page, "deleted user") < 2 {
		t.Error("idea page does not show the deleted author's content as by deleted user")
	}
	_, apiBody := do(t, app.client(), "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil)
	if !strings.Contains(apiBody, `"author":{"id":`) || !strings.Contains(apiBody, `"name":"deleted user"`) {
		t.Errorf("API author of a deleted account: %s", apiBody)
	}
	// Signing in with the same email later makes a brand-new account.
	_, again := app.signIn(t, "zed.unique@example.com")
	if again.ID == u.ID {
		t.Error("a deleted account came back")
	}
}

func TestAdminChangesRolesWithAudit(t *testing.T) {
	app := newTestApp(t)
	admin, me := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	_, sam := app.signIn(t, "sam@example.com")

	res, body := app.api(t, admin, "PUT", "/api/v1/users/"+itoa(sam.ID)+"/role", `{"role":"wizard"}`)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"role"`) {
		t.Errorf("unknown role = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, admin, "PUT", "/api/v1/users/"+itoa(sam.ID)+"/role", `{"role":"product_manager"}`)
	if res.StatusCode != 200 || !strings.Contains(body, `"role":"product_manager"`) {
		t.Fatalf("role change = %d %s", res.StatusCode, body)
	}
	var entry models.AuditEntry
	if err := app.db.Where("action = 'user.role' AND target_id = ?", sam.ID).Take(&entry).Error; err != nil {
		t.Fatal("no audit entry for the role change")
	}
	if entry.ActorID == nil || *entry.ActorID != me.ID || !strings.Contains(string(entry.Before), "member") || !strings.Contains(string(entry.After), "product_manager") {
		t.Errorf("audit entry: %+v", entry)
	}
	if err := app.db.Exec(`UPDATE audit_log SET action = 'x'`).Error; err == nil {
		t.Error("audit_log rows can be updated")
	}
	if err := app.db.Exec(`DELETE FROM audit_log`).Error; err == nil {
		t.Error("audit_log rows can be deleted")
	}

	res, body = app.api(t, admin, "PUT", "/api/v1/users/"+itoa(me.ID)+"/role", `{"role":"member"}`)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "last admin") {
		t.Errorf("last admin stepping down = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, admin, "PUT", "/api/v1/users/999999/role", `{"role":"member"}`); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user = %d", res.StatusCode)
	}
	if res, _ := app.api(t, admin, "PUT", "/api/v1/users/abc/role", `{"role":"member"}`); res.StatusCode != http.StatusNotFound {
		t.Errorf("non-numeric id = %d", res.StatusCode)
	}

	// The admin page searches and paginates.
	for i := 0; i < 55; i++ {
		app.db.Exec(`INSERT INTO users (name, email) VALUES (?, ?)`, "Filler "+itoa(int64(i)), "filler"+itoa(int64(i))+"@example.org")
	}
	_, page := do(t, admin, "GET", app.srv.URL+"/admin/users", nil)
	if !strings.Contains(page, "Page 1 of 2") || !strings.Contains(page, `href="/admin/users?page=2"`) {
		t.Error("admin users list is not paginated")
	}
	_, page = do(t, admin, "GET", app.srv.URL+"/admin/users?q=sam%40", nil)
	if !strings.Contains(page, "sam@example.com") || strings.Contains(page, "filler1@") {
		t.Error("admin user search does not filter")
	}
	if res, page := do(t, admin, "GET", app.srv.URL+"/admin/users?per_page=500", nil); res.StatusCode != http.StatusOK || strings.Contains(page, "Page 1 of") {
		t.Errorf("per_page=500 = %d, want one page of up to 100", res.StatusCode)
	}
	if res, _ := do(t, admin, "GET", app.srv.URL+"/admin/users?q=%25_%5C", nil); res.StatusCode != 200 {
		t.Errorf("LIKE metacharacters = %d", res.StatusCode)
	}
}
