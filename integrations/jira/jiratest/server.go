// Package jiratest is an in-memory Jira Cloud for tests: an http.Handler
// speaking the REST API v3 calls the connector makes (create issue, JQL
// search, get issue) with Basic auth, and producing webhook deliveries
// signed as Jira signs them.
package jiratest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/tracker/trackertest"
)

// Issue is one issue the fake holds.
type Issue struct {
	ID             string
	Key            string
	Project        string
	IssueType      string
	Summary        string
	Description    json.RawMessage // the ADF document as received
	Labels         []string
	StatusName     string // "To Do" when created
	StatusCategory string // "new" when created
	Created        time.Time
}

// Server is the fake site. Requests are logged (Recorder.Requests) before
// auth is checked, and FailNext makes the next calls fail.
type Server struct {
	trackertest.Recorder
	Email, Token string
	Project      string // the only project key that exists
	Secret       string // webhook secret
	URL          string // the site's address, for self and browse links (Start sets it)

	mu         sync.Mutex
	issues     []*Issue
	nextID     int
	deliveries int
}

// New returns a fake site with project PROJ.
func New(email, token, secret string) *Server {
	return &Server{Email: email, Token: token, Secret: secret, Project: "PROJ", nextID: 10000}
}

// Start serves a new fake on a loopback httptest server closed with t.
func Start(t testing.TB, email, token, secret string) *Server {
	s := New(email, token, secret)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Record(r)
	if s.Fail(w, errorBody) {
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.Email || p != s.Token {
		// Jira answers unauthenticated API calls with 401 and this text.
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("Client must be authenticated to access this resource."))
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/rest/api/3/issue":
		s.create(w, r)
	case r.Method == "GET" && r.URL.Path == "/rest/api/3/search/jql":
		s.search(w, r)
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/rest/api/3/issue/"):
		s.get(w, r, strings.TrimPrefix(r.URL.Path, "/rest/api/3/issue/"))
	default:
		writeError(w, http.StatusNotFound, nil, "No API endpoint "+r.Method+" "+r.URL.Path)
	}
}

// Issues returns copies of all issues, in creation order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
	}
	return out
}

// Issue returns the issue with key.
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(key); is != nil {
		return *is, true
	}
	return Issue{}, false
}

// SetStatus moves an issue, as a transition in Jira would.
func (s *Server) SetStatus(key, name, categoryKey string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		return false
	}
	is.StatusName, is.StatusCategory = name, categoryKey
	return true
}

// Delete removes an issue.
func (s *Server) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, is := range s.issues {
		if is.Key == key {
			s.issues = append(s.issues[:i], s.issues[i+1:]...)
			return
		}
	}
}

// Add stores an issue as if someone had created it in Jira (e.g. to link
// an existing one); ID, Key and status are filled when empty.
func (s *Server) Add(is Issue) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.add(is)
}

func (s *Server) add(is Issue) *Issue {
	s.nextID++
	if is.ID == "" {
		is.ID = strconv.Itoa(s.nextID)
	}
	if is.Project == "" {
		is.Project = s.Project
	}
	if is.Key == "" {
		is.Key = is.Project + "-" + strconv.Itoa(s.nextID-10000)
	}
	if is.StatusName == "" {
		is.StatusName, is.StatusCategory = "To Do", "new"
	}
	if is.Created.IsZero() {
		is.Created = time.Now()
	}
	p := &is
	s.issues = append(s.issues, p)
	return p
}

func (s *Server) find(key string) *Issue {
	for _, is := range s.issues {
		if is.Key == key || is.ID == key {
			return is
		}
	}
	return nil
}

func (s *Server) base(r *http.Request) string {
	if s.URL != "" {
		return s.URL
	}
	if r == nil {
		return "https://example.atlassian.net"
	}
	return "http://" + r.Host
}

// bean is an issue as the REST API returns it.
func (s *Server) bean(r *http.Request, is *Issue) map[string]any {
	base := s.base(r)
	return map[string]any{
		"id":   is.ID,
		"key":  is.Key,
		"self": base + "/rest/api/3/issue/" + is.ID,
		"fields": map[string]any{
			"summary": is.Summary,
			"labels":  is.Labels,
			"status": map[string]any{
				"self": base + "/rest/api/3/status/1",
				"name": is.StatusName,
				"id":   "1",
				"statusCategory": map[string]any{
					"self": base + "/rest/api/3/statuscategory/1",
					"id":   categoryID[is.StatusCategory],
					"key":  is.StatusCategory,
					"name": categoryName[is.StatusCategory],
				},
			},
		},
	}
}

var (
	categoryID   = map[string]int{"undefined": 1, "new": 2, "done": 3, "indeterminate": 4}
	categoryName = map[string]string{"undefined": "No Category", "new": "To Do", "done": "Done", "indeterminate": "In Progress"}
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers with Jira's ErrorCollection.
func writeError(w http.ResponseWriter, status int, fields map[string]string, messages ...string) {
	if fields == nil {
		fields = map[string]string{}
	}
	if messages == nil {
		messages = []string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": messages, "errors": fields})
}

func errorBody(status int) []byte {
	b, _ := json.Marshal(map[string]any{"errorMessages": []string{http.StatusText(status)}, "errors": map[string]string{}})
	return b
}
