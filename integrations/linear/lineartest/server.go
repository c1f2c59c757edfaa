// Package lineartest is an in-memory Linear GraphQL API for tests: the
// operations the connector sends (issueCreate, issues with a team and
// description filter and cursor paging, issue by id or identifier), API
// key auth, GraphQL error bodies, and webhook deliveries signed as Linear
// signs them.
package lineartest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/tracker/trackertest"
)

// Issue is one issue the fake holds.
type Issue struct {
	ID          string // UUID
	Identifier  string // ENG-1
	TeamID      string
	Title       string
	Description string
	StateName   string // "Backlog" when created
	StateType   string // "backlog" when created
	Created     time.Time
}

// Server is the fake API. Requests are logged (Recorder.Requests) before
// auth is checked; FailNext makes calls fail.
type Server struct {
	trackertest.Recorder
	APIKey  string
	TeamID  string // the only team that exists
	TeamKey string // ENG
	Secret  string // webhook secret
	URL     string // the GraphQL endpoint (Start sets it)
	// Now stamps webhooks and new issues; tests move it to make stale ones.
	Now func() time.Time

	mu     sync.Mutex
	issues []*Issue
}

// New returns a fake with team ENG.
func New(apiKey, teamID, secret string) *Server {
	return &Server{APIKey: apiKey, TeamID: teamID, TeamKey: "ENG", Secret: secret, Now: time.Now}
}

// Start serves a new fake on a loopback httptest server closed with t;
// URL is its /graphql endpoint.
func Start(t testing.TB, apiKey, teamID, secret string) *Server {
	s := New(apiKey, teamID, secret)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	s.URL = ts.URL + "/graphql"
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Record(r)
	if s.Fail(w, failureBody) {
		return
	}
	if r.Method != "POST" || r.URL.Path != "/graphql" {
		http.NotFound(w, r)
		return
	}
	// Personal API keys are sent bare; "Bearer <key>" is for OAuth tokens.
	if r.Header.Get("Authorization") != s.APIKey {
		writeErrors(w, http.StatusBadRequest, gqlErr("Authentication required, not authenticated", "AUTHENTICATION_ERROR"))
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Query == "" {
		writeErrors(w, http.StatusBadRequest, gqlErr("Must provide query string.", "GRAPHQL_PARSE_FAILED"))
		return
	}
	switch {
	case strings.Contains(req.Query, "issueCreate("):
		s.create(w, req.Variables)
	case strings.Contains(req.Query, "issues("):
		s.list(w, req.Query, req.Variables)
	case strings.Contains(req.Query, "issue("):
		s.get(w, req.Variables)
	default:
		writeErrors(w, http.StatusBadRequest, gqlErr("the fake does not know this operation", "GRAPHQL_VALIDATION_FAILED"))
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

// Issue returns the issue with this UUID or identifier.
func (s *Server) Issue(id string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(id); is != nil {
		return *is, true
	}
	return Issue{}, false
}

// Add stores an issue as if made in Linear; ids and state are filled when empty.
func (s *Server) Add(is Issue) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.add(is)
}

func (s *Server) add(is Issue) *Issue {
	if is.ID == "" {
		is.ID = newUUID()
	}
	if is.Identifier == "" {
		is.Identifier = fmt.Sprintf("%s-%d", s.TeamKey, len(s.issues)+1)
	}
	if is.TeamID == "" {
		is.TeamID = s.TeamID
	}
	if is.StateType == "" {
		is.StateName, is.StateType = "Backlog", "backlog"
	}
	if is.Created.IsZero() {
		is.Created = s.Now().UTC()
	}
	p := &is
	s.issues = append(s.issues, p)
	return p
}

// SetState moves an issue to a workflow state (name, type: triage,
// backlog, unstarted, started, completed, canceled).
func (s *Server) SetState(id, name, stateType string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(id)
	if is == nil {
		return false
	}
	is.StateName, is.StateType = name, stateType
	return true
}

func (s *Server) find(id string) *Issue {
	for _, is := range s.issues {
		if is.ID == id || strings.EqualFold(is.Identifier, id) {
			return is
		}
	}
	return nil
}

// node is an issue as the API returns it (every field the connector may ask for).
func (s *Server) node(is *Issue) map[string]any {
	return map[string]any{
		"id": is.ID, "identifier": is.Identifier, "title": is.Title, "description": is.Description,
		"url":       "https://linear.app/acme/issue/" + is.Identifier + "/" + slug(is.Title),
		"createdAt": is.Created.Format("2006-01-02T15:04:05.000Z"),
		"state":     map[string]any{"id": "state-" + is.StateType, "name": is.StateName, "type": is.StateType, "color": "#bec2c8"},
	}
}

func slug(title string) string {
	f := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') })
	return strings.Join(f, "-")
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

type gqlError map[string]any

func gqlErr(msg, code string) gqlError {
	return gqlError{"message": msg, "extensions": map[string]any{"code": code, "userPresentableMessage": msg}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, status int, errs ...gqlError) {
	writeJSON(w, status, map[string]any{"data": nil, "errors": errs})
}

func failureBody(status int) []byte {
	code := "INTERNAL_SERVER_ERROR"
	switch status {
	case http.StatusTooManyRequests:
		code = "RATELIMITED"
	case http.StatusUnauthorized, http.StatusForbidden:
		code = "AUTHENTICATION_ERROR"
	}
	b, _ := json.Marshal(map[string]any{"errors": []gqlError{gqlErr(http.StatusText(status), code)}})
	return b
}
