package jiratest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Webhook returns the headers and body Jira Cloud sends for event
// ("jira:issue_updated", "jira:issue_deleted", …) about the issue with key,
// signed with s.Secret. Each call is a new delivery id; send the same
// headers and body twice to replay one. ok is false for an unknown key.
func (s *Server) Webhook(event, key string) (h http.Header, body []byte, ok bool) {
	s.mu.Lock()
	is := s.find(key)
	if is == nil {
		s.mu.Unlock()
		return nil, nil, false
	}
	s.deliveries++
	id := strconv.Itoa(s.deliveries)
	payload := map[string]any{
		"timestamp":             time.Now().UnixMilli(),
		"webhookEvent":          event,
		"issue_event_type_name": "issue_generic",
		"user":                  map[string]any{"accountId": "5b10a2844c20165700ede21g", "displayName": "Jira Fake"},
		"issue":                 s.bean(nil, is),
		"changelog":             map[string]any{"id": id, "items": []map[string]string{{"field": "status", "toString": is.StatusName}}},
	}
	s.mu.Unlock()
	body, _ = json.Marshal(payload)
	h = http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Atlassian-Webhook-Identifier", id)
	h.Set("X-Atlassian-Webhook-Flow", "Primary")
	h.Set("X-Hub-Signature", "sha256="+tracker.Sign(s.Secret, body))
	return h, body, true
}

// WebhookRequest is Webhook as a POST to target, ready for a handler.
func (s *Server) WebhookRequest(target, event, key string) (*http.Request, bool) {
	h, body, ok := s.Webhook(event, key)
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
