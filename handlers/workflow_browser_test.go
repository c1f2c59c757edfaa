package handlers

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signOutBrowser signs out with the header's "Sign out" button.
func signOutBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.site-header__actions a[href^="/signin"]`)))
}

// The staff workflow in a real browser: a moderator merges a duplicate into
// the other and plans it with a public note; the voters of both ideas
// land on the combined idea, see the status change on their bell, and the
// roadmap lists the idea under Planned.
func TestBrowserStaffWorkflow(t *testing.T) {
	app := newTestApp(t)
	annC, _ := app.signIn(t, "ann@example.com")
	bobC, _ := app.signIn(t, "bob@example.com")
	source := app.postIdea(t, annC, "Dark theme for the editor") // the duplicate
	target := app.postIdea(t, bobC, "Dark mode everywhere")      // merged into
	veraC, _ := app.signIn(t, "vera@example.com")                // voter A: votes on the source
	waltC, _ := app.signIn(t, "walt@example.com")                // voter B: votes on the target
	if res, body := app.api(t, veraC, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", source.ID), ""); res.StatusCode != 200 {
		t.Fatalf("Vera's vote = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, waltC, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", target.ID), ""); res.StatusCode != 200 {
		t.Fatalf("Walt's vote = %d %s", res.StatusCode, body)
	}
	// A comment on the duplicate moves with the merge, marked with its origin.
	moved := app.postComment(t, veraC, source.ID, "I code at night, this would save my eyes.")

	sourcePath := fmt.Sprintf("/ideas/%d/%s", source.ID, source.Slug)
	targetPath := fmt.Sprintf("/ideas/%d/%s", target.ID, target.Slug)
	// Own votes of Ann and Bob, plus Vera's and Walt's; nobody voted for both.
	const wantVotes = "4"
	const note = "We will build one dark theme for the whole product."

	ctx := newBrowser(t)

	// The moderator signs in through the dev form; the role is read on
	// every request, so promoting after sign-in takes effect at once.
	signInBrowser(t, ctx, app, "mod@example.com", "Mod")
	if err := app.db.Exec(`UPDATE users SET role = 'moderator' WHERE email = ?`, "mod@example.com").Error; err != nil {
		t.Fatal(err)
	}

	// Source idea → "Merge into…" → search → preview.
	mergeLink := fmt.Sprintf(`a[href="/ideas/%d/merge"]`, source.ID)
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+sourcePath),
		chromedp.WaitVisible(chromedp.CSS(mergeLink)),
	)
	if got := eval[string](t, ctx, `document.querySelector('`+mergeLink+`').textContent.trim()`); got != "Merge into…" {
		t.Errorf("merge link text = %q", got)
	}
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(mergeLink)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#mq")))
	eval[string](t, ctx, `document.querySelector('#mq').value = ''`)
	step(t, ctx, chromedp.SendKeys(chromedp.CSS("#mq"), "dark mode"))
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#mq")))
	preview := fmt.Sprintf(`a[href="/ideas/%d/merge?into=%d"]`, source.ID, target.ID)
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(preview)))
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('a[href$="merge?into=%d"]').length`, source.ID)); n != 0 {
		t.Error("the idea is offered as a merge target for itself")
	}
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(preview)))
	mergeButton := fmt.Sprintf(`form[action="/ideas/%d/merge"] button[type=submit]`, source.ID)
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(mergeButton)))
	text := eval[string](t, ctx, `document.querySelector('.form-card').innerText`)
	// Either grammar passes for the single comment ("1 comments move" today).
	for _, want := range []string{
		`Merge Dark theme for the editor into Dark mode everywhere\?`,
		`\b2 votes move to the target`,
		`\b1 comments? moves?, each marked “originally on: Dark theme for the editor”`,
	} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("preview lacks %s:\n%s", want, text)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('`+mergeButton+`').textContent.trim()`); got != "Merge" {
		t.Errorf("confirm button = %q", got)
	}
	screenshot(t, ctx, "merge-preview")

	// Confirm: the browser lands on the target with everything moved.
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(mergeButton)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".idea__title")))
	checkOnTarget := func(who string) {
		t.Helper()
		if got := eval[string](t, ctx, `location.pathname`); got != targetPath {
			t.Errorf("%s: page is %s, want %s", who, got, targetPath)
		}
		if got := eval[string](t, ctx, `document.querySelector('.idea__title').textContent`); got != target.Title {
			t.Errorf("%s: title = %q, want %q", who, got, target.Title)
		}
		if got := eval[string](t, ctx, `document.querySelector('.idea__header [data-vote-count]').textContent.trim()`); got != wantVotes {
			t.Errorf("%s: vote count = %q, want %s", who, got, wantVotes)
		}
		marker := eval[string](t, ctx, fmt.Sprintf(`(document.querySelector('#comment-%d .comment__meta') || {innerText: ''}).innerText`, moved.ID))
		if !strings.Contains(marker, "originally on: "+source.Title) {
			t.Errorf("%s: moved comment meta = %q, want the origin marker", who, marker)
		}
	}
	checkOnTarget("moderator")
	if !eval[bool](t, ctx, `[...document.querySelectorAll('.idea__sidebar .suggestions__item span')].some(e => e.textContent === `+jsonString(source.Title)+`)`) {
		t.Error("the staff panel does not list the merged idea")
	}
	screenshot(t, ctx, "merged-idea")

	// Plan the target with a public note through the staff panel.
	step(t, ctx,
		chromedp.WaitVisible(chromedp.CSS("#status")),
		chromedp.SetValue(chromedp.CSS("#status"), "planned"),
		chromedp.SendKeys(chromedp.CSS("#status-note"), note),
	)
	updateButton := fmt.Sprintf(`form[action="/ideas/%d/status"] button[type=submit]`, target.ID)
	if got := eval[string](t, ctx, `document.querySelector('`+updateButton+`').textContent.trim()`); got != "Update status" {
		t.Errorf("status button = %q", got)
	}
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(updateButton)))
	step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if got := eval[string](t, ctx, `document.querySelector('.idea__header .badge').textContent`); got != "Planned" {
		t.Errorf("status badge after update = %q, want Planned", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#timeline').innerText`); !strings.Contains(got, "Planned") || !strings.Contains(got, note) {
		t.Errorf("timeline lacks the change and its note:\n%s", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#status').value`); got != "planned" {
		t.Errorf("status select after update = %q", got)
	}
	screenshot(t, ctx, "status-change")
	signOutBrowser(t, ctx)

	// The merged idea's URL redirects to the combined idea, temporarily (an
	// unmerge brings it back).
	res, _ := do(t, veraC, "GET", app.srv.URL+sourcePath, nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != targetPath {
		t.Errorf("GET %s = %d → %q, want 302 → %s", sourcePath, res.StatusCode, res.Header.Get("Location"), targetPath)
	}

	// Both voters: the merged idea's URL leads to the combined idea, which
	// counts their vote, and the bell tells them about the plan.
	wantTitle := `"` + target.Title + `" is now Planned`
	for _, voter := range []struct{ email, name, shot string }{
		{"vera@example.com", "Vera", "bell"},
		{"walt@example.com", "Walt", ""},
	} {
		signInBrowser(t, ctx, app, voter.email, voter.name)
		navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+sourcePath))
		step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".idea__title")))
		checkOnTarget(voter.name)
		if !eval[bool](t, ctx, `!!document.querySelector('.idea__header .vote.is-voted')`) {
			t.Errorf("%s: the combined idea does not show their vote", voter.name)
		}
		step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".bell .bell__count")))
		count, err := strconv.Atoi(strings.TrimSpace(eval[string](t, ctx, `document.querySelector('.bell .bell__count').textContent`)))
		if err != nil || count < 1 {
			t.Errorf("%s: bell count = %d (%v), want ≥ 1", voter.name, count, err)
		}
		if label := eval[string](t, ctx, `document.querySelector('.bell').getAttribute('aria-label')`); label != fmt.Sprintf("Notifications, %d unread", count) {
			t.Errorf("%s: bell label = %q", voter.name, label)
		}
		if voter.shot != "" {
			screenshot(t, ctx, voter.shot)
		}

		navigateBy(t, ctx, chromedp.Click(chromedp.CSS(".bell")))
		step(t, ctx, chromedp.WaitVisible(chromedp.CSS("#notifications")))
		row := `[...document.querySelectorAll('#notifications .idea-row')].find(r => r.querySelector('.idea-row__title a').textContent === ` + jsonString(wantTitle) + `)`
		if !eval[bool](t, ctx, `!!`+row) {
			t.Fatalf("%s: no %q notification:\n%s", voter.name, wantTitle, eval[string](t, ctx, `document.querySelector('#notifications').innerText`))
		}
		if !eval[bool](t, ctx, `!!`+row+`.querySelector('.badge--open')`) {
			t.Errorf("%s: the status notification is not marked New", voter.name)
		}
		if got := eval[string](t, ctx, row+`.querySelector('.idea-row__excerpt').textContent`); !strings.Contains(got, note) {
			t.Errorf("%s: notification text = %q, want the public note", voter.name, got)
		}
		if voter.shot != "" {
			screenshot(t, ctx, voter.shot+"-notifications")
		}
		// The notification leads to the combined idea.
		navigateBy(t, ctx, chromedp.Evaluate[chromedp.Void](row+`.querySelector('.idea-row__title a').click()`))
		step(t, ctx, chromedp.WaitVisible(chromedp.CSS(".idea__title")))
		checkOnTarget(voter.name + " (from the notification)")
		// Opening it marked it read (the request may land just after the page).
		for i := 0; ; i++ {
			var unread int64
			app.db.Raw(`SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE u.email = ? AND n.read_at IS NULL AND n.kind = 'status_change'`, voter.email).Scan(&unread)
			if unread == 0 {
				break
			}
			if i > 20000 {
				t.Fatalf("%s: opening the notification did not mark it read", voter.name)
			}
			runtime.Gosched()
		}
		signOutBrowser(t, ctx)
	}

	// The roadmap shows the combined idea under Planned, the duplicate nowhere.
	step(t, ctx,
		chromedp.Navigate(app.srv.URL+"/roadmap"),
		chromedp.WaitVisible(chromedp.CSS("#col-planned")),
	)
	planned := `document.querySelector('#col-planned').closest('.roadmap__column')`
	links := eval[[]string](t, ctx, `[...`+planned+`.querySelectorAll('.roadmap__item a')].map(a => a.getAttribute('href') + ' ' + a.textContent)`)
	if len(links) != 1 || links[0] != targetPath+" "+target.Title {
		t.Errorf("Planned column = %q, want just %s %s", links, targetPath, target.Title)
	}
	if got := eval[string](t, ctx, planned+`.querySelector('.roadmap__item .muted').textContent`); !strings.HasPrefix(got, wantVotes+" votes") {
		t.Errorf("Planned item meta = %q, want %s votes", got, wantVotes)
	}
	if eval[bool](t, ctx, `document.querySelector('.roadmap').innerText.includes(`+jsonString(source.Title)+`)`) {
		t.Error("the merged duplicate appears on the roadmap")
	}
	screenshot(t, ctx, "roadmap")
}
