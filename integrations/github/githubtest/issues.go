package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title  *string  `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON"})
		return
	}
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" || len([]rune(*in.Title)) > 256 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed",
			"errors":  []map[string]string{{"resource": "Issue", "code": "missing_field", "field": "title"}},
		})
		return
	}
	s.mu.Lock()
	is := s.add(Issue{Title: *in.Title, Body: in.Body, Labels: in.Labels})
	out := s.json(is)
	s.mu.Unlock()
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) get(w http.ResponseWriter, _ *http.Request, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(n)
	if is == nil {
		writeJSON(w, http.StatusNotFound, notFound)
		return
	}
	writeJSON(w, http.StatusOK, s.json(is))
}

// list is GET /repos/{owner}/{repo}/issues: state, labels (all must
// match), sort=created, direction, per_page (max 100), page, Link header.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	per, page := intParam(q.Get("per_page"), 30), intParam(q.Get("page"), 1)
	per = min(max(per, 1), 100)
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*Issue
	for _, is := range s.issues {
		if is.Number <= 0 || (state != "all" && is.State != state) {
			continue
		}
		ok := true
		for _, l := range want {
			ok = ok && slices.Contains(is.Labels, strings.TrimSpace(l))
		}
		if ok {
			hits = append(hits, is)
		}
	}
	if q.Get("direction") != "asc" { // GitHub's default is newest first
		slices.Reverse(hits)
	}
	out := []map[string]any{}
	start := (page - 1) * per
	for i := start; i < len(hits) && i < start+per; i++ {
		out = append(out, s.json(hits[i]))
	}
	if start+per < len(hits) {
		next := *r.URL
		nq := next.Query()
		nq.Set("page", strconv.Itoa(page+1))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.URL, next.RequestURI()))
	}
	writeJSON(w, http.StatusOK, out)
}

func intParam(v string, def int) int {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n
	}
	return def
}
