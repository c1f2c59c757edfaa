package handlers

import (
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// The staff lists that count no further than models.CountCap say so:
// "1,000+" on the page (escaped by html/template), total_capped in the API, and a next page either
// way; a page past the end of a short list is still a 404 that links the
// last page.
func TestStaffListsShowACappedTotal(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	app.postIdea(t, ann, "An idea to keep the category")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	err := app.db.Exec(`INSERT INTO ideas (title, category_id, author_id, moderation, moderation_reason)
		SELECT 'Hidden idea number ' || g, (SELECT id FROM categories ORDER BY id LIMIT 1), (SELECT id FROM users ORDER BY id LIMIT 1), 'hidden', 'Spam'
		FROM generate_series(1, 1005) g;
		INSERT INTO users (name, email) SELECT 'Member ' || g, 'member' || g || '@example.com' FROM generate_series(1, 1005) g`).Error
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/staff/moderation?show=hidden":        "1,000&#43; items hidden",
		"/staff/moderation?show=hidden&page=2": "1,000&#43; items hidden",
		"/admin/users":                         "1,000&#43; people",
		"/admin/users?q=member&page=3":         "1,000&#43; people",
		"/staff/moderation?show=pending":       "0 items waiting",
		"/admin/users?q=admin@example":         "1 person",
	} {
		c := mod
		if strings.HasPrefix(path, "/admin") {
			c = admin
		}
		res, page := do(t, c, "GET", app.srv.URL+path, nil)
		if res.StatusCode != 200 || !strings.Contains(page, want) || strings.Contains(want, "&#43;") != strings.Contains(page, `rel="next"`) {
			t.Errorf("%s = %d, want %q and a next page when capped", path, res.StatusCode, want)
		}
	}
	if res, _ := do(t, mod, "GET", app.srv.URL+"/staff/moderation?show=hidden&page=99", nil); res.StatusCode != 404 {
		t.Errorf("a page past the queue's end = %d, want 404", res.StatusCode)
	}
	res, body := app.api(t, mod, "GET", "/api/v1/moderation/queue?show=hidden&per_page=100", "")
	got := decode[struct {
		Items       []any `json:"items"`
		Total       int64 `json:"total"`
		TotalCapped bool  `json:"total_capped"`
		HasMore     bool  `json:"has_more"`
	}](t, body)
	if res.StatusCode != 200 || len(got.Items) != 100 || got.Total != models.CountCap || !got.TotalCapped || !got.HasMore {
		t.Errorf("API queue = %d: %d items, total %d capped %v more %v", res.StatusCode, len(got.Items), got.Total, got.TotalCapped, got.HasMore)
	}
}
