package models

import (
	"bytes"
	"context"
	htmltemplate "html/template"
	"log/slog"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/mail"
)

// MailConfig is how the worker builds and sends notification emails.
type MailConfig struct {
	// Sender delivers messages; nil logs them instead (development
	// without SMTP_URL).
	Sender mail.Sender
	// From is MAIL_FROM; a placeholder when empty (log-only development).
	From string
	// BaseURL is the public site URL without a trailing slash; emails are
	// read outside the site, so every link is absolute.
	BaseURL string
	// Secret is SESSION_SECRET; it signs the unsubscribe links.
	Secret []byte
}

func (m *MailConfig) defaults(log *slog.Logger) {
	if m.Sender == nil {
		m.Sender = mail.LogSender{Logger: log}
	}
	if m.From == "" {
		m.From = "Crowdwise <crowdwise@localhost>"
	}
	m.BaseURL = strings.TrimRight(m.BaseURL, "/")
}

// DigestHour is the UTC hour the daily digest goes out.
const DigestHour = 8

// digestWindow bounds what a digest collects, so switching a kind to
// digest does not mail weeks of old news.
const digestWindow = "7 days"

// digestMaxItems is how many items one digest lists; the rest are linked.
const digestMaxItems = 50

// digestGrace is how late a digest may still go out (a deploy around the
// hour, a leader change). One whose hour passed longer ago while no worker
// ran is never queued; what it would have listed goes into the next day's
// digest.
const digestGrace = time.Hour

// digestRetick is how often, inside the grace hour, the schedule fires
// again, so a leader elected after 08:00 still queues the day's digest.
// Uniqueness by day keeps it to one.
const digestRetick = 10 * time.Minute

// DigestSchedule is the River periodic schedule of the daily digest: at
// DigestHour UTC, then every digestRetick until digestGrace has passed.
type DigestSchedule struct{}

// Next is the first firing after now.
func (DigestSchedule) Next(now time.Time) time.Time {
	now = now.UTC()
	at := time.Date(now.Year(), now.Month(), now.Day(), DigestHour, 0, 0, 0, time.UTC)
	if now.Before(at) {
		return at
	}
	if next := now.Truncate(digestRetick).Add(digestRetick); next.Before(at.Add(digestGrace)) {
		return next
	}
	return at.AddDate(0, 0, 1)
}

// digestJob is the day's digest fan-out, unique by day across all
// processes and restarts (completed ones included), so each day's digest
// goes out once.
func digestJob(now time.Time) (river.JobArgs, *river.InsertOpts) {
	return digestArgs{Day: now.UTC().Format(time.DateOnly)}, &river.InsertOpts{
		UniqueOpts: river.UniqueOpts{ByArgs: true},
	}
}

func digestPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(DigestSchedule{}, func() (river.JobArgs, *river.InsertOpts) {
		return digestJob(time.Now())
	}, &river.PeriodicJobOpts{ID: "digest"})
}

// QueueDigest queues the digest of now's UTC day in tx, as the periodic job
// does at the digest hour; a second call for the same day is a no-op.
func QueueDigest(ctx context.Context, tx *gorm.DB, now time.Time) error {
	args, opts := digestJob(now)
	return insertJobs(ctx, tx, []river.InsertManyParams{{Args: args, InsertOpts: opts}})
}

// digestWanted selects notifications n (joined with prefs p) that belong in
// a digest: not yet emailed, not already read in the app, recent, of a kind
// the member gets as a digest, and not waiting for their own email (the
// member switched to digest after the event; that job decides).
var digestWanted = `n.emailed_at IS NULL AND n.read_at IS NULL AND n.created_at > now() - interval '` + digestWindow + `'
	AND ` + modeSQL("n", "p") + ` = '` + ModeDigest + `'
	AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = '` + jobEmail + `'
		AND j.args->>'notification_id' = n.id::text AND j.state NOT IN ('completed', 'discarded', 'cancelled'))`

// runDigestJob fans the day's digest out into one job per member, so one
// failing mailbox retries alone.
func runDigestJob(ctx context.Context, tx *gorm.DB, _ *JobConfig, p digestArgs) error {
	var users []int64
	err := tx.Raw(`SELECT u.id FROM users u
		WHERE u.deleted_at IS NULL AND u.email IS NOT NULL AND u.email_verified AND EXISTS (
			SELECT 1 FROM notifications n LEFT JOIN notification_prefs p ON p.user_id = n.user_id AND p.kind = n.kind
			WHERE n.user_id = u.id AND ` + digestWanted + `)
		ORDER BY u.id`).Scan(&users).Error
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(users))
	for _, id := range users {
		params = append(params, river.InsertManyParams{
			Args:       digestUserArgs{UserID: id, Day: p.Day},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}},
		})
	}
	return insertJobs(ctx, tx, params)
}

// recipient is the member an email goes to.
type recipient struct {
	ID            int64
	Name          string
	Email         *string
	EmailVerified bool
	DeletedAt     *time.Time
}

// mailable reports whether we may email r at all.
func (r *recipient) mailable() bool {
	return r.ID != 0 && r.Email != nil && *r.Email != "" && r.EmailVerified && r.DeletedAt == nil
}

func loadRecipient(tx *gorm.DB, userID int64) (*recipient, error) {
	var r recipient
	err := tx.Raw(`SELECT id, name, email, email_verified, deleted_at FROM users WHERE id = ?`, userID).Scan(&r).Error
	return &r, err
}

// runEmailJob sends one notification's email. It re-checks everything at
// send time: a notification already emailed, a member who since turned the
// kind off (or to digest), deleted their account or lost their address is
// skipped, and the job still counts as done.
func runEmailJob(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p emailArgs) error {
	var rows []struct {
		Notification
		Mode string
	}
	// No row lock: the digest leaves alone notifications whose email job
	// is pending, and this job's emailed_at and done_at commit together.
	err := tx.Raw(`SELECT n.*, `+modeSQL("n", "p")+` AS mode FROM notifications n
		LEFT JOIN notification_prefs p ON p.user_id = n.user_id AND p.kind = n.kind
		WHERE n.id = ?`, p.NotificationID).Scan(&rows).Error
	if err != nil {
		return err
	}
	if len(rows) == 0 || rows[0].EmailedAt != nil || rows[0].Mode != ModeImmediate {
		return nil
	}
	n := rows[0].Notification
	r, err := loadRecipient(tx, n.UserID)
	if err != nil || !r.mailable() {
		return err
	}
	m := &cfg.Mail
	msg, err := m.message(r, n.Title, emailData{
		Items:            []emailItem{{Title: n.Title, Body: n.Body, Link: m.link(n.URL)}},
		Reason:           "You get this email because of your notification settings for: " + strings.ToLower(KindLabel(n.Kind)) + ".",
		Unsubscribe:      m.unsubscribeURL(r.ID, n.Kind),
		UnsubscribeLabel: "Stop emails like this",
	})
	if err != nil {
		return err
	}
	msg.MessageID = "notification-" + itoa(n.ID) + "@" + mail.Domain(m.From)
	if err := m.Sender.Send(ctx, msg); err != nil {
		return err
	}
	return tx.Exec(`UPDATE notifications SET emailed_at = now() WHERE id = ?`, n.ID).Error
}

// runDigestUserJob sends one member their digest and marks what it listed
// as emailed, in the job's transaction. Rows another digest is sending
// right now (a late retry of yesterday's) are skipped, not mailed twice.
func runDigestUserJob(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p digestUserArgs) error {
	r, err := loadRecipient(tx, p.UserID)
	if err != nil || !r.mailable() {
		return err
	}
	var items []Notification
	err = tx.Raw(`SELECT n.* FROM notifications n
		LEFT JOIN notification_prefs p ON p.user_id = n.user_id AND p.kind = n.kind
		WHERE n.user_id = ? AND `+digestWanted+`
		ORDER BY n.created_at, n.id FOR UPDATE OF n SKIP LOCKED`, p.UserID).Scan(&items).Error
	if err != nil || len(items) == 0 {
		return err
	}
	m := &cfg.Mail
	d := emailData{
		Intro:            "Here is what happened on Crowdwise since your last digest.",
		Reason:           "You get this daily digest because of your notification settings.",
		Unsubscribe:      m.unsubscribeURL(r.ID, unsubscribeDigest),
		UnsubscribeLabel: "Stop the daily digest",
	}
	ids := make([]int64, 0, len(items))
	for _, n := range items {
		ids = append(ids, n.ID)
		if len(d.Items) < digestMaxItems {
			d.Items = append(d.Items, emailItem{Title: n.Title, Body: n.Body, Link: m.link(n.URL)})
		}
	}
	if d.More = len(items) - len(d.Items); d.More > 0 {
		d.AllLink = m.link("/notifications")
	}
	subject := "Your Crowdwise digest: 1 update"
	if len(items) != 1 {
		subject = "Your Crowdwise digest: " + itoa(int64(len(items))) + " updates"
	}
	msg, err := m.message(r, subject, d)
	if err != nil {
		return err
	}
	msg.MessageID = "digest-" + p.Day + "-" + itoa(r.ID) + "@" + mail.Domain(m.From)
	if err := m.Sender.Send(ctx, msg); err != nil {
		return err
	}
	return tx.Exec(`UPDATE notifications SET emailed_at = now() WHERE id IN ?`, ids).Error
}

// link makes a site path absolute.
func (m *MailConfig) link(path string) string {
	if strings.HasPrefix(path, "/") {
		return m.BaseURL + path
	}
	return path
}

func (m *MailConfig) unsubscribeURL(userID int64, kind string) string {
	return m.BaseURL + "/unsubscribe?t=" + url.QueryEscape(UnsubscribeToken(m.Secret, userID, kind))
}

// emailData is what the email templates receive.
type emailData struct {
	Name             string
	Intro            string
	Items            []emailItem
	More             int
	AllLink          string
	Reason           string
	Unsubscribe      string
	UnsubscribeLabel string
	Settings         string
}

type emailItem struct {
	Title, Body, Link string
}

// message renders both parts and sets the RFC 8058 one-click unsubscribe
// headers, which mail clients show as an "Unsubscribe" button.
func (m *MailConfig) message(r *recipient, subject string, d emailData) (*mail.Message, error) {
	d.Name = r.Name
	d.Settings = m.link("/settings#notifications")
	var text, html bytes.Buffer
	if err := emailText.Execute(&text, d); err != nil {
		return nil, err
	}
	if err := emailHTML.Execute(&html, d); err != nil {
		return nil, err
	}
	return &mail.Message{
		From: m.From, To: *r.Email, ToName: r.Name, Subject: subject,
		Text: text.String(), HTML: html.String(), Date: time.Now(),
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + d.Unsubscribe + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Auto-Submitted":        "auto-generated", // RFC 3834: no auto-replies
		},
	}, nil
}

var emailText = texttemplate.Must(texttemplate.New("text").Parse(`Hi {{.Name}},
{{with .Intro}}
{{.}}
{{end}}{{range .Items}}
{{.Title}}
{{with .Body}}
{{.}}
{{end}}
{{.Link}}
{{end}}{{if .More}}
… and {{.More}} more: {{.AllLink}}
{{end}}
-- 
{{.Reason}}
{{.UnsubscribeLabel}}: {{.Unsubscribe}}
All notification settings: {{.Settings}}
`))

// emailHTML escapes every value: titles, bodies and names are member text.
var emailHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328">
<div style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px">
<p>Hi {{.Name}},</p>
{{with .Intro}}<p>{{.}}</p>{{end}}
{{range .Items}}<div style="margin:16px 0;padding-top:16px;border-top:1px solid #d0d7de">
<p style="margin:0 0 8px;font-weight:600"><a href="{{.Link}}" style="color:#0b57d0">{{.Title}}</a></p>
{{with .Body}}<p style="margin:0 0 8px;white-space:pre-wrap">{{.}}</p>{{end}}
<p style="margin:0"><a href="{{.Link}}" style="color:#0b57d0">View on Crowdwise</a></p>
</div>{{end}}
{{if .More}}<p>… and <a href="{{.AllLink}}">{{.More}} more</a>.</p>{{end}}
</div>
<p style="max-width:560px;margin:16px auto 0;font-size:12px;color:#59636e">{{.Reason}}
<a href="{{.Unsubscribe}}" style="color:#59636e">{{.UnsubscribeLabel}}</a> ·
<a href="{{.Settings}}" style="color:#59636e">All notification settings</a></p>
</body></html>
`))
