package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// TestAccountFormRefusesWebmailAndKeepsInput: the form names the field and
// the reason, keeps what was typed, and saves nothing; a good form saves
// and is audited.
func TestAccountFormRefusesWebmailAndKeepsInput(t *testing.T) {
	app := newTestApp(t)
	pm, pmUser := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	res, body := app.form(t, pm, "/staff/accounts", url.Values{"name": {"Globex"}, "domains": {"globex.test, gmail.com"},
		"arr": {"12,000.50"}, "currency": {"usd"}, "segment": {"SMB"}, "lifecycle": {"customer"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "gmail.com is a public email service") ||
		!strings.Contains(body, `id="domains" name="domains"`) || !strings.Contains(body, "globex.test, gmail.com") ||
		!strings.Contains(body, `value="Globex"`) {
		t.Fatalf("webmail domain = %d: %s", res.StatusCode, grepLines(body, "domains"))
	}
	if !strings.Contains(grepLines(body, `id="domains"`), "is-invalid") {
		t.Errorf("the domains field is not highlighted: %s", grepLines(body, `id="domains"`))
	}
	res, body = app.form(t, pm, "/staff/accounts", url.Values{"name": {""}, "arr": {"lots"}, "renewal_date": {"31/03/2027"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "A name is required.") ||
		!strings.Contains(body, "ARR must be an amount") || !strings.Contains(body, "Use a date like") {
		t.Fatalf("bad fields = %d: %s", res.StatusCode, grepLines(body, "form__error"))
	}
	if n := app.count(t, `SELECT count(*) FROM crm_accounts`); n != 0 {
		t.Fatalf("%d accounts saved from refused forms", n)
	}
	res, body = app.form(t, pm, "/staff/accounts", url.Values{"name": {"Globex"}, "domains": {"globex.test"},
		"arr": {"12,000.50"}, "currency": {"usd"}, "segment": {"SMB"}, "lifecycle": {"customer"}, "renewal_date": {"2027-03-31"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/staff/accounts/") {
		t.Fatalf("create = %d %s", res.StatusCode, body)
	}
	var a models.CRMAccount
	if err := app.db.Where("name = 'Globex'").Take(&a).Error; err != nil || a.ARRCents != 1_200_050 || a.Currency != "USD" {
		t.Fatalf("saved: %+v %v", a, err)
	}
	if got := auditOf(t, app, pmUser.ID); len(got) != 1 || got[0] != "crm_account.create" {
		t.Fatalf("audit: %v", got)
	}
	_, page := do(t, pm, "GET", app.srv.URL+"/staff/accounts?q=glob", nil)
	if !strings.Contains(page, "Globex") || !strings.Contains(page, "USD 12,001") {
		t.Fatalf("list: %s", grepLines(page, "Globex"))
	}
	member, _ := app.signIn(t, "member@example.com")
	if res, _ := do(t, member, "GET", app.srv.URL+"/staff/accounts", nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("member on /staff/accounts = %d", res.StatusCode)
	}
}

// TestLinkAccountFromIdeaPageWithoutJS: a product manager finds an account
// with the GET form, links it with importance and opportunity, and the idea
// page's Demand panel shows it; members and moderators see no panel.
func TestLinkAccountFromIdeaPageWithoutJS(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	mod, _ := app.signInAs(t, "moe@crowdwise.test", models.RoleModerator)
	member, _ := app.signIn(t, "ann@initech.test")
	idea := app.postIdea(t, member, "Audit log export")
	res, body := app.api(t, pm, "POST", "/api/v1/accounts", `{"name":"Initech","domains":["initech.test"],"arr_cents":5000000,"segment":"Enterprise"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create account = %d %s", res.StatusCode, body)
	}
	acc := decode[apiAccount](t, body)
	if err := app.db.Exec(`INSERT INTO crm_opportunities (account_id, source, name, amount_cents, state) VALUES (?, 'manual', 'Initech renewal', 900000, 'open')`, acc.ID).Error; err != nil {
		t.Fatal(err)
	}
	var oppID int64
	app.db.Raw(`SELECT id FROM crm_opportunities WHERE account_id = ?`, acc.ID).Scan(&oppID)

	_, page := do(t, pm, "GET", app.srv.URL+idea.path(), nil)
	if !strings.Contains(page, `id="demand"`) || !strings.Contains(page, "USD 50,000") {
		t.Fatalf("Demand panel (Ann votes from initech.test): %s", grepLines(page, "demand"))
	}
	for who, c := range map[string]*http.Client{"member": member, "moderator": mod} {
		if _, p := do(t, c, "GET", app.srv.URL+idea.path(), nil); strings.Contains(p, `id="demand"`) {
			t.Errorf("%s sees the Demand panel", who)
		}
	}
	_, page = do(t, pm, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/accounts?q=initech", idea.ID), nil)
	if !strings.Contains(page, fmt.Sprintf(`id="result-%d"`, acc.ID)) || !strings.Contains(page, "Initech renewal") {
		t.Fatalf("search result: %s", grepLines(page, "result"))
	}
	// A bad note is refused on the form, which keeps the importance.
	res, page = app.form(t, pm, fmt.Sprintf("/ideas/%d/accounts", idea.ID), url.Values{"account_id": {itoa(acc.ID)},
		"importance": {"critical"}, "note": {strings.Repeat("n", 1001)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "At most 1,000 characters.") {
		t.Fatalf("long note = %d %s", res.StatusCode, grepLines(page, "form__error"))
	}
	res, _ = app.form(t, pm, fmt.Sprintf("/ideas/%d/accounts", idea.ID), url.Values{"account_id": {itoa(acc.ID)},
		"importance": {"critical"}, "note": {"Blocks their SOC 2 audit"}, "opportunity_id": {itoa(oppID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("link = %d", res.StatusCode)
	}
	res, body = do(t, pm, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/demand", idea.ID), nil)
	d := decode[models.Demand](t, body)
	if res.StatusCode != http.StatusOK || d.Accounts != 1 || d.ARRAtStakeCents != 5_000_000 || d.PipelineAtStakeCents != 900_000 ||
		len(d.AccountRows) != 1 || d.AccountRows[0].Via != "both" || *d.AccountRows[0].Importance != "critical" {
		t.Fatalf("demand = %d %s", res.StatusCode, body)
	}
	for _, key := range []string{`"votes"`, `"accounts"`, `"arr_at_stake_cents"`, `"pipeline_at_stake_cents"`, `"currency"`, `"by_segment"`,
		`"account_rows"`, `"segment"`, `"account_id"`, `"importance"`, `"via"`, `"unconverted"`} {
		if !strings.Contains(body, key) {
			t.Errorf("demand JSON lacks %s", key)
		}
	}
	if res, _ := do(t, member, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/demand", idea.ID), nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("member demand = %d", res.StatusCode)
	}
}

// TestCRMAPI: accounts list/get/patch, links and proxy votes through the
// JSON API, with their status codes.
func TestCRMAPI(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	author, _ := app.signIn(t, "author@example.com")
	idea := app.postIdea(t, author, "Dark mode for reports")
	res, body := app.api(t, pm, "POST", "/api/v1/accounts", `{"name":"Hooli","domains":["https://www.hooli.test/"],"arr_cents":100,"currency":"EUR","renewal_date":"2027-01-31"}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create = %d %s", res.StatusCode, body)
	}
	acc := decode[apiAccount](t, body)
	if acc.Domains[0] != "hooli.test" || *acc.RenewalDate != "2027-01-31" || acc.Source != "manual" {
		t.Fatalf("created %+v", acc)
	}
	if res, body := app.api(t, pm, "POST", "/api/v1/accounts", `{"name":"Mail","domains":["outlook.com"]}`); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "public email service") {
		t.Fatalf("webmail = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, pm, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc.ID), `{"segment":"Mid-market","lifecycle":"churned"}`)
	if got := decode[apiAccountDetail](t, body); res.StatusCode != http.StatusOK || got.Segment != "Mid-market" || got.Lifecycle != "churned" || got.Name != "Hooli" || got.Opportunities == nil {
		t.Fatalf("patch = %d %s", res.StatusCode, body)
	}
	res, body = do(t, pm, "GET", app.srv.URL+"/api/v1/accounts?segment=Mid-market&sort=name&per_page=5", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"per_page":5`) {
		t.Fatalf("list = %d %s", res.StatusCode, body)
	}
	for _, q := range []string{"sort=arr_cents", "lifecycle=lost", "per_page=500"} {
		if res, body := do(t, pm, "GET", app.srv.URL+"/api/v1/accounts?"+q, nil); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("list ?%s = %d %s", q, res.StatusCode, body)
		}
	}
	link := fmt.Sprintf("/api/v1/ideas/%d/accounts/%d", idea.ID, acc.ID)
	if res, body := app.api(t, pm, "PUT", link, `{"importance":"critical","note":"CFO asked"}`); res.StatusCode != http.StatusCreated {
		t.Fatalf("link = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, pm, "PUT", link, `{"importance":"urgent"}`); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad importance = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, pm, "PUT", link, `{"importance":"nice_to_have"}`); res.StatusCode != http.StatusOK || !strings.Contains(body, `"nice_to_have"`) {
		t.Fatalf("relink = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, pm, "POST", fmt.Sprintf("/api/v1/ideas/%d/proxy-votes", idea.ID), `{"email":"gavin@hooli.test","name":"Gavin"}`)
	pv := decode[models.ProxyVoteResult](t, body)
	if res.StatusCode != http.StatusCreated || !pv.Placeholder || pv.VoteCount != 2 {
		t.Fatalf("proxy vote = %d %s", res.StatusCode, body)
	}
	// The public sees an ordinary vote: the count, nothing about who cast it.
	_, public := do(t, app.client(), "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil)
	if !strings.Contains(public, `"vote_count":2`) || strings.Contains(public, "Gavin") {
		t.Fatalf("public idea: %s", public)
	}
	_, voters := do(t, pm, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/voters", idea.ID), nil)
	if !strings.Contains(voters, "voted by pam for Gavin (Hooli)") {
		t.Fatalf("voters page: %s", grepLines(voters, "voted by"))
	}
	if res, body := app.api(t, pm, "DELETE", fmt.Sprintf("/api/v1/ideas/%d/proxy-votes/%d", idea.ID, pv.UserID), ""); res.StatusCode != http.StatusOK || !strings.Contains(body, `"vote_count":1`) {
		t.Fatalf("remove proxy vote = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, pm, "DELETE", link, ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("unlink = %d", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('idea.account_link', 'idea.account_unlink', 'vote.proxy_add', 'vote.proxy_remove', 'crm_account.create', 'crm_account.update')`); n != 7 {
		t.Fatalf("%d audit entries, want 7", n)
	}
}

// TestIdeaListCRMSortsStaffOnly: the arr and accounts sorts and the segment
// filter work for product managers; for members the sorts are unknown (the
// API names it, the page falls back to its default tab) and the filters
// are ignored.
func TestIdeaListCRMSortsStaffOnly(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	member, _ := app.signIn(t, "ann@initech.test")
	paid := app.postIdea(t, member, "Paid for by Initech")
	app.postIdea(t, pm, "Nobody pays for this")
	if res, body := app.api(t, pm, "POST", "/api/v1/accounts", `{"name":"Initech","domains":["initech.test"],"arr_cents":100,"segment":"Enterprise"}`); res.StatusCode != http.StatusCreated {
		t.Fatalf("account = %d %s", res.StatusCode, body)
	}
	res, body := do(t, pm, "GET", app.srv.URL+"/api/v1/ideas?sort=arr&segment=Enterprise", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"total":1`) || !strings.Contains(body, fmt.Sprintf(`"id":%d`, paid.ID)) {
		t.Fatalf("PM sort=arr = %d %s", res.StatusCode, body)
	}
	if res, body := do(t, member, "GET", app.srv.URL+"/api/v1/ideas?sort=arr", nil); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"sort"`) {
		t.Fatalf("member sort=arr = %d %s", res.StatusCode, body)
	}
	if res, body := do(t, member, "GET", app.srv.URL+"/api/v1/ideas?segment=Enterprise", nil); res.StatusCode != http.StatusOK || !strings.Contains(body, `"total":2`) {
		t.Fatalf("member segment = %d %s", res.StatusCode, body)
	}
	_, page := do(t, pm, "GET", app.srv.URL+"/?sort=accounts", nil)
	if !strings.Contains(page, "ARR at stake") || !strings.Contains(grepLines(page, "is-active"), "Most accounts") || !strings.Contains(page, `id="f-segment"`) {
		t.Fatalf("PM home: %s", grepLines(page, "tab"))
	}
	_, page = do(t, member, "GET", app.srv.URL+"/?sort=arr", nil)
	if strings.Contains(page, "ARR at stake") || strings.Contains(page, `id="f-segment"`) || !strings.Contains(grepLines(page, "is-active"), "Trending") {
		t.Fatalf("member home: %s", grepLines(page, "tab"))
	}
}
