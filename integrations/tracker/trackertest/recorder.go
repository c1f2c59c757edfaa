// Package trackertest holds what the tracker fakes (jiratest, githubtest,
// lineartest) share: a log of every request received and injected failures.
package trackertest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Request is one request a fake received, body included.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// Failure is what the next failing calls answer.
type Failure struct {
	Status     int           // e.g. 500, 429, 401
	RetryAfter time.Duration // sent as Retry-After (whole seconds) when > 0
}

// Recorder logs requests and hands out injected failures. The zero value
// is ready; it is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	requests []Request
	failures []Failure
}

// Record reads r's body (leaving it readable again) and logs the request.
func (rec *Recorder) Record(r *http.Request) Request {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	rec.mu.Lock()
	rec.requests = append(rec.requests, req)
	rec.mu.Unlock()
	return req
}

// Requests returns a copy of every request received so far.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.requests...)
}

// Count returns how many requests matched method and path exactly.
func (rec *Recorder) Count(method, path string) int {
	n := 0
	for _, r := range rec.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// FailNext makes the next n requests (after they are recorded) answer f.
func (rec *Recorder) FailNext(n int, f Failure) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for range n {
		rec.failures = append(rec.failures, f)
	}
}

// Fail writes the next injected failure, if any, with body as the
// response, and reports whether it did.
func (rec *Recorder) Fail(w http.ResponseWriter, body func(status int) []byte) bool {
	rec.mu.Lock()
	if len(rec.failures) == 0 {
		rec.mu.Unlock()
		return false
	}
	f := rec.failures[0]
	rec.failures = rec.failures[1:]
	rec.mu.Unlock()
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	w.Write(body(f.Status))
	return true
}
