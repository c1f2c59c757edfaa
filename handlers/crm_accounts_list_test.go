package handlers

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// More accounts than models.CountCap: the staff list and the API say
// "1,000+" (the count stops there) and page on with "Next"; the last page
// knows the exact total from its own rows, and a page past it links back.
func TestLongAccountListCapsItsCount(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	const n = models.CountCap + 30
	if err := app.db.Exec(`INSERT INTO crm_accounts (name, source, external_id, arr_cents, currency)
		SELECT 'Bulk ' || g, 'csv', 'bulk-' || g, g * 100, (ARRAY['USD', 'EUR'])[1 + g % 2]
		FROM generate_series(1, ?) g`, n).Error; err != nil {
		t.Fatal(err)
	}
	res, body := do(t, pm, "GET", app.srv.URL+"/staff/accounts?sort=arr", nil)
	text := html.UnescapeString(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(text, "1,000+ accounts") || !strings.Contains(text, "Page 1 of 40+") ||
		!strings.Contains(text, `href="/staff/accounts?page=2&sort=arr" rel="next"`) {
		t.Fatalf("page 1 = %d, want 1,000+ accounts, Page 1 of 40+ and a next link:\n%s", res.StatusCode, text)
	}
	rows := regexp.MustCompile(`<a href="/staff/accounts/\d+">`)
	res, body = do(t, pm, "GET", app.srv.URL+"/staff/accounts?sort=arr&page=42", nil)
	if text := html.UnescapeString(body); res.StatusCode != http.StatusOK || len(rows.FindAllString(body, -1)) != 5 ||
		!strings.Contains(text, "1030 accounts") || !strings.Contains(text, "Page 42 of 42") || strings.Contains(text, `rel="next"`) {
		t.Fatalf("last page = %d, want 5 accounts of 1,030 and no next link:\n%s", res.StatusCode, text)
	}
	res, body = do(t, pm, "GET", app.srv.URL+"/staff/accounts?sort=arr&page=43", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, `href="/staff/accounts?page=42&amp;sort=arr"`) {
		t.Fatalf("past the end = %d, want 404 linking page 42:\n%s", res.StatusCode, body)
	}
	res, body = do(t, pm, "GET", app.srv.URL+"/api/v1/accounts?per_page=100", nil)
	list := decode[struct {
		Accounts    []apiAccount
		Total       int64
		TotalCapped bool `json:"total_capped"`
		HasMore     bool `json:"has_more"`
	}](t, body)
	if res.StatusCode != http.StatusOK || len(list.Accounts) != 100 || list.Total != models.CountCap || !list.TotalCapped || !list.HasMore {
		t.Fatalf("API page 1 = %d: %d accounts, total %d capped %v more %v", res.StatusCode, len(list.Accounts), list.Total, list.TotalCapped, list.HasMore)
	}
	res, body = do(t, pm, "GET", app.srv.URL+"/api/v1/accounts?per_page=100&page=11", nil)
	if last := decode[struct {
		Accounts    []apiAccount
		Total       int64
		TotalCapped bool `json:"total_capped"`
		HasMore     bool `json:"has_more"`
	}](t, body); res.StatusCode != http.StatusOK || len(last.Accounts) != 30 || last.Total != n || last.TotalCapped || last.HasMore {
		t.Fatalf("API last page = %d: %d accounts, total %d capped %v more %v", res.StatusCode, len(last.Accounts), last.Total, last.TotalCapped, last.HasMore)
	}
}
