package linear

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Webhook headers Linear sends.
const (
	HeaderSignature = "Linear-Signature" // hex HMAC-SHA256 of the raw body
	HeaderDelivery  = "Linear-Delivery"  // a UUID per delivery
	HeaderEvent     = "Linear-Event"     // the entity type, e.g. Issue
)

// MaxSkew is how far webhookTimestamp may be from now.
const MaxSkew = 60 * time.Second

type webhookBody struct {
	Action           string `json:"action"` // create, update, remove
	Type             string `json:"type"`   // Issue, Comment, …
	URL              string `json:"url"`
	WebhookTimestamp int64  `json:"webhookTimestamp"` // ms
	Data             *issue `json:"data"`
}

// VerifyAndParse checks the signature of a Linear webhook in constant time
// before reading the body, then that the signed webhookTimestamp is within
// MaxSkew of now, and returns the issue event. Errors: tracker.ErrSignature,
// tracker.ErrStale, tracker.ErrIgnored (not an Issue event),
// tracker.ErrMalformed.
func VerifyAndParse(h http.Header, body []byte, secret string, now time.Time) (tracker.Event, error) {
	if !tracker.ValidSignature(secret, body, h.Get(HeaderSignature), "") {
		return tracker.Event{}, tracker.ErrSignature
	}
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil || b.WebhookTimestamp == 0 {
		return tracker.Event{}, tracker.ErrMalformed
	}
	if skew := now.Sub(time.UnixMilli(b.WebhookTimestamp)); skew > MaxSkew || skew < -MaxSkew {
		return tracker.Event{}, tracker.ErrStale
	}
	if b.Type != "Issue" {
		return tracker.Event{}, tracker.ErrIgnored
	}
	if b.Data == nil || b.Data.ID == "" || h.Get(HeaderDelivery) == "" {
		return tracker.Event{}, tracker.ErrMalformed
	}
	it := b.Data.item()
	if it.URL == "" {
		it.URL = b.URL
	}
	return tracker.Event{
		DeliveryID: h.Get(HeaderDelivery),
		ExternalID: it.ExternalID,
		Key:        it.Key,
		Deleted:    b.Action == "remove",
		Item:       it,
	}, nil
}
