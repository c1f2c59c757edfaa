package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

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
