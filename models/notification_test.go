package models_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/mail"
	"github.com/crowdwise/crowdwise/integrations/mail/mailtest"
	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

const notifyBase = "https://ideas.example.com"

var notifySecret = []byte(strings.Repeat("n", 32))

// notifyEnv is a fresh database, a real SMTP server and a job config that
// delivers to it.
type notifyEnv struct {
	db  *gorm.DB
	srv *mailtest.Server
	cfg models.JobConfig
}

func newNotifyEnv(t *testing.T) *notifyEnv {
	t.Helper()
	db := testdb.Open(t)
	// Limits are someone else's test; these tests post in quick bursts.
	if err := db.Exec(`UPDATE site_settings SET ideas_per_hour = 1000, comment_interval_seconds = 0,
		duplicate_window_minutes = 0, votes_per_minute = 100000`).Error; err != nil {
		t.Fatal(err)
	}
	e := &notifyEnv{db: db}
	e.connect(t)
	return e
}

// connect starts a new SMTP server and points the job config at it, as a
// restarted process would.
func (e *notifyEnv) connect(t *testing.T) {
	t.Helper()
	e.srv = mailtest.Start(t, mailtest.Options{Username: "crowdwise", Password: "secret"})
	sender, err := mail.ParseURL(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.cfg = models.JobConfig{
		Mail:   models.MailConfig{Sender: sender, From: "Crowdwise <ideas@example.com>", BaseURL: notifyBase, Secret: notifySecret},
		Logger: logger,
	}
}

func (e *notifyEnv) run(t *testing.T) int {
	t.Helper()
	n, err := models.RunDueJobs(context.Background(), e.db, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// queueDigest queues the digest of now's day, as River's periodic job does
// at the digest hour.
func (e *notifyEnv) queueDigest(t *testing.T, now time.Time) {
	t.Helper()
	err := e.db.Transaction(func(tx *gorm.DB) error { return models.QueueDigest(context.Background(), tx, now) })
	if err != nil {
		t.Fatal(err)
	}
}

// retryNow makes every job waiting for a retry due now.
func (e *notifyEnv) retryNow(t *testing.T) {
	t.Helper()
	if err := e.db.Exec(`UPDATE river_job SET state = 'available', scheduled_at = now() WHERE state = 'retryable'`).Error; err != nil {
		t.Fatal(err)
	}
}

// inbox maps each recipient to the messages they got.
func (e *notifyEnv) inbox(t *testing.T) map[string][]*mailtest.Mail {
	t.Helper()
	out := map[string][]*mailtest.Mail{}
	for _, r := range e.srv.Messages() {
		if len(r.To) != 1 {
			t.Fatalf("message to %v; want one recipient per message", r.To)
		}
		out[r.To[0]] = append(out[r.To[0]], mailtest.Parse(t, r.Data))
	}
	return out
}

func notifyUser(t *testing.T, db *gorm.DB, name string) *models.User {
	t.Helper()
	u, err := models.DevSignIn(context.Background(), db, strings.ToLower(name)+"@example.com", name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func notifyIdea(t *testing.T, db *gorm.DB, author *models.User, title string) *models.Idea {
	t.Helper()
	i, err := models.CreateIdea(context.Background(), db, author, models.IdeaInput{Title: title, Body: "Details of " + title})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func notifyStatus(t *testing.T, db *gorm.DB, idea *models.Idea, actor *models.User, to, note string) {
	t.Helper()
	// Only the fields SetStatus's row lock loads, as in production.
	locked := &models.Idea{ID: idea.ID, Title: idea.Title, AuthorID: idea.AuthorID, Status: idea.Status}
	err := db.Transaction(func(tx *gorm.DB) error {
		return models.NotifyStatusChange(tx, locked, actor, idea.Status, to, note)
	})
	if err != nil {
		t.Fatal(err)
	}
}

type notifRow struct {
	UserID    int64
	Kind      string
	Title     string
	Body      string
	URL       string
	EmailedAt *time.Time
}

func notificationsFor(t *testing.T, db *gorm.DB, u *models.User) []notifRow {
	t.Helper()
	var rows []notifRow
	if err := db.Raw(`SELECT user_id, kind, title, body, url, emailed_at FROM notifications WHERE user_id = ? ORDER BY id`, u.ID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

func notifySetPref(t *testing.T, db *gorm.DB, u *models.User, kind, mode string) {
	t.Helper()
	prefs, err := models.NotificationPrefsOf(context.Background(), db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	prefs[kind] = mode
	if err := models.SetNotificationPrefs(context.Background(), db, u.ID, prefs); err != nil {
		t.Fatal(err)
	}
}

func TestStatusChangeEmailsFollowersAndVoters(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, bob, cal, dan, eve := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Bob"), notifyUser(t, e.db, "Cal"),
		notifyUser(t, e.db, "Dan"), notifyUser(t, e.db, "Eve")
	idea := notifyIdea(t, e.db, ann, "Dark <b>mode</b> for reports") // Ann follows and votes
	if _, err := models.Vote(ctx, e.db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetFollow(ctx, e.db, cal, idea.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Vote(ctx, e.db, dan, idea.ID); err != nil {
		t.Fatal(err)
	}
	// Dan, a voter, makes the change himself and hears nothing about it.
	notifyStatus(t, e.db, idea, dan, models.StatusPlanned, "We'll build it <soon> & well.")

	if n := len(e.srv.Messages()); n != 0 {
		t.Fatalf("%d emails sent before the worker ran; sending belongs to the worker", n)
	}
	if n := e.run(t); n != 3 {
		t.Errorf("ran %d jobs, want 3", n)
	}
	inbox := e.inbox(t)
	if len(inbox) != 3 || len(inbox["dan@example.com"]) != 0 || len(inbox["eve@example.com"]) != 0 {
		t.Fatalf("recipients: %v", notifyKeys(inbox))
	}
	link := notifyBase + idea.URL()
	for _, u := range []*models.User{ann, bob, cal} {
		msgs := inbox[*u.Email]
		if len(msgs) != 1 {
			t.Fatalf("%s got %d emails", u.Name, len(msgs))
		}
		m := msgs[0]
		if m.Subject() != `"Dark <b>mode</b> for reports" is now Planned` {
			t.Errorf("subject = %q", m.Subject())
		}
		if from, err := m.Header.AddressList("From"); err != nil || from[0].String() != `"Crowdwise" <ideas@example.com>` ||
			m.Header.Get("Date") == "" || m.Header.Get("Message-Id") == "" {
			t.Errorf("headers: %v", m.Header)
		}
		if !strings.Contains(m.Text, link) || !strings.Contains(m.Text, "We'll build it <soon> & well.") {
			t.Errorf("text part lacks the link or note:\n%s", m.Text)
		}
		if !strings.Contains(m.HTML, `href="`+link+`"`) || !strings.Contains(m.HTML, "We&#39;ll build it &lt;soon&gt; &amp; well.") ||
			!strings.Contains(m.HTML, "Dark &lt;b&gt;mode&lt;/b&gt;") || strings.Contains(m.HTML, "<b>mode") {
			t.Errorf("html part must link the idea and escape member text:\n%s", m.HTML)
		}
		// RFC 8058 one-click unsubscribe, signed for this member and kind.
		lu := m.Header.Get("List-Unsubscribe")
		want := "<" + notifyBase + "/unsubscribe?t=" + url.QueryEscape(models.UnsubscribeToken(notifySecret, u.ID, models.KindStatusChange)) + ">"
		if lu != want || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe = %q, want %q; post = %q", lu, want, m.Header.Get("List-Unsubscribe-Post"))
		}
		rows := notificationsFor(t, e.db, u)
		if len(rows) != 1 || rows[0].Kind != models.KindStatusChange || rows[0].URL != idea.URL() || rows[0].EmailedAt == nil {
			t.Errorf("%s's notifications: %+v", u.Name, rows)
		}
	}
	if rows := notificationsFor(t, e.db, dan); len(rows) != 0 {
		t.Errorf("the actor was notified: %+v", rows)
	}
	if rows := notificationsFor(t, e.db, eve); len(rows) != 0 {
		t.Errorf("a bystander was notified: %+v", rows)
	}
	if n := e.run(t); n != 0 || len(e.srv.Messages()) != 3 {
		t.Errorf("second run: %d jobs, %d messages", n, len(e.srv.Messages()))
	}

	// A note without a new status is an update, not "is now".
	planned := *idea
	planned.Status = models.StatusPlanned
	notifyStatus(t, e.db, &planned, dan, models.StatusPlanned, "Design is done.")
	e.run(t)
	if rows := notificationsFor(t, e.db, bob); len(rows) != 2 || rows[1].Title != `Update on "Dark <b>mode</b> for reports" (Planned)` {
		t.Errorf("note-only update: %+v", rows)
	}
	// Nothing to say is nothing to send.
	notifyStatus(t, e.db, &planned, dan, models.StatusPlanned, "")
	if rows := notificationsFor(t, e.db, bob); len(rows) != 2 {
		t.Errorf("an empty update notified: %+v", rows)
	}
}

func notifyKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestRepliesAndCommentsNotifyTheRightPeople(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, bob, cal := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Bob"), notifyUser(t, e.db, "Cal")
	idea := notifyIdea(t, e.db, ann, "Export ideas to CSV")
	if _, err := models.SetFollow(ctx, e.db, bob, idea.ID, true); err != nil {
		t.Fatal(err)
	}
	top, err := models.CreateComment(ctx, e.db, cal, idea.ID, models.CommentInput{Body: "Yes, **please**, with <dates>."})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := models.CreateComment(ctx, e.db, ann, idea.ID, models.CommentInput{Body: "On it.", ParentID: &top.ID})
	if err != nil {
		t.Fatal(err)
	}

	kinds := func(u *models.User) []string {
		var ks []string
		for _, r := range notificationsFor(t, e.db, u) {
			ks = append(ks, r.Kind)
		}
		return ks
	}
	// Cal's comment: followers Ann and Bob. Ann's reply: Cal (reply), Bob
	// (comment); Ann wrote it and hears nothing.
	if got := strings.Join(kinds(ann), ","); got != "comment" {
		t.Errorf("Ann: %s", got)
	}
	if got := strings.Join(kinds(bob), ","); got != "comment,comment" {
		t.Errorf("Bob: %s", got)
	}
	calRows := notificationsFor(t, e.db, cal)
	if len(calRows) != 1 || calRows[0].Kind != models.KindReply || calRows[0].Title != `Ann replied to your comment on "Export ideas to CSV"` ||
		calRows[0].Body != "On it." || calRows[0].URL != idea.URL()+"?comment="+notifyItoa(reply.ID)+"#comment-"+notifyItoa(reply.ID) {
		t.Errorf("Cal: %+v", calRows)
	}

	// Replies come at once by default; other comments wait for the digest.
	if n := e.run(t); n != 1 {
		t.Errorf("ran %d jobs, want 1", n)
	}
	inbox := e.inbox(t)
	if len(inbox) != 1 || len(inbox["cal@example.com"]) != 1 {
		t.Fatalf("recipients: %v", notifyKeys(inbox))
	}
	m := inbox["cal@example.com"][0]
	if m.Subject() != `Ann replied to your comment on "Export ideas to CSV"` || !strings.Contains(m.Text, notifyBase+idea.URL()+"?comment=") {
		t.Errorf("reply email: %q\n%s", m.Subject(), m.Text)
	}
}

func notifyItoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPreferencesOffAndDigest(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, bob, cal, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Bob"), notifyUser(t, e.db, "Cal"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Keyboard shortcuts everywhere")
	for _, u := range []*models.User{bob, cal} {
		if _, err := models.SetFollow(ctx, e.db, u, idea.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	notifySetPref(t, e.db, bob, models.KindStatusChange, models.ModeOff)
	notifySetPref(t, e.db, cal, models.KindStatusChange, models.ModeDigest)
	notifyStatus(t, e.db, idea, dan, models.StatusUnderReview, "Looking at it.")
	if _, err := models.CreateComment(ctx, e.db, dan, idea.ID, models.CommentInput{Body: "Which shortcuts matter most?"}); err != nil {
		t.Fatal(err)
	}

	e.run(t)
	inbox := e.inbox(t)
	if len(inbox) != 1 || len(inbox["ann@example.com"]) != 1 {
		t.Fatalf("only Ann (status change at once) should have mail now; got %v", notifyKeys(inbox))
	}
	// Off and digest still show in the app.
	if rows := notificationsFor(t, e.db, bob); len(rows) != 2 || rows[0].EmailedAt != nil {
		t.Errorf("Bob (off): %+v", rows)
	}
	if rows := notificationsFor(t, e.db, cal); len(rows) != 2 || rows[0].EmailedAt != nil {
		t.Errorf("Cal (digest): %+v", rows)
	}

	// The daily digest: Cal gets both events in one email; Ann gets the
	// comment (comments default to the digest); Bob's status change is off,
	// but his comment notification is in the digest by default.
	e.queueDigest(t, time.Now())
	e.run(t)
	inbox = e.inbox(t)
	calMail := inbox["cal@example.com"]
	if len(calMail) != 1 {
		t.Fatalf("Cal got %d digests", len(calMail))
	}
	d := calMail[0]
	if d.Subject() != "Your Crowdwise digest: 2 updates" ||
		!strings.Contains(d.Text, `"Keyboard shortcuts everywhere" is now Under review`) ||
		!strings.Contains(d.Text, `Dan commented on "Keyboard shortcuts everywhere"`) ||
		!strings.Contains(d.HTML, notifyBase+idea.URL()) {
		t.Errorf("digest: %q\n%s", d.Subject(), d.Text)
	}
	want := "<" + notifyBase + "/unsubscribe?t=" + url.QueryEscape(models.UnsubscribeToken(notifySecret, cal.ID, "digest")) + ">"
	if d.Header.Get("List-Unsubscribe") != want {
		t.Errorf("digest List-Unsubscribe = %q", d.Header.Get("List-Unsubscribe"))
	}
	if len(inbox["ann@example.com"]) != 2 || len(inbox["bob@example.com"]) != 1 || len(inbox["dan@example.com"]) != 0 {
		t.Errorf("digest recipients: ann %d, bob %d, dan %d", len(inbox["ann@example.com"]), len(inbox["bob@example.com"]), len(inbox["dan@example.com"]))
	}
	for _, r := range notificationsFor(t, e.db, cal) {
		if r.EmailedAt == nil {
			t.Errorf("digest item not marked emailed: %+v", r)
		}
	}
	// Once a day: scheduling the same day again, or running again, sends nothing.
	total := len(e.srv.Messages())
	e.queueDigest(t, time.Now())
	e.run(t)
	if len(e.srv.Messages()) != total {
		t.Errorf("digest sent twice")
	}

	// Unsubscribing from the digest turns off what it carried.
	if _, err := models.Unsubscribe(ctx, e.db, notifySecret, models.UnsubscribeToken(notifySecret, cal.ID, "digest")); err != nil {
		t.Fatal(err)
	}
	prefs, _ := models.NotificationPrefsOf(ctx, e.db, cal.ID)
	if prefs[models.KindStatusChange] != models.ModeOff || prefs[models.KindComment] != models.ModeOff || prefs[models.KindReply] != models.ModeImmediate {
		t.Errorf("after digest unsubscribe: %v", prefs)
	}
}

func TestFailingSMTPRetriesWithBackoff(t *testing.T) {
	e := newNotifyEnv(t)
	ann, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Single sign-on with Okta")
	e.srv.FailWith(mailtest.TempFailure())
	notifyStatus(t, e.db, idea, dan, models.StatusPlanned, "")

	type jobRow struct {
		Attempts  int
		LastError string
		Wait      float64
		DoneAt    *time.Time
		DeadAt    *time.Time
	}
	job := func() jobRow {
		var j jobRow
		if err := e.db.Raw(`SELECT attempt AS attempts, coalesce(errors[cardinality(errors)]->>'error', '') AS last_error,
			extract(epoch FROM scheduled_at - now())::float8 AS wait,
			CASE WHEN state = 'completed' THEN finalized_at END AS done_at,
			CASE WHEN state = 'discarded' THEN finalized_at END AS dead_at
			FROM river_job WHERE kind = 'email'`).Scan(&j).Error; err != nil {
			t.Fatal(err)
		}
		return j
	}
	if n := e.run(t); n != 1 {
		t.Fatalf("ran %d jobs", n)
	}
	j := job()
	if len(e.srv.Messages()) != 0 || e.srv.Attempts() != 1 || j.Attempts != 1 || !strings.Contains(j.LastError, "451") ||
		j.Wait < 50 || j.Wait > 70 || j.DoneAt != nil || j.DeadAt != nil {
		t.Fatalf("after one failure: %+v (attempts at server %d)", j, e.srv.Attempts())
	}
	// Not due again yet.
	if n := e.run(t); n != 0 {
		t.Errorf("a backed-off job ran again at once")
	}
	// The second failure waits twice as long. (Making the retry due now is
	// what River's scheduler does when its time comes.)
	e.retryNow(t)
	e.run(t)
	if j = job(); j.Attempts != 2 || j.Wait < 110 || j.Wait > 130 {
		t.Errorf("after two failures: %+v", j)
	}

	// The server recovers: the same job delivers once.
	e.srv.FailWith(nil)
	e.retryNow(t)
	e.run(t)
	if j = job(); j.DoneAt == nil || j.Attempts != 3 || len(e.srv.Messages()) != 1 {
		t.Errorf("after recovery: %+v, %d messages", j, len(e.srv.Messages()))
	}
	if rows := notificationsFor(t, e.db, ann); len(rows) != 1 || rows[0].EmailedAt == nil {
		t.Errorf("notification not marked emailed: %+v", rows)
	}

	// A job that keeps failing is kept, marked dead, after MaxJobAttempts.
	e.srv.FailWith(errors.New("mailbox full"))
	notifyStatus(t, e.db, idea, dan, models.StatusShipped, "")
	e.db.Exec(`UPDATE river_job SET attempt = ? WHERE state = 'available'`, models.MaxJobAttempts-1)
	e.run(t)
	var dead int64
	e.db.Raw(`SELECT count(*) FROM river_job WHERE state = 'discarded' AND attempt = ? AND cardinality(errors) > 0`, models.MaxJobAttempts).Scan(&dead)
	if dead != 1 {
		t.Errorf("dead jobs = %d, want 1", dead)
	}
}

func TestCrashBetweenCommitAndSendStillSendsExactlyOnce(t *testing.T) {
	e := newNotifyEnv(t)
	ann, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Audit log export")
	// The event commits with its job; the process "dies" before any worker runs.
	notifyStatus(t, e.db, idea, dan, models.StatusInProgress, "")
	first := e.srv
	// A fresh process: new SMTP connection settings, new worker.
	e.connect(t)
	if n := e.run(t); n != 1 {
		t.Errorf("ran %d jobs, want 1", n)
	}
	if got := len(e.srv.Messages()); got != 1 || len(first.Messages()) != 0 {
		t.Fatalf("messages after restart: %d (old server %d)", got, len(first.Messages()))
	}
	if n := e.run(t); n != 0 || len(e.srv.Messages()) != 1 {
		t.Errorf("second run: %d jobs, %d messages", n, len(e.srv.Messages()))
	}
}

func TestConcurrentWorkersSendEachEmailOnce(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	dan := notifyUser(t, e.db, "Dan")
	var ideas []*models.Idea
	for _, name := range []string{"Ann", "Bob", "Cal", "Eve", "Fay", "Gus"} {
		u := notifyUser(t, e.db, name)
		ideas = append(ideas, notifyIdea(t, e.db, u, "Idea number one by "+name))
	}
	for _, i := range ideas {
		notifyStatus(t, e.db, i, dan, models.StatusPlanned, "")
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := models.RunDueJobs(ctx, e.db, e.cfg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	inbox := e.inbox(t)
	if len(e.srv.Messages()) != len(ideas) || len(inbox) != len(ideas) {
		t.Errorf("%d messages to %d people, want %d each", len(e.srv.Messages()), len(inbox), len(ideas))
	}
}

func TestMergedAndHiddenNotifications(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, bob, mod := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Bob"), notifyUser(t, e.db, "Mod")
	source := notifyIdea(t, e.db, ann, "Dark mode for the app")
	target := notifyIdea(t, e.db, bob, "Dark theme please")
	err := e.db.Transaction(func(tx *gorm.DB) error {
		return models.NotifyMerged(tx, &models.Idea{ID: source.ID}, &models.Idea{ID: target.ID}, mod, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := models.CreateComment(ctx, e.db, bob, target.ID, models.CommentInput{Body: "Buy cheap watches"})
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.Transaction(func(tx *gorm.DB) error {
		if err := models.NotifyHidden(tx, "comment", c.ID, bob.ID, "Spam"); err != nil {
			return err
		}
		return models.NotifyHidden(tx, "idea", target.ID, bob.ID, "Off topic")
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	inbox := e.inbox(t)
	if a := inbox["ann@example.com"]; len(a) != 1 || a[0].Subject() != `Your idea "Dark mode for the app" was merged into "Dark theme please"` ||
		!strings.Contains(a[0].Text, notifyBase+target.URL()) {
		t.Errorf("merged email: %v", a)
	}
	b := inbox["bob@example.com"]
	if len(b) != 2 {
		t.Fatalf("Bob got %d emails", len(b))
	}
	subjects := b[0].Subject() + " | " + b[1].Subject()
	if !strings.Contains(subjects, `Your comment on "Dark theme please" was hidden by a moderator`) ||
		!strings.Contains(subjects, `Your idea "Dark theme please" was hidden by a moderator`) ||
		!strings.Contains(b[0].Text+b[1].Text, "Spam") || !strings.Contains(b[0].Text+b[1].Text, "Off topic") {
		t.Errorf("hidden emails: %s", subjects)
	}
	if len(inbox["mod@example.com"]) != 0 {
		t.Error("the moderator was notified")
	}
	if err := e.db.Transaction(func(tx *gorm.DB) error { return models.NotifyHidden(tx, "user", 1, bob.ID, "") }); err == nil {
		t.Error("unknown target type accepted")
	}
}

func TestDeletedUnverifiedAndMissingAddresses(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, bob, cal, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Bob"), notifyUser(t, e.db, "Cal"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Webhooks for new ideas")
	for _, u := range []*models.User{bob, cal} {
		if _, err := models.SetFollow(ctx, e.db, u, idea.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := models.DeleteAccount(ctx, e.db, bob.ID); err != nil {
		t.Fatal(err)
	}
	e.db.Exec(`UPDATE users SET email_verified = false WHERE id = ?`, cal.ID)
	notifyStatus(t, e.db, idea, dan, models.StatusPlanned, "")
	e.run(t)
	if rows := notificationsFor(t, e.db, bob); len(rows) != 0 {
		t.Errorf("deleted user notified: %+v", rows)
	}
	if rows := notificationsFor(t, e.db, cal); len(rows) != 1 {
		t.Errorf("unverified user should still see it in the app: %+v", rows)
	}
	inbox := e.inbox(t)
	if len(inbox) != 1 || len(inbox["ann@example.com"]) != 1 {
		t.Errorf("only Ann has a verified address: %v", notifyKeys(inbox))
	}
	// Turning a kind off after the event, before the worker runs, is respected.
	notifySetPref(t, e.db, ann, models.KindStatusChange, models.ModeOff)
	notifyStatus(t, e.db, idea, dan, models.StatusShipped, "")
	e.run(t)
	if len(e.inbox(t)["ann@example.com"]) != 1 {
		t.Error("email sent after the member turned the kind off")
	}
}

func TestUnsubscribeTokens(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	ann := notifyUser(t, db, "Ann")
	tok := models.UnsubscribeToken(notifySecret, ann.ID, models.KindReply)
	uid, kind, err := models.ParseUnsubscribeToken(notifySecret, tok)
	if err != nil || uid != ann.ID || kind != models.KindReply {
		t.Fatalf("parse: %d %q %v", uid, kind, err)
	}
	other := models.UnsubscribeToken(notifySecret, ann.ID+1, models.KindReply)
	forged := []string{
		"", "x", tok + "x", strings.Replace(tok, notifyItoa(ann.ID)+".", notifyItoa(ann.ID+1)+".", 1),
		strings.Replace(tok, ".reply.", ".comment.", 1), notifyItoa(ann.ID) + ".reply." + other[strings.LastIndex(other, ".")+1:],
		models.UnsubscribeToken([]byte(strings.Repeat("x", 32)), ann.ID, models.KindReply),
		models.UnsubscribeToken(notifySecret, ann.ID, "everything"),
	}
	for _, f := range forged {
		if _, err := models.Unsubscribe(ctx, db, notifySecret, f); !errors.Is(err, models.ErrBadRequest) {
			t.Errorf("forged token %q: %v", f, err)
		}
	}
	if prefs, _ := models.NotificationPrefsOf(ctx, db, ann.ID); prefs[models.KindReply] != models.ModeImmediate {
		t.Errorf("a forged token changed preferences: %v", prefs)
	}
	for i := 0; i < 2; i++ { // twice is fine
		if k, err := models.Unsubscribe(ctx, db, notifySecret, tok); err != nil || k != models.KindReply {
			t.Fatalf("unsubscribe: %q %v", k, err)
		}
	}
	prefs, _ := models.NotificationPrefsOf(ctx, db, ann.ID)
	if prefs[models.KindReply] != models.ModeOff || prefs[models.KindStatusChange] != models.ModeImmediate {
		t.Errorf("after unsubscribe: %v", prefs)
	}
}

func TestNotificationPrefsValidation(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	ann := notifyUser(t, db, "Ann")
	prefs, err := models.NotificationPrefsOf(ctx, db, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	for k, m := range models.DefaultModes {
		if prefs[k] != m {
			t.Errorf("default %s = %s, want %s", k, prefs[k], m)
		}
	}
	bad := map[string]string{models.KindReply: "sometimes"}
	err = models.SetNotificationPrefs(ctx, db, ann.ID, bad)
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields[models.KindReply] == "" || ve.Fields[models.KindComment] == "" {
		t.Errorf("bad modes: %v", err)
	}
	prefs[models.KindComment] = models.ModeOff
	prefs["spam"] = models.ModeOff
	if err := models.SetNotificationPrefs(ctx, db, ann.ID, prefs); !errors.As(err, &ve) || ve.Fields["spam"] == "" {
		t.Errorf("unknown kind: %v", err)
	}
	delete(prefs, "spam")
	if err := models.SetNotificationPrefs(ctx, db, ann.ID, prefs); err != nil {
		t.Fatal(err)
	}
	if got, _ := models.NotificationPrefsOf(ctx, db, ann.ID); got[models.KindComment] != models.ModeOff {
		t.Errorf("saved: %v", got)
	}
}

func TestNotificationListReadAndCount(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Bulk edit of tags")
	statuses := []string{models.StatusUnderReview, models.StatusPlanned, models.StatusInProgress}
	for _, s := range statuses {
		notifyStatus(t, e.db, idea, dan, s, "")
		idea.Status = s
	}
	n, err := models.UnreadCount(ctx, e.db, ann.ID)
	if err != nil || n != 3 {
		t.Fatalf("unread = %d, %v", n, err)
	}
	p, err := models.NotificationsOf(ctx, e.db, ann.ID, models.NewPage(1, 2))
	if err != nil || p.Page.Total != 3 || len(p.Items) != 2 || !strings.HasSuffix(p.Items[0].Title, "In progress") {
		t.Fatalf("page 1: %+v %v", p, err)
	}
	if err := models.MarkRead(ctx, e.db, ann.ID, p.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := models.MarkRead(ctx, e.db, dan.ID, p.Items[1].ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("marking someone else's notification: %v", err)
	}
	if n, _ := models.UnreadCount(ctx, e.db, ann.ID); n != 2 {
		t.Errorf("unread after one read = %d", n)
	}
	if k, err := models.MarkAllRead(ctx, e.db, ann.ID); err != nil || k != 2 {
		t.Errorf("mark all: %d %v", k, err)
	}
	if n, _ := models.UnreadCount(ctx, e.db, ann.ID); n != 0 {
		t.Errorf("unread after all read = %d", n)
	}
}

func TestWorkerDeliversAndStops(t *testing.T) {
	e := newNotifyEnv(t)
	ann, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Slack integration")
	cfg := e.cfg
	cfg.Poll = 20 * time.Millisecond
	q, err := models.NewQueue(e.db, cfg, models.QueueOptions{Periodic: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	notifyStatus(t, e.db, idea, dan, models.StatusPlanned, "")
	deadline := time.Now().Add(10 * time.Second)
	for len(e.srv.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(stopCtx); err != nil {
		t.Fatalf("worker did not stop: %v", err)
	}
	if len(e.srv.Messages()) != 1 {
		t.Errorf("worker delivered %d messages", len(e.srv.Messages()))
	}
	// Nothing left running or due once it stopped.
	var left int64
	e.db.Raw(`SELECT count(*) FROM river_job WHERE state IN ('available', 'running')`).Scan(&left)
	if left != 0 {
		t.Errorf("%d jobs left running or due after stop", left)
	}
}

// A job queued in a transaction that rolls back never runs; one queued in a
// transaction that commits runs exactly once.
func TestJobRunsOnlyIfItsTransactionCommits(t *testing.T) {
	e := newNotifyEnv(t)
	ann, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Dark mode")
	rollback := errors.New("the change failed after queueing its email")
	err := e.db.Transaction(func(tx *gorm.DB) error {
		locked := &models.Idea{ID: idea.ID, Title: idea.Title, AuthorID: idea.AuthorID, Status: idea.Status}
		if err := models.NotifyStatusChange(tx, locked, dan, idea.Status, models.StatusPlanned, ""); err != nil {
			return err
		}
		var queued int64
		if err := tx.Raw(`SELECT count(*) FROM river_job WHERE kind = 'email'`).Scan(&queued).Error; err != nil || queued != 1 {
			t.Errorf("inside the transaction: %d email jobs (%v), want 1", queued, err)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if n := e.run(t); n != 0 || len(e.srv.Messages()) != 0 {
		t.Fatalf("after rollback: ran %d jobs, sent %d messages", n, len(e.srv.Messages()))
	}
	notifyStatus(t, e.db, idea, dan, models.StatusPlanned, "")
	if n := e.run(t); n != 1 || len(e.srv.Messages()) != 1 {
		t.Fatalf("after commit: ran %d jobs, sent %d messages", n, len(e.srv.Messages()))
	}
	if n := e.run(t); n != 0 || len(e.srv.Messages()) != 1 {
		t.Errorf("again: ran %d jobs, sent %d messages", n, len(e.srv.Messages()))
	}
	var completed int64
	e.db.Raw(`SELECT count(*) FROM river_job WHERE kind = 'email' AND state = 'completed' AND attempt = 1`).Scan(&completed)
	if completed != 1 {
		t.Errorf("%d completed email jobs, want 1", completed)
	}
}

func TestWithoutSMTPEmailsAreLogged(t *testing.T) {
	e := newNotifyEnv(t)
	ann, dan := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Dan")
	idea := notifyIdea(t, e.db, ann, "Offline mode for mobile")
	notifyStatus(t, e.db, idea, dan, models.StatusPlanned, "")
	var buf syncBuf
	cfg := models.JobConfig{
		Mail:   models.MailConfig{BaseURL: notifyBase, Secret: notifySecret}, // no Sender, no From: development
		Logger: slog.New(slog.NewTextHandler(&buf, nil)),
	}
	if _, err := models.RunDueJobs(context.Background(), e.db, cfg); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "level=INFO") || !strings.Contains(out, "SMTP_URL is unset") || !strings.Contains(out, "ann@example.com") ||
		!strings.Contains(out, "Offline mode for mobile") {
		t.Errorf("log: %s", out)
	}
	if rows := notificationsFor(t, e.db, ann); len(rows) != 1 || rows[0].EmailedAt == nil {
		t.Errorf("logged email not marked as done: %+v", rows)
	}
}

// syncBuf is a strings.Builder safe for concurrent writers.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Unmerge takes back the "your idea was merged" notification of exactly
// that merge (so neither the bell nor a pending email repeats stale news)
// and tells the source's author and the followers who moved back.
func TestUnmergeReplacesTheMergeNotification(t *testing.T) {
	e := newNotifyEnv(t)
	ctx := context.Background()
	ann, bob, fay, mod := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Bob"), notifyUser(t, e.db, "Fay"), notifyUser(t, e.db, "Mod")
	if err := e.db.Model(mod).Update("role", models.RoleModerator).Error; err != nil {
		t.Fatal(err)
	}
	mod.Role = models.RoleModerator
	source := notifyIdea(t, e.db, ann, "Dark mode for the app")
	other := notifyIdea(t, e.db, ann, "Dark colours in the editor")
	target := notifyIdea(t, e.db, bob, "Dark theme please")
	if _, err := models.SetFollow(ctx, e.db, fay, source.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{source.ID, other.ID} {
		if _, err := models.Merge(ctx, e.db, mod, id, target.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.Unmerge(ctx, e.db, mod, source.ID); err != nil {
		t.Fatal(err)
	}

	var titles []string
	for _, n := range notificationsFor(t, e.db, ann) {
		titles = append(titles, n.Kind+": "+n.Title)
	}
	want := []string{
		`merged: Your idea "Dark colours in the editor" was merged into "Dark theme please"`,
		`unmerged: Your idea "Dark mode for the app" is its own idea again`,
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("Ann's notifications:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	fays := notificationsFor(t, e.db, fay)
	if len(fays) != 1 || fays[0].Kind != models.KindUnmerged || fays[0].Title != `"Dark mode for the app" is its own idea again` ||
		fays[0].URL != source.URL() {
		t.Errorf("Fay's notifications: %+v", fays)
	}
	for _, u := range []*models.User{bob, mod} {
		if n := notificationsFor(t, e.db, u); len(n) != 0 {
			t.Errorf("%s was notified: %+v", u.Name, n)
		}
	}

	// The merge email that was still queued is not sent; the news is.
	e.run(t)
	inbox := e.inbox(t)
	var subjects []string
	for _, m := range inbox["ann@example.com"] {
		subjects = append(subjects, m.Subject())
	}
	if strings.Join(subjects, "\n") != strings.Join([]string{
		`Your idea "Dark colours in the editor" was merged into "Dark theme please"`,
		`Your idea "Dark mode for the app" is its own idea again`,
	}, "\n") {
		t.Errorf("Ann's emails: %q", subjects)
	}
	if f := inbox["fay@example.com"]; len(f) != 1 || !strings.Contains(f[0].Text, notifyBase+source.URL()) {
		t.Errorf("Fay's emails: %v", f)
	}
}
