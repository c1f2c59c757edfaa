package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// categoryRow is the <tr> of one category on /admin/categories.
func categoryRow(t *testing.T, page string, id int64) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr>\s*<td><code>[^<]*</code></td>.*?</tr>`).FindAllString(page, -1)
	for _, row := range m {
		if strings.Contains(row, fmt.Sprintf(`id="cat-%d"`, id)) {
			return row
		}
	}
	t.Fatalf("no row for category %d", id)
	return ""
}

func TestAdminCategoriesTableAndPositions(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)

	// A new category without a position goes last; with one, it is kept.
	if res, body := app.form(t, admin, "/admin/categories", url.Values{"slug": {"mobile"}, "name": {"Mobile"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d: %s", res.StatusCode, body)
	}
	if res, body := app.form(t, admin, "/admin/categories", url.Values{"slug": {"api"}, "name": {"API"}, "position": {"7"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create with position = %d: %s", res.StatusCode, body)
	}
	var cats []models.Category
	app.db.Order("id").Find(&cats)
	if len(cats) != 3 || cats[0].Position != 0 || cats[1].Position != 1 || cats[2].Position != 7 {
		t.Fatalf("positions: %+v", cats)
	}

	// Each field of a row sits in its own column, bound to the row's form,
	// and shows the stored position.
	_, page := do(t, admin, "GET", app.srv.URL+"/admin/categories", nil)
	row := categoryRow(t, page, cats[2].ID)
	cells := strings.Count(row, "<td")
	for _, field := range []string{"name", "description", "position"} {
		re := regexp.MustCompile(`<td>(<label[^>]*>[^<]*</label>)?<input[^>]*name="` + field + `" form="cat-` + itoa(cats[2].ID) + `"`)
		if !re.MatchString(row) {
			t.Errorf("%s is not in its own cell bound to the row form:\n%s", field, row)
		}
	}
	if cells != 5 || strings.Contains(row, "colspan") || !strings.Contains(row, `id="cp-`+itoa(cats[2].ID)+`" name="position" form="cat-`+itoa(cats[2].ID)+`" type="number" step="1" min="0" value="7"`) {
		t.Errorf("row has %d cells or lacks its position:\n%s", cells, row)
	}

	// Saving a row changes its position; leaving it empty keeps it.
	path := fmt.Sprintf("/admin/categories/%d", cats[1].ID)
	if res, _ := app.form(t, admin, path, url.Values{"name": {"Mobile apps"}, "position": {"3"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update = %d", res.StatusCode)
	}
	if res, _ := app.form(t, admin, path, url.Values{"name": {"Mobile apps"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update without position = %d", res.StatusCode)
	}
	var got models.Category
	app.db.Take(&got, cats[1].ID)
	if got.Position != 3 || got.Name != "Mobile apps" {
		t.Errorf("after update: %+v", got)
	}
	_, page = do(t, admin, "GET", app.srv.URL+"/admin/categories", nil)
	if row := categoryRow(t, page, cats[1].ID); !strings.Contains(row, `value="3"`) {
		t.Errorf("saved position not shown:\n%s", row)
	}

	// Bad positions are a 422 on that row with the typed text kept, never a
	// 500, and nothing changes.
	for _, bad := range []string{"abc", "1.5", "-1", "99999999999", "10000"} {
		res, body := app.form(t, admin, path, url.Values{"name": {"Changed name"}, "position": {bad}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("position %q = %d", bad, res.StatusCode)
			continue
		}
		row := categoryRow(t, body, cats[1].ID)
		if !strings.Contains(row, `value="`+bad+`"`) || !strings.Contains(row, "is-invalid") || !strings.Contains(row, "Position must be a whole number") ||
			!strings.Contains(row, `value="Changed name"`) {
			t.Errorf("position %q: row does not show the error with the typed values:\n%s", bad, row)
		}
		if strings.Contains(body[strings.Index(body, "New category"):], "is-invalid") {
			t.Errorf("position %q: the new category form is marked invalid", bad)
		}
	}
	if res, body := app.form(t, admin, "/admin/categories", url.Values{"slug": {"x-y"}, "name": {"X"}, "position": {"lots"}}); res.StatusCode != 422 ||
		!strings.Contains(body, `id="cpos" name="position" type="number" step="1" min="0" value="lots"`) {
		t.Errorf("new category with a bad position = %d", res.StatusCode)
	}
	app.db.Take(&got, cats[1].ID)
	if got.Position != 3 || got.Name != "Mobile apps" {
		t.Errorf("a refused save changed the category: %+v", got)
	}
}

// userRow is the <tr> of one user on /admin/users.
func userRow(t *testing.T, page string, id int64) string {
	t.Helper()
	for _, row := range regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindAllString(page, -1) {
		if strings.Contains(row, fmt.Sprintf(`action="/admin/users/%d/role"`, id)) {
			return row
		}
	}
	t.Fatalf("no row for user %d", id)
	return ""
}

func TestAdminBansFromTheMembersRow(t *testing.T) {
	app := newTestApp(t)
	admin, adminU := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	mod, modU := app.signInAs(t, "mod@example.com", models.RoleModerator)
	ann, annU := app.signIn(t, "ann@example.com")

	_, page := do(t, admin, "GET", app.srv.URL+"/admin/users", nil)
	if !strings.Contains(page, "3 people") {
		t.Error("the user count is not in words")
	}
	row := userRow(t, page, annU.ID)
	if !strings.Contains(row, `action="/admin/users/`+itoa(annU.ID)+`/ban" method="post"`) || !strings.Contains(row, `name="_csrf"`) {
		t.Errorf("a member's row has no ban form:\n%s", row)
	}
	if row := userRow(t, page, modU.ID); strings.Contains(row, "/ban\"") || !strings.Contains(row, "Staff") {
		t.Errorf("a staff row offers a ban:\n%s", row)
	}

	path := fmt.Sprintf("/admin/users/%d/ban", annU.ID)
	futureDay := time.Now().UTC().AddDate(0, 0, 3)
	future := futureDay.Format("2006-01-02")
	bad := []struct {
		v     url.Values
		field string
		msg   string
	}{
		{url.Values{"reason": {"Spamming"}}, "until", "make it permanent"},
		{url.Values{"reason": {"Spamming"}, "until": {future}, "permanent": {"true"}}, "until", "not both"},
		{url.Values{"reason": {"Spamming"}, "until": {"2001-01-01"}}, "until", "in the future"},
		{url.Values{"reason": {"Spamming"}, "until": {"next week"}}, "until", "date the ban ends"},
		{url.Values{"reason": {""}, "permanent": {"true"}}, "reason", "Please give a reason"},
	}
	for _, b := range bad {
		b.v.Set("q", "a")
		res, body := app.form(t, admin, path, b.v)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v = %d, want 422", b.v, res.StatusCode)
			continue
		}
		row := userRow(t, body, annU.ID)
		if !strings.Contains(row, `<details class="user-ban" open>`) || !strings.Contains(row, b.msg) ||
			!strings.Contains(row, `class="input is-invalid" id="ban-`+b.field+`-`+itoa(annU.ID)+`"`) ||
			!strings.Contains(row, `value="`+b.v.Get("reason")+`"`) || !strings.Contains(body, `name="q" type="search" value="a"`) {
			t.Errorf("%v: the row does not reopen with the error and the typed values:\n%s", b.v, row)
		}
	}
	if res, _ := do(t, admin, "POST", app.srv.URL+path, strings.NewReader("reason=x&permanent=true"), "Content-Type", "application/x-www-form-urlencoded"); res.StatusCode != http.StatusForbidden {
		t.Errorf("ban without CSRF token = %d", res.StatusCode)
	}
	if res, _ := app.form(t, mod, path, url.Values{"reason": {"x"}, "permanent": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("ban from /admin as a moderator = %d", res.StatusCode)
	}
	if res, _ := app.form(t, admin, fmt.Sprintf("/admin/users/%d/ban", modU.ID), url.Values{"reason": {"x"}, "permanent": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("banning staff = %d", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM bans`); n != 0 {
		t.Fatalf("refused bans left %d rows", n)
	}

	res, _ := app.form(t, admin, path, url.Values{"reason": {"Spamming the forum"}, "until": {future}, "q": {"ann"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users?notice=banned&q=ann" {
		t.Fatalf("ban = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.count(t, `SELECT count(*) FROM sessions WHERE user_id = ?`, annU.ID); n != 0 {
		t.Errorf("%d sessions left after the ban", n)
	}
	if res, _ := app.api(t, ann, "POST", "/api/v1/ideas", `{"title":"Posting with an old cookie"}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("banned member's old session = %d", res.StatusCode)
	}
	_, page = do(t, admin, "GET", app.srv.URL+"/admin/users?notice=banned&q=ann", nil)
	if row := userRow(t, page, annU.ID); !strings.Contains(row, "Banned until "+futureDay.Format("2 Jan 2006")) || !strings.Contains(row, "Spamming the forum") ||
		!strings.Contains(row, `action="/admin/users/`+itoa(annU.ID)+`/unban"`) {
		t.Errorf("the row does not show the ban:\n%s", row)
	}
	if res, _ := app.form(t, admin, fmt.Sprintf("/admin/users/%d/unban", annU.ID), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("unban = %d", res.StatusCode)
	}
	var actions []string
	app.db.Raw(`SELECT action FROM audit_log WHERE actor_id = ? ORDER BY id`, adminU.ID).Scan(&actions)
	if strings.Join(actions, ",") != "user.ban,user.unban" {
		t.Errorf("audit = %v", actions)
	}
}

// Roles and browsers read as words wherever they are shown: the role
// select, the audit log's diff of a role change, and the sessions list.
func TestRolesAndBrowsersReadAsWords(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	_, ann := app.signIn(t, "ann@example.com")

	_, page := do(t, admin, "GET", app.srv.URL+"/admin/users", nil)
	for _, role := range models.Roles {
		if strings.Contains(page, ">"+role+"</option>") {
			t.Errorf("role %s shown as its key", role)
		}
	}
	if !strings.Contains(page, `<option value="product_manager">Product manager</option>`) {
		t.Error("the role select lacks Product manager in words")
	}
	if res, _ := app.form(t, admin, fmt.Sprintf("/admin/users/%d/role", ann.ID), url.Values{"role": {models.RoleProductManager}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change = %d", res.StatusCode)
	}
	_, page = do(t, admin, "GET", app.srv.URL+"/admin/audit?action=user.role", nil)
	if !strings.Contains(page, `<span class="audit-diff__field">role</span>: <del>Member</del> → <ins>Product manager</ins>`) {
		t.Error("the audit log does not show the role change in words")
	}

	// A session signed in from Chrome on Linux is listed as such.
	c := app.client()
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	body := url.Values{"email": {"ben@example.com"}, "name": {"Ben"}, "_csrf": {app.csrfOf(t, c)}}
	if res, _ := do(t, c, "POST", app.srv.URL+"/auth/dev", strings.NewReader(body.Encode()), "Content-Type", "application/x-www-form-urlencoded", "User-Agent", ua); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in = %d", res.StatusCode)
	}
	_, page = do(t, c, "GET", app.srv.URL+"/settings", nil)
	if !strings.Contains(page, "<td>Chrome on Linux <span") || strings.Contains(page, "AppleWebKit") {
		t.Error("the sessions list does not name the browser in words")
	}
}
