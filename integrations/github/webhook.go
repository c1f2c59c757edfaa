package github

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	gh "github.com/google/go-github/v75/github"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Webhook headers GitHub sends.
const (
	HeaderSignature = "X-Hub-Signature-256" // sha256=<hex HMAC-SHA256 of the raw body>
	HeaderDelivery  = "X-GitHub-Delivery"   // a GUID, unchanged on redelivery
	HeaderEvent     = "X-GitHub-Event"
)

// VerifyAndParse checks the signature of a GitHub webhook in constant time
// before reading the body, then returns the issue event; the Key names the
// repository the event came from. Errors: tracker.ErrSignature,
// tracker.ErrIgnored (not an issues event: ping, push…), tracker.ErrMalformed.
// GitHub signs no timestamp, so replays are caught by the delivery id.
func VerifyAndParse(h http.Header, body []byte, secret string, _ time.Time) (tracker.Event, error) {
	if !tracker.ValidSignature(secret, body, h.Get(HeaderSignature), "sha256=") {
		return tracker.Event{}, tracker.ErrSignature
	}
	if h.Get(HeaderEvent) != "issues" {
		return tracker.Event{}, tracker.ErrIgnored
	}
	var ev gh.IssuesEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.Issue == nil || ev.Repo == nil ||
		ev.Repo.GetFullName() == "" || ev.Issue.GetNumber() == 0 || h.Get(HeaderDelivery) == "" {
		return tracker.Event{}, tracker.ErrMalformed
	}
	c := &Client{cfg: Config{Repo: ev.Repo.GetFullName()}}
	it := c.item(ev.Issue)
	if ev.GetAction() == "transferred" {
		return tracker.Event{}, tracker.ErrIgnored // the issue lives on elsewhere; its old key says nothing new
	}
	return tracker.Event{
		DeliveryID: h.Get(HeaderDelivery),
		ExternalID: strconv.FormatInt(ev.Issue.GetID(), 10),
		Key:        it.Key,
		Deleted:    ev.GetAction() == "deleted",
		Item:       it,
	}, nil
}
