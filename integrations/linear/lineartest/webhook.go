package lineartest

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Webhook returns the headers and body Linear sends for a data change
// (action create, update or remove; entity type "Issue", or e.g. "Comment"
// to test ignored kinds) about the issue with this id or identifier,
// signed with s.Secret and stamped with s.Now. Each call is a new
// delivery; send the same headers and body twice to replay one. ok is
// false for an unknown issue.
func (s *Server) Webhook(entityType, action, id string) (h http.Header, body []byte, ok bool) {
	s.mu.Lock()
	is := s.find(id)
	if is == nil {
		s.mu.Unlock()
		return nil, nil, false
	}
	data := s.node(is)
	data["teamId"] = is.TeamID
	data["stateId"] = "state-" + is.StateType
	payload := map[string]any{
		"action":           action,
		"type":             entityType,
		"actor":            map[string]any{"id": newUUID(), "name": "Linear Fake", "type": "user"},
		"createdAt":        s.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"data":             data,
		"url":              data["url"],
		"updatedFrom":      map[string]any{"stateId": "state-previous"},
		"organizationId":   "9f2b7a3e-0000-4000-8000-000000000001",
		"webhookTimestamp": s.Now().UnixMilli(),
		"webhookId":        "5c1ad7e2-0000-4000-8000-000000000002",
	}
	s.mu.Unlock()
	body, _ = json.Marshal(payload)
	h = http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", "Linear-Webhook")
	h.Set("Linear-Delivery", newUUID())
	h.Set("Linear-Event", entityType)
	h.Set("Linear-Signature", tracker.Sign(s.Secret, body))
	return h, body, true
}

// WebhookRequest is Webhook as a POST to target, ready for a handler.
func (s *Server) WebhookRequest(target, entityType, action, id string) (*http.Request, bool) {
	h, body, ok := s.Webhook(entityType, action, id)
	if !ok {
		return nil, false
	}
	req, err := http.NewRequest("POST", target, bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	req.Header = h
	return req, true
}
