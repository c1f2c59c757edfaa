// Package hubspottest is an in-memory HubSpot account speaking the CRM v3
// wire format for what Crowdwise uses: companies and deals listed with
// properties= and paging.next.after, deals with associations=companies,
// owners by id, notes created with associations and notes searched by
// company association and hs_note_body CONTAINS_TOKEN. It checks the Bearer
// token, records every request and fails the next calls on demand (401,
// 429 with Retry-After, 500).
package hubspottest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Request is one request the fake received.
type Request struct {
	Method, Path, Query, Authorization string
	Body                               string
}

// Object is a company or deal: its id and properties (values are strings,
// or anything else to play a malformed record). CompanyIDs are a deal's
// associated companies.
type Object struct {
	ID         string
	Properties map[string]any
	CompanyIDs []string
}

// Owner is a HubSpot owner.
type Owner struct {
	ID, Email, FirstName, LastName string
}

// Note is a created note as the fake received it.
type Note struct {
	ID           string
	Properties   map[string]string
	Associations []struct {
		To    struct{ ID string } `json:"to"`
		Types []struct {
			AssociationCategory string `json:"associationCategory"`
			AssociationTypeID   int    `json:"associationTypeId"`
		} `json:"types"`
	}
}

type failure struct {
	status     int
	retryAfter string
}

// Server is the fake account.
type Server struct {
	*httptest.Server
	Token string
	// PageSize caps a list page (HubSpot: limit up to 100; small here so
	// tests page).
	PageSize int

	mu        sync.Mutex
	companies []Object
	deals     []Object
	owners    map[string]Owner
	notes     []Note
	requests  []Request
	failures  []failure
	seq       int
}

// New starts a fake account; it stops with the test.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{Token: "pat-na1-fake", PageSize: 2, owners: map[string]Owner{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// AddCompany stores a company.
func (s *Server) AddCompany(o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.companies = append(s.companies, o)
}

// SetCompanyProperty changes one property of the company with id.
func (s *Server) SetCompanyProperty(id, name string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.companies {
		if c.ID == id {
			c.Properties[name] = v
		}
	}
}

// AddDeal stores a deal.
func (s *Server) AddDeal(o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deals = append(s.deals, o)
}

// AddOwner stores an owner.
func (s *Server) AddOwner(o Owner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owners[o.ID] = o
}

// Fail makes the next n calls answer status; a 429 carries retryAfter as
// its Retry-After header when not empty.
func (s *Server) Fail(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status, retryAfter})
	}
}

// FailAfter lets the next ok API calls through, then fails n as Fail
// does: e.g. the second page of a listing.
func (s *Server) FailAfter(ok, n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range ok {
		s.failures = append(s.failures, failure{})
	}
	for range n {
		s.failures = append(s.failures, failure{status, retryAfter})
	}
}

// Requests returns every request so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Notes returns the notes created so far.
func (s *Server) Notes() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Note(nil), s.notes...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, category, msg string) {
	writeJSON(w, status, map[string]string{"status": "error", "message": msg, "category": category,
		"correlationId": "00000000-0000-0000-0000-000000000000"})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Body: string(body)})
	var f failure
	if len(s.failures) > 0 {
		f, s.failures = s.failures[0], s.failures[1:]
	}
	if f.status != 0 {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		switch f.status {
		case http.StatusUnauthorized:
			apiError(w, f.status, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
		case http.StatusTooManyRequests:
			apiError(w, f.status, "RATE_LIMITS", "You have reached your secondly limit.")
		default:
			apiError(w, f.status, "INTERNAL_ERROR", "internal error")
		}
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		apiError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/crm/v3/objects/companies":
		s.list(w, r, s.companies, false)
	case r.Method == http.MethodGet && r.URL.Path == "/crm/v3/objects/deals":
		s.list(w, r, s.deals, r.URL.Query().Get("associations") == "companies")
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/crm/v3/owners/"):
		o, ok := s.owners[strings.TrimPrefix(r.URL.Path, "/crm/v3/owners/")]
		if !ok {
			apiError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": o.ID, "email": o.Email, "firstName": o.FirstName,
			"lastName": o.LastName, "type": "PERSON", "archived": false})
	case r.Method == http.MethodPost && r.URL.Path == "/crm/v3/objects/notes":
		s.createNote(w, body)
	case r.Method == http.MethodPost && r.URL.Path == "/crm/v3/objects/notes/search":
		s.searchNotes(w, body)
	default:
		apiError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
	}
}

// list writes one page: the requested properties only (plus the ids),
// paging.next.after while more remain.
func (s *Server) list(w http.ResponseWriter, r *http.Request, objs []Object, assoc bool) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		limit = 10
	}
	limit = min(limit, max(s.PageSize, 1))
	start := 0
	if a := q.Get("after"); a != "" {
		if start, err = strconv.Atoi(a); err != nil || start < 0 || start > len(objs) {
			apiError(w, http.StatusBadRequest, "VALIDATION_ERROR", "invalid after")
			return
		}
	}
	var props []string
	for _, p := range q["properties"] {
		props = append(props, strings.Split(p, ",")...)
	}
	end := min(start+limit, len(objs))
	results := []map[string]any{}
	for _, o := range objs[start:end] {
		p := map[string]any{"hs_object_id": o.ID}
		for _, name := range props {
			if v, ok := o.Properties[name]; ok {
				p[name] = v
			} else {
				p[name] = nil
			}
		}
		res := map[string]any{"id": o.ID, "properties": p, "createdAt": "2026-01-01T00:00:00Z",
			"updatedAt": "2026-01-01T00:00:00Z", "archived": false}
		if assoc && len(o.CompanyIDs) > 0 {
			var rs []map[string]string
			for _, id := range o.CompanyIDs {
				rs = append(rs, map[string]string{"id": id, "type": "deal_to_company"})
			}
			res["associations"] = map[string]any{"companies": map[string]any{"results": rs}}
		}
		results = append(results, res)
	}
	out := map[string]any{"results": results}
	if end < len(objs) {
		after := strconv.Itoa(end)
		out["paging"] = map[string]any{"next": map[string]string{"after": after, "link": s.URL + r.URL.Path + "?after=" + after}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createNote(w http.ResponseWriter, body []byte) {
	var n Note
	if err := json.Unmarshal(body, &n); err != nil {
		apiError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON")
		return
	}
	ts := n.Properties["hs_timestamp"]
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
			apiError(w, http.StatusBadRequest, "VALIDATION_ERROR", "hs_timestamp is required")
			return
		}
	}
	for _, a := range n.Associations {
		found := false
		for _, c := range s.companies {
			found = found || c.ID == a.To.ID
		}
		if !found {
			apiError(w, http.StatusBadRequest, "VALIDATION_ERROR", "One or more associations are invalid")
			return
		}
	}
	s.seq++
	n.ID = fmt.Sprintf("%d", 90000+s.seq)
	s.notes = append(s.notes, n)
	writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID, "properties": n.Properties,
		"createdAt": time.Now().UTC().Format(time.RFC3339), "archived": false})
}

// searchNotes answers POST /crm/v3/objects/notes/search for the filters
// Crowdwise sends (associations.company EQ, hs_note_body CONTAINS_TOKEN;
// one filter group, ANDed), with HubSpot's paging.next.after.
func (s *Server) searchNotes(w http.ResponseWriter, body []byte) {
	var req struct {
		FilterGroups []struct {
			Filters []struct{ PropertyName, Operator, Value string }
		}
		Limit int
		After string
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.FilterGroups) > 5 {
		apiError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON")
		return
	}
	var match []Note
	for _, n := range s.notes {
		ok := len(req.FilterGroups) == 0
		for _, g := range req.FilterGroups {
			all := true
			for _, f := range g.Filters {
				switch {
				case f.PropertyName == "associations.company" && f.Operator == "EQ":
					has := false
					for _, a := range n.Associations {
						has = has || a.To.ID == f.Value
					}
					all = all && has
				case f.PropertyName == "hs_note_body" && f.Operator == "CONTAINS_TOKEN":
					all = all && hasToken(n.Properties["hs_note_body"], f.Value)
				default:
					apiError(w, http.StatusBadRequest, "VALIDATION_ERROR", "unsupported filter "+f.PropertyName+" "+f.Operator)
					return
				}
			}
			ok = ok || all
		}
		if ok {
			match = append(match, n)
		}
	}
	limit := min(max(req.Limit, 1), 200, max(s.PageSize, 1))
	start, _ := strconv.Atoi(req.After)
	start = min(max(start, 0), len(match))
	end := min(start+limit, len(match))
	results := []map[string]any{}
	for _, n := range match[start:end] {
		results = append(results, map[string]any{"id": n.ID, "properties": map[string]any{"hs_object_id": n.ID,
			"hs_note_body": n.Properties["hs_note_body"]}, "archived": false})
	}
	out := map[string]any{"total": len(match), "results": results}
	if end < len(match) {
		out["paging"] = map[string]any{"next": map[string]string{"after": strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
}

// hasToken is CONTAINS_TOKEN as the fake plays it: a whole word of the
// text, words split on anything but letters and digits.
func hasToken(text, token string) bool {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		if strings.EqualFold(w, token) {
			return true
		}
	}
	return false
}
