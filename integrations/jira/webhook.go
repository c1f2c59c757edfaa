package jira

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Webhook headers Jira Cloud sends.
const (
	HeaderSignature = "X-Hub-Signature"                // sha256=<hex HMAC-SHA256 of the raw body>
	HeaderDelivery  = "X-Atlassian-Webhook-Identifier" // unchanged across retries
)

// webhookBody is the part of a Jira issue event Crowdwise reads.
type webhookBody struct {
	Timestamp    int64  `json:"timestamp"`
	WebhookEvent string `json:"webhookEvent"`
	Issue        *struct {
		issue
		Self string `json:"self"` // https://site/rest/api/3/issue/10004
	} `json:"issue"`
}

// VerifyAndParse checks the signature of a Jira webhook in constant time
// before reading the body, then returns the issue event. Errors:
// tracker.ErrSignature, tracker.ErrIgnored (another event kind),
// tracker.ErrMalformed (also when the delivery id is missing). Jira's
// signature covers no timestamp, so replays are caught by the delivery id.
func VerifyAndParse(h http.Header, body []byte, secret string, _ time.Time) (tracker.Event, error) {
	if !tracker.ValidSignature(secret, body, h.Get(HeaderSignature), "sha256=") {
		return tracker.Event{}, tracker.ErrSignature
	}
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		return tracker.Event{}, tracker.ErrMalformed
	}
	deleted := false
	switch b.WebhookEvent {
	case "jira:issue_updated", "jira:issue_created":
	case "jira:issue_deleted":
		deleted = true
	default:
		return tracker.Event{}, tracker.ErrIgnored
	}
	if b.Issue == nil || b.Issue.Key == "" || h.Get(HeaderDelivery) == "" {
		return tracker.Event{}, tracker.ErrMalformed
	}
	// The issue's link is on the site that signed the event: the origin of
	// its API address.
	site := ""
	if u, err := url.Parse(b.Issue.Self); err == nil && u.Host != "" {
		site = u.Scheme + "://" + u.Host
	}
	c := &Client{cfg: Config{URL: site}}
	it := c.item(b.Issue.issue)
	return tracker.Event{
		DeliveryID: h.Get(HeaderDelivery),
		ExternalID: it.ExternalID,
		Key:        it.Key,
		Deleted:    deleted,
		Item:       it,
	}, nil
}
