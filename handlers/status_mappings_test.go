package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestStatusMappingsPageAndAPI(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	_, page := do(t, admin, "GET", app.srv.URL+"/admin/status-mappings", nil)
	if !strings.Contains(page, `name="jira.done"`) || strings.Contains(page, `name="jira.next"`) || !strings.Contains(page, `name="internal.next"`) {
		t.Fatal("the page does not list one select per provider and category")
	}
	// A status that is not one is refused on its row; nothing is saved.
	res, body := app.form(t, admin, "/admin/status-mappings", url.Values{"jira.done": {"merged"}, "github.done": {"none"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="m-jira-done" name="jira.done"`) ||
		!strings.Contains(body, "select is-invalid") {
		t.Fatalf("bad mapping = %d; want 422 with the row marked", res.StatusCode)
	}
	_, body = app.api(t, admin, "GET", "/api/v1/admin/status-mappings", "")
	if !strings.Contains(body, `{"provider":"github","category":"done","idea_status":"shipped"}`) {
		t.Fatalf("a refused form saved part of itself: %s", body)
	}
	if res, _ := app.form(t, admin, "/admin/status-mappings", url.Values{"github.done": {"none"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d", res.StatusCode)
	}
	res, body = app.api(t, admin, "PUT", "/api/v1/admin/status-mappings", `{"mappings":[{"provider":"linear","category":"wont_do","idea_status":"declined"}]}`)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `{"provider":"github","category":"done","idea_status":null}`) ||
		!strings.Contains(body, `{"provider":"linear","category":"wont_do","idea_status":"declined"}`) {
		t.Fatalf("PUT = %d %s", res.StatusCode, body)
	}
	for _, bad := range []string{`{"mappings":[]}`, `{"mappings":[{"provider":"trello","category":"done","idea_status":"shipped"}]}`, `[]`} {
		if res, body := app.api(t, admin, "PUT", "/api/v1/admin/status-mappings", bad); res.StatusCode != http.StatusBadRequest &&
			res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("PUT %s = %d %s, want 400/422", bad, res.StatusCode, body)
		}
	}
	var audited int64
	app.db.Raw(`SELECT count(*) FROM audit_log WHERE action = 'backlog.status_mappings'`).Scan(&audited)
	if audited != 2 {
		t.Errorf("%d audit entries, want 2 (form and API)", audited)
	}
}
