package jiratest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields struct {
			Project     struct{ Key string }  `json:"project"`
			IssueType   struct{ Name string } `json:"issuetype"`
			Summary     string                `json:"summary"`
			Description json.RawMessage       `json:"description"`
			Labels      []string              `json:"labels"`
		} `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, nil, "Unexpected character in JSON: "+err.Error())
		return
	}
	f := in.Fields
	errs := map[string]string{}
	if f.Project.Key != s.Project {
		errs["project"] = "valid project is required"
	}
	if f.IssueType.Name == "" {
		errs["issuetype"] = "Specify an issue type"
	}
	if strings.TrimSpace(f.Summary) == "" {
		errs["summary"] = "You must specify a summary of the issue."
	} else if len([]rune(f.Summary)) > 255 {
		errs["summary"] = "Summary must be less than 255 characters."
	}
	if len(f.Description) > 0 && !validADF(f.Description) {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)."
	}
	for _, l := range f.Labels {
		if l == "" || strings.ContainsAny(l, " \t") || len(l) > 255 {
			errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, errs)
		return
	}
	s.mu.Lock()
	is := s.add(Issue{Project: f.Project.Key, IssueType: f.IssueType.Name, Summary: f.Summary,
		Description: f.Description, Labels: f.Labels})
	out := map[string]any{"id": is.ID, "key": is.Key, "self": s.base(r) + "/rest/api/3/issue/" + is.ID}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// validADF checks the document root the way Jira's API does.
func validADF(raw json.RawMessage) bool {
	var doc struct {
		Type    string            `json:"type"`
		Version int               `json:"version"`
		Content []json.RawMessage `json:"content"`
	}
	return json.Unmarshal(raw, &doc) == nil && doc.Type == "doc" && doc.Version == 1 && doc.Content != nil
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		writeError(w, http.StatusNotFound, nil, "Issue does not exist or you do not have permission to see it.")
		return
	}
	writeJSON(w, http.StatusOK, s.bean(r, is))
}

// jql is the subset of JQL the fake understands: optional project, a
// label, optional ordering by creation.
var jql = regexp.MustCompile(`^(?:project\s*=\s*"?([A-Z][A-Z0-9_]*)"?\s+AND\s+)?labels\s*=\s*"?([^"\s]+)"?(?:\s+ORDER\s+BY\s+created\s+(ASC|DESC))?$`)

// search is the enhanced search: token paging, isLast, no total.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := jql.FindStringSubmatch(strings.TrimSpace(q.Get("jql")))
	if m == nil {
		writeError(w, http.StatusBadRequest, nil, "Error in the JQL Query: the fake understands only project/labels queries.")
		return
	}
	max := 50
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, nil, "maxResults must be a number")
			return
		}
		max = min(n, 5000)
	}
	start := 0
	if t := q.Get("nextPageToken"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, nil, "Invalid nextPageToken")
			return
		}
		start = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*Issue
	for _, is := range s.issues {
		if m[1] != "" && is.Project != m[1] {
			continue
		}
		for _, l := range is.Labels {
			if l == m[2] {
				hits = append(hits, is)
				break
			}
		}
	}
	if m[3] == "DESC" {
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
	}
	issues := []map[string]any{}
	end := min(start+max, len(hits))
	for i := start; i < end; i++ {
		issues = append(issues, s.bean(r, hits[i]))
	}
	out := map[string]any{"issues": issues, "isLast": end >= len(hits)}
	if end < len(hits) {
		out["nextPageToken"] = strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, out)
}
