package handlers

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crowdwise/crowdwise/models"
)

// A member flags a comment from the idea page; a moderator finds it in the
// queue and hides it with a reason, all through the real pages.
func TestBrowserFlagAndModerate(t *testing.T) {
	app := newTestApp(t)
	annC, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, annC, "Calendar sync with Outlook")
	cm := app.postComment(t, annC, idea.ID, "Buy cheap watches at example.shop")
	app.signInAs(t, "mod@example.com", models.RoleModerator)

	ctx := newBrowser(t)
	signInBrowser(t, ctx, app, "bob@example.com", "Bob")
	flag := fmt.Sprintf("#comment-%d details.flag", cm.ID)
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/ideas/"+itoa(idea.ID)+"/"+idea.Slug),
		chromedp.Click(chromedp.CSS(flag+" summary")),
		chromedp.WaitVisible(chromedp.CSS(flag+" select")),
		chromedp.SetValue(chromedp.CSS(flag+" select"), "spam"),
		chromedp.SendKeys(chromedp.CSS(flag+" textarea"), "An advert for watches"),
	)
	screenshot(t, ctx, "flag-form")
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS(flag+" form")))
	waitFor(t, ctx, fmt.Sprintf(`location.hash === "#comment-%d"`, cm.ID))

	// Same browser, now as the moderator.
	step(t, ctx, chromedp.Navigate(app.srv.URL+"/signin"))
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS(`form[action="/signout"]`)))
	signInBrowser(t, ctx, app, "mod@example.com", "Mod")
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/staff/moderation"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`input[value="comment:%d"]`, cm.ID))),
	)
	screenshot(t, ctx, "moderation-queue")
	step(t, ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[value="comment:%d"]`, cm.ID))),
		chromedp.SetValue(chromedp.CSS("#mod-action"), "hide"),
		chromedp.SendKeys(chromedp.CSS("#mod-reason"), "Advertising is not allowed."),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#mod-reason")))
	waitFor(t, ctx, `document.body.innerText.includes("Hidden 1 item.") && document.body.innerText.includes("Nothing is waiting")`)
	if n := app.commentCount(t, idea.ID); n != 0 {
		t.Errorf("comment_count = %d after hiding", n)
	}
}
