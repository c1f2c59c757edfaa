package models

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// deliveryRetention is how long the delivery log (and the events it
// refers to) is kept.
const deliveryRetention = 30 * 24 * time.Hour

// Delivery is one attempt to deliver an event to a webhook.
type Delivery struct {
	ID              int64
	WebhookID       int64
	EventID         string
	Type            string `gorm:"->"`
	Attempt         int
	StatusCode      *int
	DurationMS      int `gorm:"column:duration_ms"`
	ResponseExcerpt string
	Error           string
	CreatedAt       time.Time
}

// OK reports whether the receiver accepted the event.
func (d Delivery) OK() bool {
	return d.StatusCode != nil && *d.StatusCode >= 200 && *d.StatusCode < 300
}

// DeliveryPage is one page of a webhook's delivery log, newest first.
type DeliveryPage struct {
	Deliveries []Delivery
	Page       Page
}

// WebhookDeliveries lists a webhook's delivery log.
func WebhookDeliveries(ctx context.Context, db *gorm.DB, webhookID int64, p Page) (*DeliveryPage, error) {
	if _, err := WebhookByID(ctx, db, webhookID); err != nil {
		return nil, err
	}
	out := &DeliveryPage{Page: p}
	db = db.WithContext(ctx)
	if err := db.Raw(`SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ?`, webhookID).Scan(&out.Page.Total).Error; err != nil {
		return nil, err
	}
	err := db.Raw(`SELECT d.*, e.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.webhook_id = ? ORDER BY d.id DESC LIMIT ? OFFSET ?`, webhookID, p.PerPage, p.Offset()).Scan(&out.Deliveries).Error
	return out, err
}

// SendTestEvent queues a webhook.test event for this webhook alone (even
// a disabled one) and returns the event id.
func SendTestEvent(ctx context.Context, db *gorm.DB, actor *User, webhookID int64) (string, error) {
	var id string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		if _, err = lockWebhook(tx, webhookID); err != nil {
			return err
		}
		id, err = insertEvent(tx, EventTest, map[string]any{"webhook_id": webhookID, "message": "A test event from Crowdwise."})
		if err != nil {
			return err
		}
		if err := insertJobs(ctx, tx, []river.InsertManyParams{{Args: webhookArgs{WebhookID: webhookID, EventID: id, Manual: true}}}); err != nil {
			return err
		}
		return audit(tx, actor, "webhook.test", "webhook", webhookID, nil, map[string]any{"event_id": id})
	})
	return id, err
}

// ReplayDelivery queues the delivery's event again for its webhook: the
// same webhook-id and body, a fresh timestamp and signature.
func ReplayDelivery(ctx context.Context, db *gorm.DB, actor *User, deliveryID int64) (*Delivery, error) {
	var d Delivery
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT * FROM webhook_deliveries WHERE id = ?`, deliveryID).Scan(&d).Error; err != nil {
			return err
		}
		if d.ID == 0 {
			return NotFound("No such delivery.")
		}
		if _, err := lockWebhook(tx, d.WebhookID); err != nil {
			return err
		}
		if err := insertJobs(ctx, tx, []river.InsertManyParams{{Args: webhookArgs{WebhookID: d.WebhookID, EventID: d.EventID, Manual: true}}}); err != nil {
			return err
		}
		return audit(tx, actor, "webhook.replay", "webhook", d.WebhookID, nil, map[string]any{"delivery_id": d.ID, "event_id": d.EventID})
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

const jobWebhookPrune = "webhook_prune" // {}: delete the delivery log older than 30 days

type webhookPruneArgs struct{}

func (webhookPruneArgs) Kind() string { return jobWebhookPrune }

// webhookPrunePeriodicJob runs the prune every six hours on the leader.
func webhookPrunePeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return webhookPruneArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{ID: jobWebhookPrune, RunOnStart: true})
}

// runWebhookPrune deletes deliveries and events past the retention (the
// events' deliveries go with them).
func runWebhookPrune(_ context.Context, tx *gorm.DB, _ *JobConfig, _ webhookPruneArgs) error {
	cut := time.Now().UTC().Add(-deliveryRetention)
	if err := tx.Exec(`DELETE FROM webhook_deliveries WHERE created_at < ?`, cut).Error; err != nil {
		return err
	}
	return tx.Exec(`DELETE FROM webhook_events WHERE created_at < ?`, cut).Error
}

// PruneWebhookLog runs the prune now (tests, and the job).
func PruneWebhookLog(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return runWebhookPrune(ctx, tx, nil, webhookPruneArgs{}) })
}
