package handlers

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Typing-time duplicate suggestions show each idea's status and offer a
// vote only where voting is open.
func TestBrowserSuggestionsShowStatusAndVoteOnlyWhereOpen(t *testing.T) {
	app := newTestApp(t)
	seedC, _ := app.signIn(t, "old@example.com")
	app.postIdea(t, seedC, "Dark mode for the dashboard")
	shipped := app.postIdea(t, seedC, "Dark mode for the reports")
	if err := app.db.Exec(`UPDATE ideas SET status = 'shipped' WHERE id = ?`, shipped.ID).Error; err != nil {
		t.Fatal(err)
	}

	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "maya@example.com", "Maya")
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/ideas/new"),
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), "Dark mode"),
	)
	waitFor(t, ctx, `document.querySelectorAll('#suggestions .suggestions__item').length === 2`)
	type item struct {
		Title, Badge, Text string
		Button             bool
	}
	items := eval[[]item](t, ctx, `[...document.querySelectorAll('#suggestions .suggestions__item')].map(li => ({
		Title: li.querySelector('a').textContent, Badge: li.querySelector('.badge').textContent,
		Text: li.textContent, Button: !!li.querySelector('button')}))`)
	for _, it := range items {
		switch it.Title {
		case "Dark mode for the dashboard":
			if it.Badge != "Open" || !it.Button {
				t.Errorf("open suggestion: %+v", it)
			}
		case "Dark mode for the reports":
			if it.Badge != "Shipped" || it.Button {
				t.Errorf("shipped suggestion offers a vote or hides its status: %+v", it)
			}
		default:
			t.Errorf("unexpected suggestion %+v", it)
		}
	}
	screenshot(t, ctx, "suggestions-status")
}

// Every textarea counts its characters against its limit while typing.
func TestBrowserTextareasCountTowardsTheirLimit(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "maya@example.com", "Maya")
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/ideas/new"),
		chromedp.WaitVisible(chromedp.CSS("#body")),
	)
	counter := `document.querySelector('#body + [data-counter]').textContent`
	if got := eval[string](t, ctx, counter); got != "0 / 10,000 characters" {
		t.Errorf("empty description counter = %q", got)
	}
	step(t, ctx, chromedp.SendKeys(chromedp.CSS("#body"), "Twelve chars"))
	waitFor(t, ctx, counter+` === "12 / 10,000 characters"`)
	// Near the limit it turns red; the browser stops at the limit itself.
	eval[bool](t, ctx, `(el => { el.value = "x".repeat(9990); el.dispatchEvent(new Event("input")); return true })(document.querySelector('#body'))`)
	if !eval[bool](t, ctx, `document.querySelector('#body + [data-counter]').classList.contains('is-near')`) {
		t.Error("counter not marked near the limit at 9,990 of 10,000")
	}
	step(t, ctx, chromedp.SendKeys(chromedp.CSS("#body"), "0123456789ABCDEF"))
	waitFor(t, ctx, counter+` === "10,000 / 10,000 characters"`)
	screenshot(t, ctx, "textarea-counter")
}
