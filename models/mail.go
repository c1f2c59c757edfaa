package models

import (
	"bytes"
	"context"
	"encoding/json"
	htmltemplate "html/template"
	"log/slog"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

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
// hour). One whose hour passed longer ago while no worker ran is skipped
// rather than sent whenever a process next starts; what it would have
// listed goes into the next day's digest.
const digestGrace = time.Hour

// ScheduleDigest queues the next daily digest after now: today's at
// DigestHour UTC while that is still ahead, else tomorrow's. It also
// settles, as skipped, digests left pending more than digestGrace past
// their hour. The dedupe key makes each day's digest once across restarts
// and several processes.
func ScheduleDigest(ctx context.Context, db *gorm.DB, now time.Time) error {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), DigestHour, 0, 0, 0, time.UTC)
	if now.After(next) {
		next = next.AddDate(0, 0, 1)
	}
	db = db.WithContext(ctx)
	if err := db.Exec(`UPDATE jobs SET done_at = now(), last_error = 'skipped: no worker ran at the digest hour'
		WHERE kind = ? AND done_at IS NULL AND dead_at IS NULL AND run_at < ?`, jobDigest, now.Add(-digestGrace)).Error; err != nil {
		return err
	}
	day := next.Format(time.DateOnly)
	return enqueueJob(db, jobDigest, map[string]string{"day": day}, next, "digest:"+day)
}

// digestWanted selects notifications n (joined with prefs p) that belong in
// a digest: not yet emailed, not already read in the app, recent, of a kind
// the member gets as a digest, and not waiting for their own email (the
// member switched to digest after the event; that job decides).
var digestWanted = `n.emailed_at IS NULL AND n.read_at IS NULL AND n.created_at > now() - interval '` + digestWindow + `'
	AND ` + modeSQL("n", "p") + ` = '` + ModeDigest + `'
	AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = 'email:' || n.id AND j.done_at IS NULL AND j.dead_at IS NULL)`

// runDigestJob fans the day's digest out into one job per member, so one
// failing mailbox retries alone.
func runDigestJob(_ context.Context, tx *gorm.DB, _ *JobConfig, payload json.RawMessage) error {
	var p struct {
		Day string `json:"day"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO jobs (kind, payload, dedupe_key)
		SELECT '`+jobDigestUser+`', jsonb_build_object('user_id', u.id, 'day', ?::text), 'digest:' || ?::text || ':' || u.id
		FROM users u
		WHERE u.deleted_at IS NULL AND u.email IS NOT NULL AND u.email_verified AND EXISTS (
			SELECT 1 FROM notifications n LEFT JOIN notification_prefs p ON p.user_id = n.user_id AND p.kind = n.kind
			WHERE n.user_id = u.id AND `+digestWanted+`)
		ON CONFLICT (dedupe_key) DO NOTHING`, p.Day, p.Day).Error
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
func runEmailJob(ctx context.Context, tx *gorm.DB, cfg *JobConfig, payload json.RawMessage) error {
	var p struct {
		NotificationID int64 `json:"notification_id"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
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
// as emailed, in the claiming transaction. Rows another digest is sending
// right now (a late retry of yesterday's) are skipped, not mailed twice.
func runDigestUserJob(ctx context.Context, tx *gorm.DB, cfg *JobConfig, payload json.RawMessage) error {
	var p struct {
		UserID int64  `json:"user_id"`
		Day    string `json:"day"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
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
