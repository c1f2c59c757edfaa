package lineartest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

func (s *Server) create(w http.ResponseWriter, vars map[string]any) {
	in, _ := vars["input"].(map[string]any)
	teamID, _ := in["teamId"].(string)
	title, _ := in["title"].(string)
	desc, _ := in["description"].(string)
	if teamID != s.TeamID {
		writeErrors(w, http.StatusOK, gqlErr("Entity not found: Team", "INPUT_ERROR"))
		return
	}
	if strings.TrimSpace(title) == "" {
		writeErrors(w, http.StatusBadRequest, gqlErr("Argument Validation Error: title should not be empty", "INVALID_INPUT"))
		return
	}
	s.mu.Lock()
	node := s.node(s.add(Issue{TeamID: teamID, Title: title, Description: desc}))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"issueCreate": map[string]any{"success": true, "issue": node}}})
}

func (s *Server) get(w http.ResponseWriter, vars map[string]any) {
	id, _ := vars["id"].(string)
	s.mu.Lock()
	is := s.find(id)
	var node map[string]any
	if is != nil {
		node = s.node(is)
	}
	s.mu.Unlock()
	if is == nil {
		writeErrors(w, http.StatusOK, gqlErr("Entity not found: Issue", "INPUT_ERROR"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"issue": node}})
}

var firstArg = regexp.MustCompile(`issues\([^)]*first:\s*(\d+)`)

// list is issues(filter, first, after): team.id.eq and
// description.contains are honoured; cursors are positions; 50 a page.
func (s *Server) list(w http.ResponseWriter, query string, vars map[string]any) {
	filter, _ := vars["filter"].(map[string]any)
	team := dig(filter, "team", "id", "eq")
	contains := dig(filter, "description", "contains")
	start := 0
	if after, _ := vars["after"].(string); after != "" {
		n, err := strconv.Atoi(after)
		if err != nil {
			writeErrors(w, http.StatusBadRequest, gqlErr("Invalid cursor", "INVALID_INPUT"))
			return
		}
		start = n
	}
	first := 50
	if m := firstArg.FindStringSubmatch(query); m != nil {
		first, _ = strconv.Atoi(m[1])
	} else if f, ok := vars["first"].(float64); ok {
		first = int(f)
	}
	if first < 1 || first > 250 {
		writeErrors(w, http.StatusBadRequest, gqlErr("first must be between 1 and 250", "INVALID_INPUT"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*Issue
	for _, is := range s.issues {
		if (team == "" || is.TeamID == team) && strings.Contains(is.Description, contains) {
			hits = append(hits, is)
		}
	}
	nodes := []map[string]any{}
	end := min(start+first, len(hits))
	for i := start; i < end; i++ {
		nodes = append(nodes, s.node(hits[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"issues": map[string]any{
		"nodes":    nodes,
		"pageInfo": map[string]any{"hasNextPage": end < len(hits), "endCursor": strconv.Itoa(end)},
	}}})
}

func dig(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, _ := v.(map[string]any)
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}
