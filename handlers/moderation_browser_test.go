package handlers

import (
	"fmt"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
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

	// On the idea page the moderator sees the comment marked hidden, with
	// the reason and a Restore button, and restores it there.
	sel := fmt.Sprintf("#comment-%d", cm.ID)
	ideaURL := app.srv.URL + "/ideas/" + itoa(idea.ID) + "/" + idea.Slug
	step(t, ctx,
		chromedp.Navigate(ideaURL),
		chromedp.WaitVisible(chromedp.CSS(sel+" .comment__state")),
	)
	if got := eval[string](t, ctx, `document.querySelector('`+sel+` .comment__state').innerText`); !strings.Contains(got, "Hidden (Advertising is not allowed.)") {
		t.Errorf("hidden comment is marked %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#comments-title').innerText`); !strings.HasPrefix(got, "1 comment") {
		t.Errorf("comments heading above the hidden comment = %q", got)
	}
	screenshot(t, ctx, "idea-hidden-comment")
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(sel+` form[action$="/restore"] button`)))
	waitFor(t, ctx, fmt.Sprintf(`location.hash === "#comment-%d" && document.body.innerText.includes("Restored")`, cm.ID))
	if n := eval[int](t, ctx, `document.querySelectorAll('`+sel+` .comment__state').length`); n != 0 {
		t.Error("the restored comment is still marked")
	}
	if n := app.commentCount(t, idea.ID); n != 1 {
		t.Errorf("comment_count = %d after restoring", n)
	}

	// And hides it again from the comment's own menu, with a reason.
	hide := sel + ` details[data-mod="hide"]`
	step(t, ctx,
		chromedp.Click(chromedp.CSS(hide+" summary")),
		chromedp.WaitVisible(chromedp.CSS(hide+` input[name="reason"]`)),
		chromedp.SendKeys(chromedp.CSS(hide+` input[name="reason"]`), "Still an advert"),
	)
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS(hide+" form")))
	waitFor(t, ctx, `document.querySelector('`+sel+` .comment__state') !== null`)
	if got := eval[string](t, ctx, `document.querySelector('`+sel+` .comment__state').innerText`); !strings.Contains(got, "Hidden (Still an advert)") {
		t.Errorf("re-hidden comment is marked %q", got)
	}
	screenshot(t, ctx, "idea-comment-hidden-again")
	if n := app.commentCount(t, idea.ID); n != 0 {
		t.Errorf("comment_count = %d after hiding again", n)
	}
}

// With JavaScript, Delete asks with confirm() and posts at once: dismissing
// the dialog changes nothing, accepting it deletes the comment.
func TestBrowserDeleteAsksWithConfirm(t *testing.T) {
	app := newTestApp(t)
	annC, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, annC, "Typo-prone comments")
	cm := app.postComment(t, annC, idea.ID, "A comment I will regret")

	ctx := newBrowser(t)
	// Each dialog gets the next answer; the page waits for it.
	answers := make(chan bool, 2)
	messages := make(chan string, 2)
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			messages <- ev.Message
			if _, err := chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: <-answers}); err != nil {
				return
			}
		}
	}()
	signInBrowser(t, ctx, app, "ann@example.com", "Ann")
	del := fmt.Sprintf(`#comment-%d a[data-confirm]`, cm.ID)
	step(t, ctx, chromedp.Navigate(app.srv.URL+"/ideas/"+itoa(idea.ID)+"/"+idea.Slug), chromedp.WaitVisible(chromedp.CSS(del)))

	answers <- false
	step(t, ctx, chromedp.Click(chromedp.CSS(del)))
	if msg := <-messages; !strings.Contains(msg, "Delete your comment?") {
		t.Errorf("dialog says %q", msg)
	}
	if _, body := do(t, annC, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), nil); !strings.Contains(body, "I will regret") {
		t.Fatal("dismissing the dialog deleted the comment")
	}

	answers <- true
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(del)))
	<-messages
	waitFor(t, ctx, fmt.Sprintf(`document.querySelector('#comment-%d').innerText.includes('This comment was deleted.')`, cm.ID))
}
