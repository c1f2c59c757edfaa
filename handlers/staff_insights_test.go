package handlers

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// insightsApp is a community with two accounts at stake: Acme (USD 50,000,
// Enterprise) through a member's vote and Kai (EUR 10,000, SMB; no rate
// unless the test gives one) through a staff link. One idea's title is a
// spreadsheet formula with markup in it.
type insightsApp struct {
	*testApp
	pm            *http.Client
	loud, formula apiIdea
}

func newInsightsApp(t *testing.T, mutate ...func(*Options)) *insightsApp {
	t.Helper()
	app := newTestApp(t, mutate...)
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	ann, _ := app.signIn(t, "ann@acme.test")
	bob, _ := app.signIn(t, "bob@example.com")
	a := &insightsApp{testApp: app, pm: pm}
	a.loud = app.postIdea(t, bob, "Loud idea that many want")
	a.formula = app.postIdea(t, ann, `=HYPERLINK("http://evil.test","<b>click</b>")`)
	for _, sql := range []string{
		`UPDATE users SET email_verified = true`,
		`INSERT INTO crm_accounts (name, domains, source, arr_cents, currency, segment) VALUES ('Acme', '{acme.test}', 'manual', 5000000, 'USD', 'Enterprise')`,
		`INSERT INTO crm_accounts (name, domains, source, arr_cents, currency, segment) VALUES ('Kai', '{kai.test}', 'manual', 1000000, 'EUR', 'SMB')`,
		fmt.Sprintf(`INSERT INTO idea_accounts (idea_id, account_id) SELECT %d, id FROM crm_accounts WHERE name = 'Kai'`, a.formula.ID),
	} {
		if err := app.db.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func TestInsightsPageShowsChartsTablesAndEscapedTitles(t *testing.T) {
	app := newInsightsApp(t)
	res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /staff/insights = %d %.300s", res.StatusCode, body)
	}
	for _, want := range []string{
		`id="chart-top_arr"`, `id="chart-top_votes"`, `id="chart-segments"`, `id="chart-weekly"`, `id="chart-concentration"`, `id="chart-lorenz"`, `id="chart-status"`,
		"<svg", "<rect", "<polyline", "<table",
		"50,000 USD",               // Acme's ARR behind ann's idea
		"No exchange rate for EUR", // Kai is left out, and the page says so
		`href="/staff/insights?chart=top_arr&amp;format=csv"`,
		"&lt;b&gt;click&lt;/b&gt;", // the title is text, not markup
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<b>click</b>") {
		t.Error("an idea title reached the page as markup")
	}
	// The CSP forbids inline styles and scripts: the charts use neither.
	if strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
		t.Error("the insights page has an inline style or script")
	}
}

func TestInsightsConvertsWithConfiguredRates(t *testing.T) {
	app := newInsightsApp(t, func(o *Options) { o.FX = models.FX{Currency: "USD", Rates: map[string]float64{"EUR": 1.1}} })
	res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?format=csv&chart=top_arr", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("csv = %d %s", res.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Acme 50,000 USD behind ann's idea, and Kai 10,000 EUR × 1.1 = 11,000
	// on top: 61,000.
	if len(rows) != 2 || rows[1][0] != fmt.Sprint(app.formula.ID) || rows[1][2] != "61000.00" || rows[1][3] != "2" {
		t.Errorf("top_arr csv = %q", rows)
	}
	if _, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights", nil); strings.Contains(body, "No exchange rate") {
		t.Error("the page warns of a missing rate that is configured")
	}
}

func TestInsightsCSVDownloadIsAllowListedAndGuardsFormulas(t *testing.T) {
	app := newInsightsApp(t)
	res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?format=csv&chart=top_votes", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("csv = %d %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="insights-top_votes-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "idea_id,title,votes,arr_USD,accounts" || len(rows) != 3 {
		t.Fatalf("rows = %q", rows)
	}
	titles := map[string]bool{rows[1][1]: true, rows[2][1]: true}
	if !titles[`'=HYPERLINK("http://evil.test","<b>click</b>")`] || !titles["Loud idea that many want"] {
		t.Errorf("titles = %v: the formula must start with an apostrophe, the rest unchanged", titles)
	}
	for _, name := range models.InsightsCharts {
		if res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?format=csv&chart="+name, nil); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), name) {
			t.Errorf("chart %s = %d %.200s", name, res.StatusCode, body)
		}
	}
	for q, want := range map[string]string{
		"format=csv&chart=users":                 "chart is one of",
		"format=csv":                             "chart is one of",
		"format=pdf&chart=top_arr":               "format is html or csv",
		"format=csv&chart=weekly&from=yesterday": "Dates look like",
	} {
		res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?"+q, nil)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s = %d, want 400 with %q: %.300s", q, res.StatusCode, want, body)
		}
	}
}

// Every filter parameter with every bad value: a 4xx that names the
// problem on the page, never a 5xx.
func TestInsightsBadFiltersAre4xxWithAMessage(t *testing.T) {
	app := newInsightsApp(t)
	for q, want := range map[string]string{
		"from=yesterday":                "Dates look like 2026-01-31.",
		"to=2026-02-30":                 "Dates look like 2026-01-31.",
		"from=2026-06-10&to=2026-06-01": "The end date is before the start date.",
		"from=2001-01-01&to=2026-01-01": "at most 104 weeks",
		"category=nope":                 "There is no category nope.",
		"segment=Nobody":                "No account is in the segment Nobody.",
		"segment=" + url.QueryEscape(`<script>x</script>`): "No account is in the segment &lt;script&gt;",
	} {
		res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?"+q, nil)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) || !strings.Contains(body, "is-invalid") {
			t.Errorf("%s = %d, want 422 with %q on the form: %.200s", q, res.StatusCode, want, body)
		}
		if strings.Contains(body, "<svg class=\"chart\"") {
			t.Errorf("%s: charts shown for a bad filter", q)
		}
	}
	for _, p := range []string{"from", "to", "category", "segment", "format", "chart"} {
		for _, bad := range sweepBadValues {
			q := url.Values{p: {bad}}
			if p == "chart" {
				q.Set("format", "csv")
			}
			res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?"+q.Encode(), nil)
			if res.StatusCode >= 500 || (res.StatusCode >= 400 && (strings.Contains(body, "correct the highlighted fields") || res.StatusCode > 422)) {
				t.Errorf("%s = %d: %.200s", q.Encode(), res.StatusCode, body)
			}
		}
	}
	// Valid filters narrow the page: the segment SMB keeps only the idea
	// Kai is linked to.
	res, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?format=csv&chart=top_votes&segment=SMB&category=general&from=2026-01-01", nil)
	if res.StatusCode != 200 || strings.Count(body, "\n") != 2 || !strings.Contains(body, "HYPERLINK") {
		t.Errorf("SMB top votes = %d %q", res.StatusCode, body)
	}
}

func TestInsightsAccess(t *testing.T) {
	app := newInsightsApp(t)
	member, _ := app.signIn(t, "member@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	for who, c := range map[string]*http.Client{"member": member, "moderator": mod} {
		for _, q := range []string{"", "?format=csv&chart=top_arr"} {
			if res, _ := do(t, c, "GET", app.srv.URL+"/staff/insights"+q, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: GET /staff/insights%s = %d, want 403", who, q, res.StatusCode)
			}
		}
	}
	res, _ := do(t, app.client(), "GET", app.srv.URL+"/staff/insights?format=csv&chart=status", nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || loc != "/signin?next="+url.QueryEscape("/staff/insights?format=csv&chart=status") {
		t.Errorf("visitor: %d to %q", res.StatusCode, loc)
	}
	if res, _ := do(t, admin, "GET", app.srv.URL+"/staff/insights", nil); res.StatusCode != http.StatusOK {
		t.Errorf("admin: %d", res.StatusCode)
	}
	// Only product managers and admins see the link.
	for who, c := range map[string]*http.Client{"member": member, "moderator": mod, "pm": app.pm} {
		_, body := do(t, c, "GET", app.srv.URL+"/", nil)
		if got := strings.Contains(body, `href="/staff/insights"`); got != (who == "pm") {
			t.Errorf("%s sees the Insights link: %v", who, got)
		}
	}
}

// With a fresh snapshot from the periodic job, the default view shows the
// snapshot's numbers and time, not an aggregate of the rows as they are now.
func TestInsightsPageServesTheSnapshotWhenFresh(t *testing.T) {
	app := newInsightsApp(t)
	if err := app.db.Transaction(func(tx *gorm.DB) error { return models.QueueInsightsRefresh(context.Background(), tx) }); err != nil {
		t.Fatal(err)
	}
	app.runJobs(t)
	// After the snapshot: Acme also asks for the loud idea.
	if err := app.db.Exec(`INSERT INTO idea_accounts (idea_id, account_id) SELECT ?, id FROM crm_accounts WHERE name = 'Acme'`, app.loud.ID).Error; err != nil {
		t.Fatal(err)
	}
	var computed time.Time
	if err := app.db.Raw(`SELECT computed_at FROM insights_snapshot`).Scan(&computed).Error; err != nil {
		t.Fatal(err)
	}
	_, body := do(t, app.pm, "GET", app.srv.URL+"/staff/insights?format=csv&chart=top_arr", nil)
	if rows := strings.Count(strings.TrimSpace(body), "\n"); rows != 1 || strings.Contains(body, "Loud idea") {
		t.Errorf("the default view aggregated the rows as they are now, not the snapshot:\n%s", body)
	}
	_, body = do(t, app.pm, "GET", app.srv.URL+"/staff/insights", nil)
	if want := "computed " + computed.UTC().Format("2006-01-02 15:04") + " UTC"; !strings.Contains(body, want) {
		t.Errorf("page lacks %q", want)
	}
	// A filtered view computes from the rows (its ARR from the snapshot's
	// rollup): the new link is not in it yet either.
	_, body = do(t, app.pm, "GET", app.srv.URL+"/staff/insights?format=csv&chart=top_arr&segment=Enterprise", nil)
	if strings.Contains(body, "Loud idea") {
		t.Errorf("the segment view mixed a demand newer than the snapshot:\n%s", body)
	}
}
