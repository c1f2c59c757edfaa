package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crowdwise/crowdwise/integrations/mail"
	"github.com/crowdwise/crowdwise/integrations/mail/mailtest"
	"github.com/crowdwise/crowdwise/models"
)

// bellCount is the number on the header's bell, or "" when there is none.
func bellCount(body string) string {
	m := regexp.MustCompile(`<span class="bell__count"[^>]*>([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// addNotifications gives u n unread notifications titled "Note 1" … "Note n",
// oldest first.
func addNotifications(t *testing.T, app *testApp, u *models.User, n int) {
	t.Helper()
	err := app.db.Exec(`INSERT INTO notifications (user_id, kind, title, url, created_at)
		SELECT ?, 'status_change', 'Note ' || g, '/ideas/1/x', now() - (? - g) * interval '1 minute'
		FROM generate_series(1, ?) g`, u.ID, n, n).Error
	if err != nil {
		t.Fatal(err)
	}
}

func TestBellShowsUnreadCount(t *testing.T) {
	app := newTestApp(t)
	ann, annUser := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	idea, err := models.CreateIdea(context.Background(), app.db, annUser, models.IdeaInput{Title: "Calendar view for ideas"})
	if err != nil {
		t.Fatal(err)
	}
	// Bob comments through the site; Ann follows her own idea.
	res, body := app.form(t, bob, "/ideas/"+itoa(idea.ID)+"/comments", url.Values{"body": {"Yes please"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment = %d: %s", res.StatusCode, body)
	}
	_, body = do(t, ann, "GET", app.srv.URL+"/", nil)
	if bellCount(body) != "1" || !strings.Contains(body, `aria-label="Notifications, 1 unread"`) || !strings.Contains(body, `href="/notifications"`) {
		t.Errorf("Ann's bell = %q", bellCount(body))
	}
	_, body = do(t, bob, "GET", app.srv.URL+"/", nil)
	if bellCount(body) != "" || !strings.Contains(body, `class="bell"`) {
		t.Errorf("Bob has a bell without a count: %q", bellCount(body))
	}
	_, body = do(t, app.client(), "GET", app.srv.URL+"/", nil)
	if strings.Contains(body, `class="bell"`) {
		t.Error("anonymous visitors see a bell")
	}
	addNotifications(t, app, annUser, 120)
	if _, body = do(t, ann, "GET", app.srv.URL+"/", nil); bellCount(body) != "99+" || !strings.Contains(body, `aria-label="Notifications, 99+ unread"`) {
		t.Errorf("large count shows %q", bellCount(body))
	}
}

func TestNotificationsPaginateAndMarkRead(t *testing.T) {
	app := newTestApp(t)
	ann, annUser := app.signIn(t, "ann@example.com")
	_, bobUser := app.signIn(t, "bob@example.com")
	addNotifications(t, app, annUser, 25)
	addNotifications(t, app, bobUser, 1)

	rows := regexp.MustCompile(`id="notification-(\d+)"`)
	res, body := do(t, ann, "GET", app.srv.URL+"/notifications", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /notifications = %d", res.StatusCode)
	}
	ids := rows.FindAllStringSubmatch(body, -1)
	if len(ids) != 20 || !strings.Contains(body, "Page 1 of 2") || !strings.Contains(body, `href="/notifications?page=2"`) {
		t.Fatalf("page 1 has %d rows", len(ids))
	}
	if strings.Index(body, ">Note 25<") > strings.Index(body, ">Note 6<") || strings.Contains(body, ">Note 5<") {
		t.Error("page 1 is not the 20 newest, newest first")
	}
	_, body = do(t, ann, "GET", app.srv.URL+"/notifications?page=2", nil)
	page2 := rows.FindAllStringSubmatch(body, -1)
	if len(page2) != 5 || !strings.Contains(body, ">Note 1<") {
		t.Fatalf("page 2 has %d rows", len(page2))
	}
	if res, body := do(t, ann, "GET", app.srv.URL+"/notifications?page=x", nil); res.StatusCode != http.StatusOK || !strings.Contains(body, "Page 1 of 2") {
		t.Errorf("page=x = %d, want page 1", res.StatusCode)
	}

	// Mark one read from page 2: back to page 2, one fewer on the bell.
	res, _ = app.form(t, ann, "/notifications/read", url.Values{"id": {page2[0][1]}, "page": {"2"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/notifications?page=2" {
		t.Errorf("mark read = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body = do(t, ann, "GET", app.srv.URL+"/notifications?page=2", nil); bellCount(body) != "24" {
		t.Errorf("bell after one read = %q", bellCount(body))
	}
	// Someone else's notification is not found; a form naming nothing is bad.
	var bobs int64
	app.db.Raw(`SELECT id FROM notifications WHERE user_id = ?`, bobUser.ID).Scan(&bobs)
	if res, _ := app.form(t, ann, "/notifications/read", url.Values{"id": {itoa(bobs)}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("marking Bob's notification = %d", res.StatusCode)
	}
	if res, _ := app.form(t, ann, "/notifications/read", url.Values{}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("empty form = %d", res.StatusCode)
	}
	// Without the CSRF token nothing happens.
	res, _ = do(t, ann, "POST", app.srv.URL+"/notifications/read", strings.NewReader("all=1"), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("mark all without CSRF = %d", res.StatusCode)
	}
	// Mark all: the bell goes quiet; a local next is honoured, others are not.
	res, _ = app.form(t, ann, "/notifications/read", url.Values{"all": {"1"}, "next": {"https://evil.example/"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("mark all = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = do(t, ann, "GET", app.srv.URL+"/notifications", nil)
	if bellCount(body) != "" || strings.Contains(body, "Mark all as read") || strings.Contains(body, ">New<") {
		t.Errorf("after mark all: bell %q", bellCount(body))
	}
	var unread int64
	app.db.Raw(`SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, bobUser.ID).Scan(&unread)
	if unread != 1 {
		t.Error("marking all read touched someone else's notifications")
	}
}

func TestNotificationsRequireSignIn(t *testing.T) {
	app := newTestApp(t)
	res, _ := do(t, app.client(), "GET", app.srv.URL+"/notifications?page=2", nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/signin?next="+url.QueryEscape("/notifications?page=2") {
		t.Errorf("anonymous GET /notifications = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	anon := app.client()
	res, _ = app.form(t, anon, "/notifications/read", url.Values{"all": {"1"}})
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("anonymous POST /notifications/read = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = app.form(t, anon, "/settings/notifications", url.Values{"reply": {"off"}})
	if res.StatusCode != http.StatusFound {
		t.Errorf("anonymous POST /settings/notifications = %d", res.StatusCode)
	}
}

func TestNotificationSettings(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signIn(t, "ann@example.com")
	_, body := do(t, c, "GET", app.srv.URL+"/settings", nil)
	for kind, mode := range models.DefaultModes {
		if !strings.Contains(body, `name="`+kind+`" value="`+mode+`" checked`) {
			t.Errorf("settings do not show the default %s for %s", mode, kind)
		}
	}
	if !strings.Contains(body, `id="notifications"`) || !strings.Contains(body, `action="/settings/notifications"`) || !strings.Contains(body, "Sign-in methods") {
		t.Error("settings page lacks the notifications card or lost its other cards")
	}

	form := url.Values{}
	for _, k := range models.NotificationKinds {
		form.Set(k, "immediate")
	}
	form.Set("status_change", "digest")
	form.Set("comment", "off")
	form.Set("hidden", "sometimes")
	res, body := app.form(t, c, "/settings/notifications", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "form__error") ||
		!strings.Contains(body, `name="status_change" value="digest" checked`) || !strings.Contains(body, "Sign-in methods") {
		t.Errorf("bad mode = %d; the form must come back with the choices kept", res.StatusCode)
	}
	if prefs, _ := models.NotificationPrefsOf(context.Background(), app.db, u.ID); prefs[models.KindStatusChange] != models.ModeImmediate {
		t.Errorf("invalid form saved something: %v", prefs)
	}

	form.Set("hidden", "off")
	res, _ = app.form(t, c, "/settings/notifications", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings?notice=saved#notifications" {
		t.Fatalf("save = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	prefs, _ := models.NotificationPrefsOf(context.Background(), app.db, u.ID)
	if prefs[models.KindStatusChange] != "digest" || prefs[models.KindComment] != "off" || prefs[models.KindHidden] != "off" {
		t.Errorf("saved: %v", prefs)
	}
	_, body = do(t, c, "GET", app.srv.URL+"/settings?notice=saved", nil)
	if !strings.Contains(body, `name="comment" value="off" checked`) || !strings.Contains(body, "Saved.") {
		t.Error("settings do not show the saved choice")
	}
}

func TestUnsubscribe(t *testing.T) {
	app := newTestApp(t)
	_, ann := app.signIn(t, "ann@example.com")
	secret := testOptions().SessionSecret
	token := models.UnsubscribeToken(secret, ann.ID, models.KindReply)
	mode := func() string {
		prefs, err := models.NotificationPrefsOf(context.Background(), app.db, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		return prefs[models.KindReply]
	}

	// GET only asks: scanners that follow links change nothing.
	res, body := do(t, app.client(), "GET", app.srv.URL+"/unsubscribe?t="+url.QueryEscape(token), nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `action="/unsubscribe"`) || !strings.Contains(body, "Replies to your comments") {
		t.Fatalf("confirm page = %d", res.StatusCode)
	}
	if mode() != models.ModeImmediate {
		t.Fatal("GET unsubscribed")
	}

	// RFC 8058 one-click: a POST to the List-Unsubscribe URL with no
	// cookies, no CSRF token, just the token in the URL.
	res, body = do(t, &http.Client{}, "POST", app.srv.URL+"/unsubscribe?t="+url.QueryEscape(token),
		strings.NewReader("List-Unsubscribe=One-Click"), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "unsubscribed") {
		t.Fatalf("one-click = %d: %s", res.StatusCode, body)
	}
	if mode() != models.ModeOff {
		t.Errorf("reply mode after one-click = %s", mode())
	}

	// The confirm page's form posts the token in the body.
	other := models.UnsubscribeToken(secret, ann.ID, models.KindStatusChange)
	res, _ = do(t, app.client(), "POST", app.srv.URL+"/unsubscribe", strings.NewReader(url.Values{"t": {other}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if prefs, _ := models.NotificationPrefsOf(context.Background(), app.db, ann.ID); res.StatusCode != http.StatusOK || prefs[models.KindStatusChange] != models.ModeOff {
		t.Errorf("form unsubscribe = %d, %v", res.StatusCode, prefs)
	}

	// Forged, tampered or missing tokens are refused.
	forged := []string{
		"", "garbage", token[:len(token)-2] + "xx",
		strings.Replace(token, ".reply.", ".comment.", 1),
		models.UnsubscribeToken([]byte(strings.Repeat("z", 32)), ann.ID, models.KindComment),
	}
	for _, f := range forged {
		res, _ := do(t, &http.Client{}, "POST", app.srv.URL+"/unsubscribe?t="+url.QueryEscape(f),
			strings.NewReader("List-Unsubscribe=One-Click"), "Content-Type", "application/x-www-form-urlencoded")
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST with token %q = %d, want 400", f, res.StatusCode)
		}
		if res, _ := do(t, app.client(), "GET", app.srv.URL+"/unsubscribe?t="+url.QueryEscape(f), nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET with token %q = %d, want 400", f, res.StatusCode)
		}
	}
	if prefs, _ := models.NotificationPrefsOf(context.Background(), app.db, ann.ID); prefs[models.KindComment] != models.DefaultModes[models.KindComment] {
		t.Errorf("a forged token changed preferences: %v", prefs)
	}
}

// TestReplyThroughTheSiteIsEmailedByTheWorker follows one event from a form
// post to a real SMTP server: the request only queues; the worker sends.
func TestReplyThroughTheSiteIsEmailedByTheWorker(t *testing.T) {
	app := newTestApp(t)
	ann, annUser := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	idea, err := models.CreateIdea(context.Background(), app.db, annUser, models.IdeaInput{Title: "Two-factor sign-in"})
	if err != nil {
		t.Fatal(err)
	}
	app.form(t, ann, "/ideas/"+itoa(idea.ID)+"/comments", url.Values{"body": {"Would TOTP be enough?"}})
	var parent int64
	app.db.Raw(`SELECT id FROM comments WHERE idea_id = ?`, idea.ID).Scan(&parent)
	res, _ := app.form(t, bob, "/ideas/"+itoa(idea.ID)+"/comments", url.Values{"body": {"TOTP <and> WebAuthn"}, "parent_id": {itoa(parent)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply = %d", res.StatusCode)
	}

	srv := mailtest.Start(t, mailtest.Options{})
	sender, _ := mail.ParseURL(srv.URL)
	opts := testOptions()
	cfg := models.JobConfig{Mail: models.MailConfig{Sender: sender, From: "ideas@example.com", BaseURL: opts.BaseURL.String(), Secret: opts.SessionSecret}}
	if _, err := models.RunDueJobs(context.Background(), app.db, cfg); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].To[0] != "ann@example.com" {
		t.Fatalf("messages: %+v", got)
	}
	m := mailtest.Parse(t, got[0].Data)
	if m.Subject() != `bob replied to your comment on "Two-factor sign-in"` || !strings.Contains(m.HTML, "TOTP &lt;and&gt; WebAuthn") {
		t.Errorf("email: %q\n%s", m.Subject(), m.HTML)
	}
	// The email's unsubscribe URL works as the mail client would use it.
	lu := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	u, _ := url.Parse(lu)
	res, _ = do(t, &http.Client{}, "POST", app.srv.URL+u.RequestURI(), strings.NewReader("List-Unsubscribe=One-Click"),
		"Content-Type", "application/x-www-form-urlencoded")
	prefs, _ := models.NotificationPrefsOf(context.Background(), app.db, annUser.ID)
	if res.StatusCode != http.StatusOK || prefs[models.KindReply] != models.ModeOff {
		t.Errorf("one-click from the email = %d, reply mode %s", res.StatusCode, prefs[models.KindReply])
	}
}

// A member sees the bell's count, opens the list, marks everything read and
// changes a preference — through the real pages in a browser.
func TestBrowserBellListAndPreferences(t *testing.T) {
	app := newTestApp(t)
	ctx := newBrowser(t)
	step(t, ctx, chromedp.Navigate(app.srv.URL+"/signin"), chromedp.WaitVisible(chromedp.CSS("#dev-email")))
	step(t, ctx, chromedp.SendKeys(chromedp.CSS("#dev-email"), "hana@example.com"), chromedp.SendKeys(chromedp.CSS("#dev-name"), "Hana"))
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS("#dev-email")))
	var u models.User
	if err := app.db.Where("email = ?", "hana@example.com").Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	addNotifications(t, app, &u, 3)
	app.db.Exec(`UPDATE notifications SET body = 'We plan to ship this in the spring release.' WHERE user_id = ?`, u.ID)

	navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+"/"))
	if got := eval[string](t, ctx, `document.querySelector('.bell__count').textContent`); got != "3" {
		t.Errorf("bell shows %q", got)
	}
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(".bell")))
	if n := eval[int](t, ctx, `document.querySelectorAll('#notifications > li').length`); n != 3 {
		t.Errorf("list has %d rows", n)
	}
	screenshot(t, ctx, "notifications")
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/notifications/read"] input[name="all"] ~ button`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('.bell__count').length`); n != 0 {
		t.Error("bell still counts after mark all")
	}

	navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+"/settings#notifications"))
	step(t, ctx, chromedp.Click(chromedp.CSS(`input[name="reply"][value="off"]`)))
	navigateBy(t, ctx, chromedp.Submit(chromedp.CSS(`form[action="/settings/notifications"]`)))
	if !eval[bool](t, ctx, `document.querySelector('input[name="reply"][value="off"]').checked`) {
		t.Error("saved preference not shown")
	}
	screenshot(t, ctx, "settings-notifications")

	token := models.UnsubscribeToken(testOptions().SessionSecret, u.ID, models.KindStatusChange)
	navigateBy(t, ctx, chromedp.Navigate(app.srv.URL+"/unsubscribe?t="+url.QueryEscape(token)))
	screenshot(t, ctx, "unsubscribe")
	navigateBy(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/unsubscribe"] button`)))
	if h := eval[string](t, ctx, `document.querySelector('h1').textContent`); h != "You're unsubscribed" {
		t.Errorf("after confirming: %q", h)
	}
}
