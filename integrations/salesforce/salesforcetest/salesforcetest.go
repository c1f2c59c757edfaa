// Package salesforcetest is an in-memory Salesforce org speaking the REST
// API's wire format for what Crowdwise uses: the OAuth 2.0
// client-credentials token, SOQL queries over Account and Opportunity with
// nextRecordsUrl paging, Task creation, and Tasks queried by WhatId and
// Subject. It records every request and can fail the next calls on demand
// (401, 429 with Retry-After, 500).
package salesforcetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Request is one request the fake received.
type Request struct {
	Method, Path, Query, Authorization string
	Body                               string
}

// Record is a Salesforce record by field API name; a relationship is a
// nested Record (e.g. "Owner": Record{"Name": …, "Email": …}).
type Record = map[string]any

type failure struct {
	status     int
	retryAfter string
}

type cursor struct {
	records []Record
	fields  []string
	offset  int
}

// Server is the fake org. Set fields before the first request or under Lock.
type Server struct {
	*httptest.Server
	ClientID, ClientSecret string
	// PageSize is how many records a query page holds (Salesforce: up to
	// 2,000; small here so tests page).
	PageSize int

	mu            sync.Mutex
	accounts      []Record
	opportunities []Record
	tasks         []Record
	requests      []Request
	failures      []failure
	tokens        map[string]bool
	cursors       map[string]*cursor
	seq           int
}

// New starts a fake org; it stops with the test.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{ClientID: "crowdwise-client", ClientSecret: "s3cret", PageSize: 2,
		tokens: map[string]bool{}, cursors: map[string]*cursor{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// AddAccount stores an Account record (Id required).
func (s *Server) AddAccount(r Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts = append(s.accounts, r)
}

// AddOpportunity stores an Opportunity record.
func (s *Server) AddOpportunity(r Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opportunities = append(s.opportunities, r)
}

// SetAccountField changes one field of the Account with id.
func (s *Server) SetAccountField(id, field string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a["Id"] == id {
			a[field] = v
		}
	}
}

// Fail makes the next n API calls (not token requests) answer status; a
// 429 carries retryAfter as its Retry-After header when not empty.
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

// RevokeTokens ends every session, as an expired session does.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// Requests returns every request so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Tasks returns the Tasks created so far.
func (s *Server) Tasks() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.tasks...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, []map[string]string{{"message": msg, "errorCode": code}})
}

var (
	queryPath = regexp.MustCompile(`^/services/data/v[0-9.]+/query$`)
	morePath  = regexp.MustCompile(`^/services/data/v[0-9.]+/query/([A-Za-z0-9-]+)$`)
	taskPath  = regexp.MustCompile(`^/services/data/v[0-9.]+/sobjects/Task$`)
	selectRe  = regexp.MustCompile(`^SELECT (.+) FROM (Account|Opportunity)\b`)
	// taskRe is the one Task query: Tasks on a record with a subject.
	taskRe = regexp.MustCompile(`^SELECT (.+) FROM Task WHERE WhatId = '((?:[^'\\]|\\.)*)' AND Subject = '((?:[^'\\]|\\.)*)' ORDER BY CreatedDate$`)
	// unescape undoes SOQL string-literal escapes.
	unescape = strings.NewReplacer(`\\`, `\`, `\'`, `'`, `\"`, `"`, `\n`, "\n", `\r`, "\r", `\t`, "\t", `\b`, "\b", `\f`, "\f")
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Body: string(body)})

	if r.URL.Path == "/services/oauth2/token" {
		s.token(w, r, body)
		return
	}
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
			apiError(w, f.status, "INVALID_SESSION_ID", "Session expired or invalid")
		case http.StatusTooManyRequests:
			apiError(w, f.status, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
		default:
			apiError(w, f.status, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")
		}
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.tokens[tok] {
		apiError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
		return
	}
	switch {
	case r.Method == http.MethodGet && queryPath.MatchString(r.URL.Path):
		s.query(w, r)
	case r.Method == http.MethodGet && morePath.MatchString(r.URL.Path):
		id := morePath.FindStringSubmatch(r.URL.Path)[1]
		cur := s.cursors[id]
		if cur == nil {
			apiError(w, http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
			return
		}
		s.page(w, id, cur)
	case r.Method == http.MethodPost && taskPath.MatchString(r.URL.Path):
		s.createTask(w, body)
	default:
		apiError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, body []byte) {
	form, _ := url.ParseQuery(string(body))
	if r.Method != http.MethodPost || form.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "grant type not supported"})
		return
	}
	if form.Get("client_id") != s.ClientID || form.Get("client_secret") != s.ClientSecret {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client", "error_description": "invalid client credentials"})
		return
	}
	s.seq++
	tok := fmt.Sprintf("00Dfake!token%d", s.seq)
	s.tokens[tok] = true
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": tok, "instance_url": s.URL, "id": s.URL + "/id/00Dfake/005fake",
		"token_type": "Bearer", "issued_at": "1700000000000", "signature": "fake",
	})
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if t := taskRe.FindStringSubmatch(q); t != nil {
		s.queryTasks(w, t[1], unescape.Replace(t[2]), unescape.Replace(t[3]))
		return
	}
	m := selectRe.FindStringSubmatch(q)
	if m == nil {
		apiError(w, http.StatusBadRequest, "MALFORMED_QUERY", "unexpected query")
		return
	}
	var fields []string
	for _, f := range strings.Split(m[1], ",") {
		fields = append(fields, strings.TrimSpace(f))
	}
	records := s.accounts
	if m[2] == "Opportunity" {
		records = s.opportunities
	}
	s.seq++
	id := fmt.Sprintf("01gFAKE%d", s.seq)
	cur := &cursor{records: append([]Record(nil), records...), fields: fields}
	s.cursors[id] = cur
	s.page(w, id, cur)
}

// queryTasks answers the Task query: the Tasks on whatID with that subject,
// in creation order.
func (s *Server) queryTasks(w http.ResponseWriter, fieldList, whatID, subject string) {
	var fields []string
	for _, f := range strings.Split(fieldList, ",") {
		fields = append(fields, strings.TrimSpace(f))
	}
	var records []Record
	for _, t := range s.tasks {
		if t["WhatId"] == whatID && t["Subject"] == subject {
			records = append(records, t)
		}
	}
	s.seq++
	id := fmt.Sprintf("01gFAKE%d", s.seq)
	cur := &cursor{records: records, fields: fields}
	s.cursors[id] = cur
	s.page(w, id, cur)
}

// page writes the next PageSize records of cur, projected to the SELECT
// list as Salesforce does, with attributes and nextRecordsUrl.
func (s *Server) page(w http.ResponseWriter, id string, cur *cursor) {
	end := min(cur.offset+max(s.PageSize, 1), len(cur.records))
	out := []Record{}
	for _, rec := range cur.records[cur.offset:end] {
		out = append(out, project(rec, cur.fields))
	}
	cur.offset = end
	res := map[string]any{"totalSize": len(cur.records), "done": end >= len(cur.records), "records": out}
	if end < len(cur.records) {
		res["nextRecordsUrl"] = "/services/data/v60.0/query/" + id + "-" + strconv.Itoa(end)
		s.cursors[id+"-"+strconv.Itoa(end)] = cur
	}
	writeJSON(w, http.StatusOK, res)
}

func project(rec Record, fields []string) Record {
	out := Record{"attributes": map[string]string{"type": "Account", "url": fmt.Sprint("/services/data/v60.0/sobjects/x/", rec["Id"])}}
	for _, f := range fields {
		parent, child, nested := strings.Cut(f, ".")
		if !nested {
			out[f] = rec[f]
			continue
		}
		sub, _ := rec[parent].(Record)
		if sub == nil {
			out[parent] = nil
			continue
		}
		o, _ := out[parent].(Record)
		if o == nil {
			o = Record{}
			out[parent] = o
		}
		o[child] = sub[child]
	}
	return out
}

func (s *Server) createTask(w http.ResponseWriter, body []byte) {
	var t Record
	if err := json.Unmarshal(body, &t); err != nil {
		apiError(w, http.StatusBadRequest, "JSON_PARSER_ERROR", "bad JSON")
		return
	}
	found := false
	for _, list := range [][]Record{s.accounts, s.opportunities} {
		for _, r := range list {
			if r["Id"] == t["WhatId"] {
				found = true
			}
		}
	}
	if !found {
		apiError(w, http.StatusBadRequest, "MALFORMED_ID", "Related To ID: id value of incorrect type")
		return
	}
	s.seq++
	id := fmt.Sprintf("00TFAKE%06d", s.seq)
	t["Id"] = id
	s.tasks = append(s.tasks, t)
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "success": true, "errors": []any{}})
}
