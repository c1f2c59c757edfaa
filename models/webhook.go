package models

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/webhook"
)

// Webhook is an admin's subscription of a URL to domain events. Secret
// signs every request; after a rotation PreviousSecret signs too until
// PreviousSecretUntil.
type Webhook struct {
	ID                  int64
	URL                 string
	Description         string
	Events              Tags
	Active              bool
	Secret              string  `json:"-"`
	PreviousSecret      *string `json:"-"`
	PreviousSecretUntil *time.Time
	DisabledReason      string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

const (
	// WebhooksPerPage is the size of a page of webhooks or deliveries.
	WebhooksPerPage = 20
	// secretOverlap is how long a rotated-out secret still signs.
	secretOverlap = 24 * time.Hour
)

// URLChecker refuses destinations the outbound policy does not allow; an
// *outbound.Client is one.
type URLChecker interface {
	CheckURL(ctx context.Context, rawURL string) error
}

// WebhookInput is a new webhook or a change to one; a nil field is left
// as it is (for a new webhook: empty description, active).
type WebhookInput struct {
	URL         *string
	Description *string
	Events      *[]string
	Active      *bool
}

// signingSecrets are the secrets that sign a request sent at now.
func (w *Webhook) signingSecrets(now time.Time) []string {
	s := []string{w.Secret}
	if w.PreviousSecret != nil && w.PreviousSecretUntil != nil && now.Before(*w.PreviousSecretUntil) {
		s = append(s, *w.PreviousSecret)
	}
	return s
}

// auditView is what the audit log keeps of a webhook: never its secret.
func (w *Webhook) auditView() map[string]any {
	return map[string]any{"url": w.URL, "description": w.Description, "events": []string(w.Events), "active": w.Active}
}

// apply validates in onto w; the URL goes through the outbound policy, so
// an internal destination is refused when saved (and again at every send).
func (in WebhookInput) apply(ctx context.Context, check URLChecker, w *Webhook) error {
	v := &ValidationError{}
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		var re *outbound.RefusedError
		switch _, perr := url.Parse(u); {
		case u == "":
			v.Add("url", "Enter the URL that receives the events.")
		case len(u) > 2000 || textProblem(u) != "" || perr != nil:
			v.Add("url", "This is not a valid URL of at most 2,000 characters.")
		default:
			if err := check.CheckURL(ctx, u); errors.As(err, &re) {
				v.Add("url", "This destination is not allowed: "+re.Reason+".")
			} else if err != nil {
				return err
			}
		}
		w.URL = u
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(d) > 500 || textProblem(d) != "" {
			v.Add("description", "The description must be plain text of at most 500 characters.")
		}
		w.Description = d
	}
	if in.Events != nil {
		var evs []string
		for _, e := range *in.Events {
			if !slices.Contains(WebhookEvents, e) {
				v.Add("events", "Events are: "+strings.Join(WebhookEvents, ", ")+".")
			} else if !slices.Contains(evs, e) {
				evs = append(evs, e)
			}
		}
		if len(evs) == 0 {
			v.Add("events", "Choose at least one event.")
		}
		w.Events = Tags(evs)
	}
	if in.Active != nil {
		if *in.Active && !w.Active {
			w.DisabledReason = ""
		}
		w.Active = *in.Active
	}
	return v.Err()
}

// CreateWebhook saves a webhook with a new secret and returns it with the
// secret, which is shown this once.
func CreateWebhook(ctx context.Context, db *gorm.DB, actor *User, check URLChecker, in WebhookInput) (*Webhook, string, error) {
	w := Webhook{Active: true, Secret: webhook.NewSecret()}
	if in.URL == nil {
		in.URL = new(string)
	}
	if in.Events == nil {
		in.Events = &[]string{}
	}
	if err := in.apply(ctx, check, &w); err != nil {
		return nil, "", err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("CreatedAt", "UpdatedAt").Create(&w).Error; err != nil {
			return err
		}
		return audit(tx, actor, "webhook.create", "webhook", w.ID, nil, w.auditView())
	})
	if err != nil {
		return nil, "", err
	}
	return &w, w.Secret, nil
}

func lockWebhook(tx *gorm.DB, id int64) (*Webhook, error) {
	var w Webhook
	err := tx.Raw(`SELECT * FROM webhooks WHERE id = ? FOR UPDATE`, id).Scan(&w).Error
	if err != nil {
		return nil, err
	}
	if w.ID == 0 {
		return nil, NotFound("No such webhook.")
	}
	return &w, nil
}

// UpdateWebhook changes the fields in's non-nil fields name.
func UpdateWebhook(ctx context.Context, db *gorm.DB, actor *User, check URLChecker, id int64, in WebhookInput) (*Webhook, error) {
	var w *Webhook
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		if w, err = lockWebhook(tx, id); err != nil {
			return err
		}
		before := w.auditView()
		if err := in.apply(ctx, check, w); err != nil {
			return err
		}
		err = tx.Exec(`UPDATE webhooks SET url = ?, description = ?, events = ?, active = ?, disabled_reason = ?, updated_at = now()
			WHERE id = ?`, w.URL, w.Description, w.Events, w.Active, w.DisabledReason, id).Error
		if err != nil {
			return err
		}
		return audit(tx, actor, "webhook.update", "webhook", id, before, w.auditView())
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// DeleteWebhook removes a webhook with its delivery log; queued deliveries
// find it gone and stop.
func DeleteWebhook(ctx context.Context, db *gorm.DB, actor *User, id int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		w, err := lockWebhook(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM webhooks WHERE id = ?`, id).Error; err != nil {
			return err
		}
		return audit(tx, actor, "webhook.delete", "webhook", id, w.auditView(), nil)
	})
}

// RotateWebhookSecret issues a new secret and returns it (shown once); the
// old one keeps signing for 24 hours beside it.
func RotateWebhookSecret(ctx context.Context, db *gorm.DB, actor *User, id int64) (*Webhook, string, error) {
	var w *Webhook
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		if w, err = lockWebhook(tx, id); err != nil {
			return err
		}
		old, until := w.Secret, time.Now().UTC().Add(secretOverlap)
		w.Secret, w.PreviousSecret, w.PreviousSecretUntil = webhook.NewSecret(), &old, &until
		if err := tx.Exec(`UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = now() WHERE id = ?`,
			w.Secret, old, until, id).Error; err != nil {
			return err
		}
		return audit(tx, actor, "webhook.rotate_secret", "webhook", id, nil, map[string]any{"previous_valid_until": until})
	})
	if err != nil {
		return nil, "", err
	}
	return w, w.Secret, nil
}

// WebhookByID loads one webhook.
func WebhookByID(ctx context.Context, db *gorm.DB, id int64) (*Webhook, error) {
	var w Webhook
	if err := db.WithContext(ctx).Raw(`SELECT * FROM webhooks WHERE id = ?`, id).Scan(&w).Error; err != nil {
		return nil, err
	}
	if w.ID == 0 {
		return nil, NotFound("No such webhook.")
	}
	return &w, nil
}

// WebhookPage is one page of webhooks, newest first.
type WebhookPage struct {
	Webhooks []Webhook
	Page     Page
}

// Webhooks lists webhooks.
func Webhooks(ctx context.Context, db *gorm.DB, p Page) (*WebhookPage, error) {
	out := &WebhookPage{Page: p}
	q := db.WithContext(ctx).Model(&Webhook{})
	if err := q.Count(&out.Page.Total).Error; err != nil {
		return nil, err
	}
	err := q.Order("id DESC").Offset(p.Offset()).Limit(p.PerPage).Find(&out.Webhooks).Error
	return out, err
}
