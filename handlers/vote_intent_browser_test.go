package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A visitor clicks the vote arrow on an idea, is told the sign-in is for
// that vote, signs in with dev sign-in and lands back on the idea with the
// vote counted — with JavaScript on, which first tries the API and then
// posts the form.
func TestBrowserVisitorVoteSurvivesSignIn(t *testing.T) {
	app := newTestApp(t)
	author, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, author, "Keyboard shortcuts everywhere")

	ctx := newBrowser(t)
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+idea.path()),
		chromedp.WaitVisible(chromedp.CSS(".idea [data-vote-form] button")),
	)
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(".idea [data-vote-form] button")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#dev-email")))
	if got := eval[string](t, ctx, `document.querySelector('.signin .alert--info').textContent`); !strings.Contains(got, "Sign in to vote for “"+idea.Title+"”") {
		t.Errorf("sign-in page says %q", got)
	}
	screenshot(t, ctx, "signin-to-vote")
	step(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#dev-email"), "vic@example.com"),
		chromedp.SendKeys(chromedp.CSS("#dev-name"), "Vic"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#dev-email")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".alert--success")))
	if loc := eval[string](t, ctx, `location.pathname`); loc != idea.path() {
		t.Errorf("landed on %q, want the idea", loc)
	}
	if got := eval[string](t, ctx, `document.querySelector('.alert--success').textContent`); !strings.Contains(got, "your vote is counted") {
		t.Errorf("notice %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('.idea [data-vote-count]').textContent + ' ' + document.querySelector('.idea [data-vote-form] button').getAttribute('aria-pressed')`); got != "2 true" {
		t.Errorf("vote box shows %q, want 2 votes with this one pressed", got)
	}
	if n := app.voteCount(t, idea.ID); n != 2 {
		t.Errorf("vote_count %d", n)
	}
	screenshot(t, ctx, "voted-after-signin")
}
