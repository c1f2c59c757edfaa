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
