package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A visitor signs in with dev sign-in, lands back where they started, edits
// their name in settings and signs out — all through real forms.
func TestBrowserSignInSettingsSignOut(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS("#dev-email")),
	)
	if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != "/signin?next=%2Fsettings" {
		t.Errorf("anonymous /settings went to %q", loc)
	}
	screenshot(t, ctx, "signin")
	step(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#dev-email"), "gwen@example.com"),
		chromedp.SendKeys(chromedp.CSS("#dev-name"), "Gwen"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#dev-email")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#name")))
	if got := eval[string](t, ctx, `document.querySelector('.user-chip').textContent.trim()`); got != "Gwen" {
		t.Errorf("header shows %q after sign-in", got)
	}
	eval[string](t, ctx, `document.querySelector('#name').value = ''`)
	step(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "Gwen Stacy"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#name")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".alert--success")))
	if got := eval[string](t, ctx, `document.querySelector('.user-chip').textContent.trim()`); got != "Gwen Stacy" {
		t.Errorf("header shows %q after rename", got)
	}
	screenshot(t, ctx, "settings")
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.site-header__actions a[href^="/signin"]`)))
	if html := eval[string](t, ctx, `document.querySelector('.site-header').innerHTML`); strings.Contains(html, "Gwen") {
		t.Error("still shown as signed in after sign-out")
	}
}
