package handlers

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crowdwise/crowdwise/models"
)

// In a real browser: "All" checks every row (and unchecking a row unchecks
// it), a row's own buttons act on that row alone, and a row's Hide takes its
// own reason.
func TestBrowserModerationRowActionsAndSelectAll(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	one := app.postIdea(t, ann, "First idea somebody flagged")
	two := app.postIdea(t, ann, "Second idea somebody flagged")
	for _, id := range []int64{one.ID, two.ID} {
		app.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", id), `{"reason":"spam"}`)
	}
	app.signInAs(t, "mod@example.com", models.RoleModerator)

	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "mod@example.com", "Mod")
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/staff/moderation"),
		chromedp.WaitVisible(chromedp.CSS("[data-select-all]")),
		chromedp.Click(chromedp.CSS("[data-select-all]")),
	)
	checked := `[...document.querySelectorAll('input[type="checkbox"][name="item"]')].map(b => b.checked).join()`
	if got := eval[string](t, ctx, checked); got != "true,true" {
		t.Errorf("after All: %s", got)
	}
	step(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#item-idea-%d`, one.ID))))
	if all := eval[bool](t, ctx, `document.querySelector("[data-select-all]").checked`); all {
		t.Error("All stays checked after unchecking a row")
	}
	screenshot(t, ctx, "moderation-row-actions")

	// The first row's "Dismiss flags" approves that item only, though the
	// second is still checked.
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[form="row-idea-%d"][value="approve"]`, one.ID))))
	waitFor(t, ctx, `document.body.innerText.includes("Approved 1 item.")`)
	if n := app.count(t, `SELECT count(*) FROM flags WHERE resolved_at IS NULL`); n != 1 {
		t.Errorf("%d open flags after dismissing one row's, want 1", n)
	}

	row := fmt.Sprintf("row-idea-%d", two.ID)
	step(t, ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`details:has(#%s-reason) > summary`, row))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#%s-reason`, row))),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#%s-reason`, row)), "Advertising is not allowed."),
	)
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[form="%s"][value="hide"]`, row))))
	waitFor(t, ctx, `document.body.innerText.includes("Hidden 1 item.") && document.body.innerText.includes("Nothing is waiting")`)
	if got := app.moderationOf(t, "ideas", two.ID); got != "hidden" {
		t.Errorf("second idea is %s after its row's Hide", got)
	}
	var reason string
	app.db.Raw(`SELECT moderation_reason FROM ideas WHERE id = ?`, two.ID).Scan(&reason)
	if reason != "Advertising is not allowed." {
		t.Errorf("reason = %q", reason)
	}
}
