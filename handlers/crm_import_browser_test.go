package handlers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"time"

	"github.com/chromedp/chromedp"

	"github.com/crowdwise/crowdwise/models"
)

// A product manager imports a CSV in a real browser: upload, preview with
// its errors, confirm with "import the valid rows", and the progress page
// turns into the result on its own (meta refresh, no script needed).
func TestBrowserProductManagerImportsCSV(t *testing.T) {
	app := newTestApp(t)
	app.signInAs(t, "pam@example.com", models.RoleProductManager)
	file := filepath.Join(t.TempDir(), "customers.csv")
	data := "external_id,name,domains,arr,currency,segment,lifecycle,owner_name,owner_email,renewal_date\n" +
		"SF-1,Acme Corp,acme.test,120000.00,USD,Enterprise,customer,Olive Owner,olive@vendor.test,2027-03-31\n" +
		"SF-2,Beta GmbH,beta.test,45000.50,EUR,Mid-market,customer,Olive Owner,olive@vendor.test,2027-06-30\n" +
		"SF-3,Gamma Mail,gmail.com,1000,USD,SMB,prospect,,,\n" +
		"SF-4,Delta Ltd,delta.test,1e5,GBP,SMB,customer,,,\n" +
		"SF-5,Epsilon,epsilon.test,8000,USD,SMB,customer,,,\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "pam@example.com", "Pam")
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/staff/accounts/import"),
		chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
	)
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(`button[type="submit"].btn--primary`)))
	waitFor(t, ctx, `document.body.innerText.includes("5 rows: 3 ready to import, 2 errors")`)
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#errors tbody tr")].map(r => r.innerText.split("\t").slice(0, 2).join(" ")).join("|")`); got != "4 domains|5 arr" {
		t.Errorf("errors listed: %q", got)
	}
	screenshot(t, ctx, "crm-import-preview")

	step(t, ctx, chromedp.Click(chromedp.CSS("#import_valid")))
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS("#confirm")))
	waitFor(t, ctx, `document.querySelector("#progress") !== null`)
	app.runJobs(t)
	// The page reloads itself every 2 s until the import is done.
	waitThroughReloads(t, ctx, `document.body.innerText.includes("Import finished") && document.body.innerText.includes("5 of 5 rows done")`)
	if got := eval[string](t, ctx, `document.querySelector("#progress").innerText`); !strings.Contains(got, "Created 3, updated 0, skipped 2") {
		t.Errorf("result: %q", got)
	}
	screenshot(t, ctx, "crm-import-done")
	if n := app.count(t, `SELECT count(*) FROM crm_accounts WHERE source = 'csv'`); n != 3 {
		t.Errorf("%d accounts imported, want 3", n)
	}
}

// waitThroughReloads is waitFor on a page that reloads itself: a poll cut
// short by the reload starts again on the new page.
func waitThroughReloads(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pctx, cancel := context.WithDeadline(ctx, deadline)
		_, err := chromedp.Run(pctx, chromedp.Poll[bool](expr))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
	}
}
