// Package githubtest is an in-memory GitHub REST API for tests: the issue
// calls the connector makes (create, list by label with Link paging, get),
// token auth, GitHub's error bodies, and webhook deliveries signed as
// GitHub signs them.
package githubtest

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

// Issue is one issue (or pull request) the fake holds.
type Issue struct {
	ID          int64
	Number      int
	Title       string
	Body        string
	Labels      []string
	State       string // "open" or "closed"
	StateReason string // "", "completed", "not_planned", "reopened"
	PullRequest bool
	Created     time.Time
}

// Server is the fake API for one repository. Requests are logged
// (Recorder.Requests) before auth is checked; FailNext makes calls fail.
type Server struct {
	trackertest.Recorder
	Repo    string // owner/name, the only repository that exists
	Token   string
	Secret  string // webhook secret
	URL     string // the API's address (Start sets it)
	HTMLURL string // where issue pages live, default https://github.com

	mu         sync.Mutex
	issues     []*Issue
	deliveries int
}

// New returns a fake API for repo.
func New(repo, token, secret string) *Server {
	return &Server{Repo: repo, Token: token, Secret: secret, HTMLURL: "https://github.com"}
}

// Start serves a new fake on a loopback httptest server closed with t.
func Start(t testing.TB, repo, token, secret string) *Server {
	s := New(repo, token, secret)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Record(r)
	if s.Fail(w, func(status int) []byte { return messageBody(http.StatusText(status)) }) {
		return
	}
	auth := r.Header.Get("Authorization")
	if auth != "Bearer "+s.Token && auth != "token "+s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
		return
	}
	prefix := "/repos/" + s.Repo + "/issues"
	path := r.URL.Path
	if !strings.EqualFold(path[:min(len(prefix), len(path))], prefix) {
		writeJSON(w, http.StatusNotFound, notFound)
		return
	}
	rest := path[len(prefix):]
	switch {
	case rest == "" && r.Method == "POST":
		s.create(w, r)
	case rest == "" && r.Method == "GET":
		s.list(w, r)
	case strings.HasPrefix(rest, "/") && r.Method == "GET":
		n, err := strconv.Atoi(rest[1:])
		if err != nil {
			writeJSON(w, http.StatusNotFound, notFound)
			return
		}
		s.get(w, r, n)
	default:
		writeJSON(w, http.StatusNotFound, notFound)
	}
}

var notFound = map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}

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

// Issue returns issue number n.
func (s *Server) Issue(n int) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(n); is != nil {
		return *is, true
	}
	return Issue{}, false
}

// Add stores an issue as if made on GitHub; number, id and state are
// filled when empty.
func (s *Server) Add(is Issue) Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.add(is)
}

func (s *Server) add(is Issue) *Issue {
	is.Number = len(s.issues) + 1
	is.ID = 1_000_000 + int64(is.Number)
	if is.State == "" {
		is.State = "open"
	}
	if is.Created.IsZero() {
		is.Created = time.Now().UTC().Truncate(time.Second)
	}
	p := &is
	s.issues = append(s.issues, p)
	return p
}

// SetState closes (reason "completed" or "not_planned") or reopens
// (state "open", reason "reopened") issue n.
func (s *Server) SetState(n int, state, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(n)
	if is == nil {
		return false
	}
	is.State, is.StateReason = state, reason
	return true
}

// SetLabels replaces issue n's labels.
func (s *Server) SetLabels(n int, labels ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(n)
	if is == nil {
		return false
	}
	is.Labels = labels
	return true
}

// Delete removes issue n.
func (s *Server) Delete(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(n); is != nil {
		is.Number = -is.Number // keeps numbering; never found again
	}
}

func (s *Server) find(n int) *Issue {
	for _, is := range s.issues {
		if is.Number == n {
			return is
		}
	}
	return nil
}

// json is an issue as the REST API returns it.
func (s *Server) json(is *Issue) map[string]any {
	api := s.URL + "/repos/" + s.Repo + "/issues/" + strconv.Itoa(is.Number)
	labels := []map[string]any{}
	for i, l := range is.Labels {
		labels = append(labels, map[string]any{"id": 100 + i, "name": l, "color": "ededed", "default": false})
	}
	var reason, closedAt any
	if is.StateReason != "" {
		reason = is.StateReason
	}
	if is.State == "closed" {
		closedAt = is.Created.Format(time.RFC3339)
	}
	out := map[string]any{
		"id": is.ID, "node_id": "I_kwDO" + strconv.FormatInt(is.ID, 36), "number": is.Number,
		"url": api, "html_url": s.HTMLURL + "/" + s.Repo + "/issues/" + strconv.Itoa(is.Number),
		"repository_url": s.URL + "/repos/" + s.Repo,
		"title":          is.Title, "body": is.Body, "state": is.State, "state_reason": reason, "labels": labels,
		"user":       map[string]any{"login": "crowdwise-bot", "id": 1, "type": "User"},
		"created_at": is.Created.Format(time.RFC3339), "updated_at": is.Created.Format(time.RFC3339),
		"closed_at": closedAt, "comments": 0, "locked": false,
	}
	if is.PullRequest {
		out["pull_request"] = map[string]any{"url": s.URL + "/repos/" + s.Repo + "/pulls/" + strconv.Itoa(is.Number)}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func messageBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
	return b
}
