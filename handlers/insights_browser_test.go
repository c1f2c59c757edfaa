package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A product manager opens the insights page in a real browser: the charts
// draw with the stylesheet's colours (nothing inline, which the CSP would
// block), and the segment filter narrows them without any script.
func TestBrowserInsightsPageAsProductManager(t *testing.T) {
	app := newInsightsApp(t)
	ctx := newBrowser(t)
	signInBrowser(t, ctx, app.testApp, "pm@example.com", "pm")
	navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+"/staff/insights"))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#chart-top_arr svg.chart")))
	if n := eval[int](t, ctx, `document.querySelectorAll("svg.chart").length`); n < 7 {
		t.Errorf("%d charts drawn", n)
	}
	fill := eval[string](t, ctx, `getComputedStyle(document.querySelector("#chart-top_arr rect.chart-arr")).fill`)
	if fill != "rgb(14, 116, 144)" {
		t.Errorf("ARR bar fill = %q: the stylesheet did not colour the chart", fill)
	}
	if w := eval[float64](t, ctx, `document.querySelector("#chart-top_arr rect.chart-arr").getBBox().width`); w < 10 {
		t.Errorf("ARR bar width %v", w)
	}
	screenshot(t, ctx, "insights-product-manager")

	step(t, ctx, chromedp.SetValue(chromedp.CSS("#i-segment"), "SMB"))
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#i-segment")))
	waitFor(t, ctx, `location.search.includes("segment=SMB") && document.querySelector("#chart-top_votes table") !== null`)
	rows := eval[string](t, ctx, `[...document.querySelectorAll("#chart-top_votes tbody tr")].map(r => r.textContent).join("\n")`)
	if strings.Contains(rows, "Loud idea") || !strings.Contains(rows, "HYPERLINK") {
		t.Errorf("top by votes under SMB:\n%s", rows)
	}
	screenshot(t, ctx, "insights-segment-filter")
}
