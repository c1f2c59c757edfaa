package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Outcomes of an inbound tracker webhook, as /staff/integrations shows them.
const (
	HookApplied      = "applied"       // the item's status changed
	HookUnchanged    = "unchanged"     // a known item, nothing new
	HookUnknownIssue = "unknown_issue" // no idea is linked to that issue
	HookIgnored      = "ignored"       // an event kind Crowdwise does not act on
	HookReplayed     = "replayed"      // a delivery id seen before
	HookBadSignature = "bad_signature"
	HookStale        = "stale"
	HookMalformed    = "malformed"
	HookTooLarge     = "too_large"
)

// WebhookDelivery is one logged inbound tracker webhook.
type WebhookDelivery struct {
	ID         int64     `json:"id"`
	Provider   string    `json:"provider"`
	DeliveryID *string   `json:"delivery_id"`
	Verified   bool      `json:"verified"`
	Outcome    string    `json:"outcome"`
	ItemID     *int64    `json:"item_id"`
	Detail     string    `json:"detail"`
	ReceivedAt time.Time `json:"received_at"`
}

func (WebhookDelivery) TableName() string { return "backlog_webhook_deliveries" }

// LogWebhook records a delivery that was not acted on: refused (bad
// signature, stale, malformed, too large) or a verified event of a kind
// Crowdwise ignores. Unverified deliveries keep no delivery id: their
// headers are not to be trusted.
func LogWebhook(ctx context.Context, db *gorm.DB, provider string, verified bool, deliveryID, outcome, detail string) error {
	var id *string
	if verified && deliveryID != "" {
		d := clip(deliveryID, 200)
		id = &d
	}
	// A replayed ignored event meets its first log row: nothing to add.
	return db.WithContext(ctx).Exec(`INSERT INTO backlog_webhook_deliveries (provider, delivery_id, verified, outcome, detail)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, provider, id, verified, outcome, clip(detail, 500)).Error
}

// ApplyWebhook acts on a verified tracker event once per delivery id: a
// replay changes nothing, an issue no idea is linked to changes nothing,
// otherwise the item takes the tracker's status and the idea follows
// (followTracker), all in one transaction with the log row.
func ApplyWebhook(ctx context.Context, db *gorm.DB, provider string, ev tracker.Event) (string, error) {
	outcome := HookUnchanged
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var logID []int64
		// Waits for a concurrent delivery of the same id to commit, then
		// finds its row: the second one is a replay.
		if err := tx.Raw(`INSERT INTO backlog_webhook_deliveries (provider, delivery_id, verified, outcome)
			VALUES (?, ?, true, 'unchanged')
			ON CONFLICT (provider, delivery_id) WHERE outcome IN ('applied', 'unchanged', 'unknown_issue', 'ignored')
			DO NOTHING RETURNING id`, provider, clip(ev.DeliveryID, 200)).Scan(&logID).Error; err != nil {
			return err
		}
		if len(logID) == 0 {
			outcome = HookReplayed
			return tx.Exec(`INSERT INTO backlog_webhook_deliveries (provider, delivery_id, verified, outcome) VALUES (?, ?, true, 'replayed')`,
				provider, clip(ev.DeliveryID, 200)).Error
		}
		var items []BacklogItem
		if err := tx.Raw(`SELECT * FROM backlog_items WHERE provider = ? AND state = 'linked'
			AND ((external_id = ? AND external_id <> '') OR (key = ? AND key <> '')) ORDER BY id LIMIT 1 FOR UPDATE`,
			provider, ev.ExternalID, ev.Key).Scan(&items).Error; err != nil {
			return err
		}
		var itemID *int64
		switch {
		case len(items) == 0:
			outcome = HookUnknownIssue
		case ev.Deleted:
			outcome, itemID = HookApplied, &items[0].ID
			if err := markItemFailed(tx, items[0].ID, "The issue was deleted in "+ProviderName(provider)+"."); err != nil {
				return err
			}
		default:
			itemID = &items[0].ID
			moved, err := syncItem(tx, &items[0], ev.Item, nil)
			if err != nil {
				return err
			}
			if moved {
				outcome = HookApplied
			}
		}
		return tx.Exec(`UPDATE backlog_webhook_deliveries SET outcome = ?, item_id = ? WHERE id = ?`, outcome, itemID, logID[0]).Error
	})
	return outcome, err
}

// IntegrationsLog is the backlog's part of /staff/integrations.
type IntegrationsLog struct {
	Webhooks      []WebhookDelivery
	WebhooksPage  Page
	WriteBacks    []WriteBackRow
	WriteBackPage Page
	FailedItems   []BacklogItem // items whose creation failed or that report an error
}

// WriteBackRow is one CRM write-back with its account.
type WriteBackRow struct {
	ID          int64
	AccountName string
	IdeaID      int64
	IdeaTitle   string
	Target      string
	Subject     string
	State       string
	Attempts    int
	LastError   string
	CreatedAt   time.Time
}

// BacklogIntegrations reads the webhook log, the write-back log (failures
// first) and items with errors, newest first, one page each.
func BacklogIntegrations(ctx context.Context, db *gorm.DB, actor *User, hooks, writes Page) (*IntegrationsLog, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers and admins can see integrations.")
	}
	db = db.WithContext(ctx)
	out := &IntegrationsLog{WebhooksPage: hooks, WriteBackPage: writes}
	if err := db.Model(&WebhookDelivery{}).Count(&out.WebhooksPage.Total).Error; err != nil {
		return nil, err
	}
	if err := db.Order("received_at DESC, id DESC").Limit(hooks.PerPage).Offset(hooks.Offset()).Find(&out.Webhooks).Error; err != nil {
		return nil, err
	}
	if err := db.Raw(`SELECT count(*) FROM crm_writebacks`).Scan(&out.WriteBackPage.Total).Error; err != nil {
		return nil, err
	}
	if err := db.Raw(`SELECT w.id, a.name AS account_name, w.idea_id, i.title AS idea_title, w.target, w.subject, w.state,
		w.attempts, w.last_error, w.created_at
		FROM crm_writebacks w JOIN crm_accounts a ON a.id = w.account_id JOIN ideas i ON i.id = w.idea_id
		ORDER BY w.created_at DESC, w.id DESC LIMIT ? OFFSET ?`, writes.PerPage, writes.Offset()).Scan(&out.WriteBacks).Error; err != nil {
		return nil, err
	}
	err := db.Where("state = 'failed' OR last_error <> ''").Order("updated_at DESC, id DESC").Limit(50).Find(&out.FailedItems).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = nil
	}
	return out, err
}
