package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signInBrowser signs in through the dev sign-in form.
func signInBrowser(t *testing.T, ctx context.Context, app *testApp, email, name string) {
	t.Helper()
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#dev-email")),
		chromedp.SendKeys(chromedp.CSS("#dev-email"), email),
		chromedp.SendKeys(chromedp.CSS("#dev-name"), name),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#dev-email")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".user-chip")))
}

// The everyday member journey in a real browser: post an idea (seeing a
// duplicate suggestion while typing), vote without a reload, reply two
// levels deep, and find the idea through search.
func TestBrowserCommunityJourney(t *testing.T) {
	app := newTestApp(t)
	seedC, _ := app.signIn(t, "old@example.com")
	existing := app.postIdea(t, seedC, "Dark mode for the dashboard")
	other := app.postIdea(t, seedC, "Export reports as PDF files")

	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "maya@example.com", "Maya")

	// Typing a title shows the existing idea as a suggestion.
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/ideas/new"),
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), "Dark mode"),
		chromedp.WaitVisible(chromedp.CSS("#suggestions .suggestions__item")),
	)
	if got := eval[string](t, ctx, `document.querySelector('#suggestions .suggestions__item a').textContent`); got != existing.Title {
		t.Errorf("suggestion = %q, want %q", got, existing.Title)
	}
	// "Vote for this instead" votes without leaving the form.
	step(t, ctx, chromedp.Click(chromedp.CSS("#suggestions .suggestions__item button")))
	waitFor(t, ctx, `document.querySelector('#suggestions .suggestions__item button').textContent === 'You voted for this'`)
	if !strings.Contains(eval[string](t, ctx, `document.querySelector('[data-suggestion-votes]').textContent`), "2 votes") {
		t.Error("suggestion vote did not update the count")
	}
	screenshot(t, ctx, "new-idea-suggestions")

	eval[string](t, ctx, `document.querySelector('#title').value = ''`)
	step(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#title"), "Offline mode for the mobile app"),
		chromedp.SendKeys(chromedp.CSS("#body"), "When the train goes into a tunnel, **nothing** works."),
		chromedp.SendKeys(chromedp.CSS("#tags"), "mobile, offline"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#title")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".idea__title")))
	// The title is unlike any other, so no confirm step: straight to the idea.
	if got := eval[string](t, ctx, `document.querySelector('.idea__title').textContent`); got != "Offline mode for the mobile app" {
		t.Fatalf("after posting, page shows %q", got)
	}
	ideaURL := eval[string](t, ctx, `location.pathname`)

	// Voting on another idea from the list changes the count in place.
	step(t, ctx, chromedp.Navigate(app.srv.URL+"/?sort=new"), chromedp.WaitVisible(chromedp.CSS(".idea-list")))
	eval[bool](t, ctx, `window.__marker = true`)
	sel := fmt.Sprintf(`#idea-%d [data-vote-count]`, other.ID)
	if got := eval[string](t, ctx, `document.querySelector('`+sel+`').textContent`); got != "1" {
		t.Fatalf("count before voting = %q", got)
	}
	step(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#idea-%d .vote__btn`, other.ID))))
	waitFor(t, ctx, fmt.Sprintf(`!!document.querySelector('#idea-%d .vote.is-voted')`, other.ID))
	if got := eval[string](t, ctx, `document.querySelector('`+sel+`').textContent`); got != "2" {
		t.Errorf("count after voting = %q, want 2", got)
	}
	if !eval[bool](t, ctx, `window.__marker === true`) {
		t.Error("voting reloaded the page")
	}
	screenshot(t, ctx, "home")

	// Reply two levels deep.
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+ideaURL),
		chromedp.WaitVisible(chromedp.CSS("#comment-body")),
		chromedp.SendKeys(chromedp.CSS("#comment-body"), "First comment"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#comment-body")))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".comment .comment__body")))
	for level, text := range []string{"Reply level one", "Reply level two"} {
		last := fmt.Sprintf(`(document.querySelectorAll('.comment'))[%d]`, level)
		eval[bool](t, ctx, last+`.querySelector('details.reply').open = true`)
		id := eval[string](t, ctx, last+`.id`)
		box := "#" + id + " > .comment__actions textarea[name=body]"
		step(t, ctx, chromedp.SendKeys(chromedp.CSS(box), text))
		navigateBy(t, ctx, chromedp.Submit(chromedp.CSS(box)))
	}
	depth := eval[int](t, ctx, `(function(){var c=[...document.querySelectorAll('.comment__body')].find(e=>e.textContent.includes('Reply level two')).closest('.comment');var d=0;while(c.parentElement.closest('.comment')){c=c.parentElement.closest('.comment');d++}return d})()`)
	if depth != 2 {
		t.Errorf("second-level reply sits at depth %d, want 2", depth)
	}
	screenshot(t, ctx, "idea")

	// Search finds it.
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/search?q=tunnel"),
		chromedp.WaitVisible(chromedp.CSS(".idea-row__title")),
	)
	if got := eval[string](t, ctx, `document.querySelector('.idea-row__title').textContent`); got != "Offline mode for the mobile app" {
		t.Errorf("search result = %q", got)
	}
	if eval[int](t, ctx, `document.querySelectorAll('.search-snippet mark').length`) == 0 {
		t.Error("search snippet has no highlight")
	}
}

// Stored XSS in a title, a body and a comment never runs in the browser.
func TestBrowserStoredXSSDoesNotExecute(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "eve@example.com")
	res, body := app.api(t, c, "POST", "/api/v1/ideas", `{"title":"<img src=x onerror=\"window.__xss='title'\"> pwn","body":"<script>window.__xss='body'</script>\n\n[click](javascript:window.__xss='link')\n\n<a href=\"#\" onclick=\"window.__xss='onclick'\">x</a>"}`)
	if res.StatusCode != 201 {
		t.Fatalf("post = %d %s", res.StatusCode, body)
	}
	idea := decode[apiIdea](t, body)
	app.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID),
		`{"body":"<svg onload=\"window.__xss='comment'\"></svg> [link](javascript:window.__xss='clink') <b onmouseover=\"window.__xss='hover'\">x</b>"}`)

	ctx := newBrowser(t)
	for _, p := range []string{"/", "/?sort=new", strings.TrimPrefix(idea.URL, "http://localhost:8080"), "/search?q=pwn"} {
		step(t, ctx, chromedp.Navigate(app.srv.URL+p), chromedp.WaitReady(chromedp.CSS("footer")))
		// Click every link in user content: a javascript: URL would run now.
		eval[bool](t, ctx, `[...document.querySelectorAll('.idea__body a, .comment__body a')].forEach(a => { if (a.protocol === 'javascript:') a.click() }) || true`)
		if got := eval[string](t, ctx, `String(window.__xss)`); got != "undefined" {
			t.Errorf("%s: injected script ran (%s)", p, got)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.idea__body a[href^="javascript"], .comment__body a[href^="javascript"]').length`); n != 0 {
		t.Errorf("%d javascript: links rendered", n)
	}
}
