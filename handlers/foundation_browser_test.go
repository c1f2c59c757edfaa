package handlers

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The home page renders styled in a real browser under our CSP: the
// stylesheet and script load from the binary and nothing is blocked.
func TestBrowserHomePageIsStyled(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	step(t, ctx, chromedp.Navigate(app.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".hero__title")))

	if n := eval[int](t, ctx, `document.styleSheets.length && document.styleSheets[0].cssRules.length`); n < 50 {
		t.Fatalf("stylesheet has %d rules; CSS did not load", n)
	}
	// An unstyled page would have a transparent header and the default serif font.
	font := eval[string](t, ctx, `getComputedStyle(document.body).fontFamily`)
	if font == "" || font == `"Times New Roman"` || font == "serif" {
		t.Errorf("body font = %q; CSS not applied", font)
	}
	if pos := eval[string](t, ctx, `getComputedStyle(document.querySelector('.site-header')).position`); pos == "static" {
		t.Errorf("header position = %q; header styles missing", pos)
	}
	if w := eval[int](t, ctx, `document.querySelector('.brand__logo').naturalWidth`); w == 0 {
		t.Error("logo image did not load")
	}
	screenshot(t, ctx, "home-empty")

	step(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(app.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".hero__title")))
	if overflow := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("home page scrolls sideways on a phone")
	}
	screenshot(t, ctx, "home-empty-mobile")
}
