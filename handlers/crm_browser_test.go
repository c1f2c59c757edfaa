package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crowdwise/crowdwise/models"
)

// In a real browser a product manager finds an account from the idea
// page's Demand panel, links it as critical with its open opportunity, and
// sees the panel count the account's ARR and pipeline once (its member also
// voted).
func TestBrowserProductManagerLinksAccountAndSeesDemand(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "olivia@northwind.test")
	idea := app.postIdea(t, member, "Stream the audit log to our SIEM")
	pmClient, _ := app.signInAs(t, "pam@crowdwise.test", models.RoleProductManager)
	res, body := app.api(t, pmClient, "POST", "/api/v1/accounts", `{"name":"Northwind Traders","domains":["northwind.test"],"arr_cents":48000000,"segment":"Enterprise"}`)
	if res.StatusCode != 201 {
		t.Fatalf("account = %d %s", res.StatusCode, body)
	}
	acc := decode[apiAccount](t, body)
	if err := app.db.Exec(`INSERT INTO crm_opportunities (account_id, source, name, amount_cents, stage, state)
		VALUES (?, 'manual', 'Northwind EMEA rollout', 15000000, 'Proposal', 'open')`, acc.ID).Error; err != nil {
		t.Fatal(err)
	}

	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "pam@crowdwise.test", "Pam")
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+idea.path()),
		chromedp.WaitVisible(chromedp.CSS("#demand")),
		chromedp.SendKeys(chromedp.CSS("#demand-account-q"), "northwind"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#demand-account-q")))
	result := fmt.Sprintf("#result-%d", acc.ID)
	step(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(result)),
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#importance-%d", acc.ID)), "critical"),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#note-%d", acc.ID)), "Their security review needs it."),
	)
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector('#opportunity-%d'); s.selectedIndex = 1; return true })()`, acc.ID))
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(result+" button[type=submit]")))
	waitFor(t, ctx, `document.body.innerText.includes("Account linked to this idea.")`)
	screenshot(t, ctx, "crm-idea-accounts")

	step(t, ctx, chromedp.Navigate(app.srv.URL+idea.path()), chromedp.WaitVisible(chromedp.CSS("#demand-rows")))
	if got := eval[string](t, ctx, `document.querySelector('#demand-arr').textContent`); got != "USD 480,000" {
		t.Errorf("ARR at stake = %q, want Northwind once", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#demand-pipeline').textContent`); !strings.HasPrefix(got, "USD 150,000") {
		t.Errorf("pipeline = %q", got)
	}
	row := eval[string](t, ctx, `document.querySelector('#demand-rows tbody tr').innerText`)
	if !strings.Contains(row, "Northwind Traders") || !strings.Contains(row, "Critical") || !strings.Contains(row, "Linked and votes") {
		t.Errorf("demand row = %q", row)
	}
	eval[bool](t, ctx, `document.querySelector('#demand').scrollIntoView() || true`)
	screenshot(t, ctx, "crm-demand-panel")
	var link models.IdeaAccountLink
	app.db.Raw(`SELECT importance, note, opportunity_id FROM idea_accounts WHERE idea_id = ? AND account_id = ?`, idea.ID, acc.ID).Scan(&link)
	if link.Importance != "critical" || link.Note != "Their security review needs it." || link.OpportunityID == nil {
		t.Errorf("stored link: %+v", link)
	}
}
