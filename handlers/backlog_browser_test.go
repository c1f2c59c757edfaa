package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A product manager promotes an idea to the built-in board from its page,
// drags the card to In progress (JavaScript), moves it to Done with its
// button (no JavaScript needed), and a voter sees "Shipped" in the bell.
func TestBrowserPromoteToBoardAndShip(t *testing.T) {
	app := newTestApp(t)
	annC, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, annC, "Export reports to CSV")
	veraC, _ := app.signIn(t, "vera@example.com")
	if res, body := app.api(t, veraC, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID), ""); res.StatusCode != 200 {
		t.Fatalf("Vera's vote = %d %s", res.StatusCode, body)
	}
	ideaPath := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)

	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "pm@example.com", "Petra")
	if err := app.db.Exec(`UPDATE users SET role = 'product_manager' WHERE email = ?`, "pm@example.com").Error; err != nil {
		t.Fatal(err)
	}

	// Promote from the idea page.
	step(t, ctx, chromedp.Navigate(app.srv.URL+ideaPath), chromedp.WaitVisible(chromedp.CSS("#promote-form")))
	if got := eval[string](t, ctx, `document.querySelector('#promote-provider').value`); got != "internal" {
		t.Errorf("default provider = %q, want internal", got)
	}
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(`#promote-form button[type=submit]`)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#backlog [data-provider="internal"]`)))
	if got := eval[string](t, ctx, `document.querySelector('.idea__header .badge').textContent`); got != "Planned" {
		t.Errorf("status after promotion = %q, want Planned", got)
	}
	screenshot(t, ctx, "backlog-promoted")

	// The board: the card is in Backlog with its votes.
	navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+"/staff/backlog"))
	card := `[data-column="backlog"] [data-item]`
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(card)))
	if got := eval[string](t, ctx, `document.querySelector('`+card+`').innerText`); !strings.Contains(got, idea.Title) || !strings.Contains(got, "2 votes") {
		t.Errorf("card = %q, want the title and 2 votes", got)
	}
	// Drag it onto In progress: the script calls the API and reloads.
	navigateBy(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const card = document.querySelector('`+card+`');
		const target = document.querySelector('[data-column="in_progress"]');
		const dt = new DataTransfer();
		card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
		target.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
		target.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
	})()`))
	moved := `[data-column="in_progress"] [data-item]`
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(moved)))
	screenshot(t, ctx, "backlog-board")
	// Then to Done with the card's button.
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(moved+` button[value="done"]`)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-column="done"] [data-item]`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-column="in_progress"] [data-item]').length`); n != 0 {
		t.Errorf("%d cards left in In progress", n)
	}
	screenshot(t, ctx, "backlog-done")
	signOutBrowser(t, ctx)

	// The voter: the bell has the news, and it says Shipped.
	signInBrowser(t, ctx, app, "vera@example.com", "Vera")
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".bell .bell__count")))
	screenshot(t, ctx, "backlog-voter-bell")
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(".bell")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#notifications")))
	want := `"` + idea.Title + `" is now Shipped`
	if !eval[bool](t, ctx, `[...document.querySelectorAll('#notifications .idea-row__title a')].some(a => a.textContent === `+jsonString(want)+`)`) {
		t.Fatalf("no %q notification:\n%s", want, eval[string](t, ctx, `document.querySelector('#notifications').innerText`))
	}
	screenshot(t, ctx, "backlog-voter-shipped")
	// The public page says where the idea is, without the board's internals.
	navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+ideaPath))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#backlog")))
	if got := eval[string](t, ctx, `document.querySelector('#backlog').innerText`); !strings.Contains(got, "In the backlog") || !strings.Contains(got, "Done") {
		t.Errorf("voter's backlog line = %q", got)
	}
}
