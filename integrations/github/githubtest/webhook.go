package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Webhook returns the headers and body GitHub sends for an issues event
// with action ("closed", "reopened", "labeled", "deleted", …) about issue
// n, signed with s.Secret. event is the X-GitHub-Event ("issues", or e.g.
// "ping" to test ignored kinds). Each call is a new delivery; send the same
// headers and body twice to replay one. ok is false for an unknown issue.
func (s *Server) Webhook(event, action string, n int) (h http.Header, body []byte, ok bool) {
	s.mu.Lock()
	is := s.find(n)
	if is == nil {
		s.mu.Unlock()
		return nil, nil, false
	}
	s.deliveries++
	id := fmt.Sprintf("72d3162e-cc78-11e3-81ab-%012x", s.deliveries)
	_, name, _ := strings.Cut(s.Repo, "/")
	payload := map[string]any{
		"action": action,
		"issue":  s.json(is),
		"repository": map[string]any{
			"id": 35129377, "name": name, "full_name": s.Repo,
			"html_url": s.HTMLURL + "/" + s.Repo, "private": false,
		},
		"sender": map[string]any{"login": "octocat", "id": 583231, "type": "User"},
	}
	s.mu.Unlock()
	body, _ = json.Marshal(payload)
	h = http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/044aadd")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", id)
	h.Set("X-GitHub-Hook-ID", "292430182")
	h.Set("X-Hub-Signature-256", "sha256="+tracker.Sign(s.Secret, body))
	return h, body, true
}

// WebhookRequest is Webhook as a POST to target, ready for a handler.
func (s *Server) WebhookRequest(target, event, action string, n int) (*http.Request, bool) {
	h, body, ok := s.Webhook(event, action, n)
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
