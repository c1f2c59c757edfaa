package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/webhook"
)

const jobWebhook = "webhook" // {webhook_id, event_id}: POST one event to one webhook

// webhookArgs is one delivery. Manual (a test event or a replay) sends
// even to a disabled webhook, so an admin can check it before enabling it.
type webhookArgs struct {
	WebhookID int64  `json:"webhook_id"`
	EventID   string `json:"event_id"`
	Manual    bool   `json:"manual,omitempty"`
}

func (webhookArgs) Kind() string { return jobWebhook }

const (
	excerptBytes = 1024
	// maxSnoozes bounds how often Retry-After may postpone one delivery
	// (River does not count a snooze as an attempt).
	maxSnoozes = 20
	maxSnooze  = 24 * time.Hour
)

// webhookBackoff is the wait after the n-th failed attempt, ±20% jitter so
// a receiver's outage does not end in a thundering herd: 1m, 5m, 30m, 1h,
// 2h, 5h, 10h — eight attempts over about 19 hours.
func webhookBackoff(attempt int) time.Duration {
	steps := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}
	d := steps[min(max(attempt, 1), len(steps))-1]
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// webhookWorker POSTs one event to one webhook through the guarded client.
// The request is made outside any transaction; the attempt's log row, and
// on success the job's completion, are written afterwards in one.
type webhookWorker struct {
	river.WorkerDefaults[webhookArgs]
	db  *gorm.DB
	cfg *JobConfig
}

func (w *webhookWorker) NextRetry(job *river.Job[webhookArgs]) time.Time {
	return time.Now().UTC().Add(webhookBackoff(job.Attempt))
}

// attempt is one request's outcome as the delivery log keeps it.
type attempt struct {
	status   int
	duration time.Duration
	excerpt  string
	err      string
	retry    string // the Retry-After header
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[webhookArgs]) error {
	a := job.Args
	var hook Webhook
	var ev struct {
		Type string
		Body string
	}
	db := w.db.WithContext(ctx)
	if err := db.Raw(`SELECT * FROM webhooks WHERE id = ?`, a.WebhookID).Scan(&hook).Error; err != nil {
		return err
	}
	if err := db.Raw(`SELECT type, body FROM webhook_events WHERE id = ?`, a.EventID).Scan(&ev).Error; err != nil {
		return err
	}
	if hook.ID == 0 || ev.Body == "" || (!hook.Active && !a.Manual) {
		return nil // deleted, pruned or disabled since: nothing to send
	}
	res := w.send(ctx, &hook, a.EventID, []byte(ev.Body))
	switch {
	case res.status >= 200 && res.status < 300:
		return w.finish(ctx, job, res, nil)
	case res.status == http.StatusGone:
		return w.finish(ctx, job, res, func(tx *gorm.DB) error { return disableWebhook(tx, &hook) })
	case res.status == http.StatusTooManyRequests || res.status == http.StatusServiceUnavailable:
		if d, ok := res.retryAfter(); ok {
			n, err := w.log(ctx, job, res)
			if err != nil {
				return err
			}
			if n > maxSnoozes {
				return river.JobCancel(fmt.Errorf("receiver kept answering %d with Retry-After", res.status))
			}
			return river.JobSnooze(min(d, maxSnooze))
		}
	}
	if _, err := w.log(ctx, job, res); err != nil {
		return err
	}
	switch {
	case res.status >= 500 || res.status == http.StatusTooManyRequests || (res.status == 0 && res.err != "" && !res.refused()):
		return errors.New("delivery failed: " + res.summary())
	default: // refused destination, or a 1xx/3xx/4xx answer: retrying will not help
		return river.JobCancel(errors.New("delivery failed for good: " + res.summary()))
	}
}

// retryAfter is the wait the receiver asked for, in seconds or as a date.
func (a attempt) retryAfter() (time.Duration, bool) {
	v := strings.TrimSpace(a.retry)
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func (a attempt) refused() bool { return strings.HasPrefix(a.err, "refused: ") }

func (a attempt) summary() string {
	if a.status != 0 {
		return "HTTP " + strconv.Itoa(a.status)
	}
	return a.err
}

// send makes one signed request and reads at most 64 KB of the answer.
func (w *webhookWorker) send(ctx context.Context, hook *Webhook, eventID string, body []byte) attempt {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return attempt{err: "refused: the URL is not valid"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Crowdwise-Webhooks/1")
	if err := webhook.SetHeaders(req.Header, hook.signingSecrets(time.Now()), eventID, time.Now(), body); err != nil {
		return attempt{err: "the secret is not valid: " + err.Error()}
	}
	resp, err := w.cfg.Outbound.Do(req)
	if err != nil {
		var re *outbound.RefusedError
		if errors.As(err, &re) {
			return attempt{duration: time.Since(start), err: "refused: " + re.Reason}
		}
		return attempt{duration: time.Since(start), err: "no response: " + clip(err.Error(), 300)}
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body) // capped at 64 KB by the client; a longer answer is cut
	out := attempt{status: resp.StatusCode, duration: time.Since(start), excerpt: excerpt(got)}
	out.retry = resp.Header.Get("Retry-After")
	return out
}

// excerpt is the first 1 KB of a response as storable text.
func excerpt(b []byte) string {
	if len(b) > excerptBytes {
		b = b[:excerptBytes]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// log writes the attempt's delivery row and returns how many this
// delivery has (for the snooze bound).
func (w *webhookWorker) log(ctx context.Context, job *river.Job[webhookArgs], a attempt) (int64, error) {
	var n int64
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := logDelivery(tx, job, a); err != nil {
			return err
		}
		return tx.Raw(`SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ? AND event_id = ? AND created_at >= ?`,
			job.Args.WebhookID, job.Args.EventID, job.CreatedAt).Scan(&n).Error
	})
	return n, err
}

// finish logs a final attempt and completes the job in one transaction.
func (w *webhookWorker) finish(ctx context.Context, job *river.Job[webhookArgs], a attempt, also func(tx *gorm.DB) error) error {
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := logDelivery(tx, job, a); err != nil {
			return err
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, sqlTx, job)
		return err
	})
}

func logDelivery(tx *gorm.DB, job *river.Job[webhookArgs], a attempt) error {
	var status *int
	if a.status != 0 {
		status = &a.status
	}
	msg := a.err
	if a.retry != "" {
		msg = "Retry-After: " + a.retry
	}
	return tx.Exec(`INSERT INTO webhook_deliveries (webhook_id, event_id, attempt, status_code, duration_ms, response_excerpt, error)
		SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?)`,
		job.Args.WebhookID, job.Args.EventID, job.Attempt, status, a.duration.Milliseconds(), a.excerpt, clip(msg, 500),
		job.Args.WebhookID).Error
}

// disableWebhook turns a webhook off after its receiver answered 410 Gone
// and tells every admin in the app (and by email, per their preference).
func disableWebhook(tx *gorm.DB, hook *Webhook) error {
	const reason = "The receiver answered 410 Gone."
	res := tx.Exec(`UPDATE webhooks SET active = false, disabled_reason = ?, updated_at = now() WHERE id = ? AND active`, reason, hook.ID)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	if err := audit(tx, nil, "webhook.disable", "webhook", hook.ID, map[string]any{"active": true},
		map[string]any{"active": false, "reason": reason}); err != nil {
		return err
	}
	return notify(tx, notice{
		kind:  KindWebhookDisabled,
		title: "Webhook disabled: " + clip(hook.URL, 200),
		body:  reason + " No more events go to " + hook.URL + " until an admin enables it again.",
		url:   "/admin/webhooks/" + itoa(hook.ID),
	}, `SELECT id FROM users WHERE role = 'admin'`)
}
