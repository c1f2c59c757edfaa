package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// benchEndpoints lists what make bench measures, in order. The vote mix
// runs last: it changes vote counts, which the read endpoints order by.
func benchEndpoints(ds *dataset, tokens []string, cfg loadConfig) ([]endpoint, error) {
	var eps []endpoint
	for _, sort := range []string{"trending", "top", "new", "discussed"} {
		eps = append(eps, getEndpoint("home "+sort, "/?sort="+sort))
	}
	idea := &models.Idea{ID: ds.ThreadIdeaID, Title: ds.ThreadIdeaTitle}
	eps = append(eps,
		getEndpoint("home top, category", "/?sort=top&category="+categorySlugs[0]),
		getEndpoint("home new, status", "/?sort=new&status=planned"),
		getEndpoint("ideas API (JSON)", "/api/v1/ideas?sort=top"),
		getEndpoint(fmt.Sprintf("idea page (%d comments)", threadComments), idea.URL()),
	)
	if ds.RealSearchQuery != "" { // datasets generated before the realistic vocabulary have none
		eps = append(eps,
			getEndpoint("search", "/search?q="+url.QueryEscape(ds.RealSearchQuery)),
			getEndpoint("similar", "/api/v1/ideas/similar?title="+url.QueryEscape(ds.RealSimilarTitle)))
	}
	// People typing new titles: every request a title not asked before, so
	// the suggestions' cache never answers (the line above repeats one).
	var typed, queries []string
	for _, t := range typedTitles(typedTitleCount) {
		typed = append(typed, typedPath(t))
	}
	for _, q := range searchQueries(searchQueryCount) {
		queries = append(queries, searchPath(q))
	}
	typing, err := freshEndpoint("similar, typing (every title new)", "/api/v1/ideas/similar?title=…",
		filepath.Join(cfg.work, "typing.lua"), typed, cfg.threads)
	if err != nil {
		return nil, err
	}
	// And searching: the search line above repeats one query, which the
	// shared anonymous pages answer; here every query is new.
	searching, err := freshEndpoint("search (every query new)", "/search?q=…",
		filepath.Join(cfg.work, "search.lua"), queries, cfg.threads)
	if err != nil {
		return nil, err
	}
	eps = append(eps, typing, searching)
	// Today's worst case: a word and a title of the tiny template
	// vocabulary, which one idea in ten still has.
	eps = append(eps,
		getEndpoint("search (worst case)", "/search?q="+url.QueryEscape(ds.SearchQuery)),
		getEndpoint("similar (worst case)", "/api/v1/ideas/similar?title="+url.QueryEscape(ds.SimilarTitle)),
	)
	if len(tokens) < 2 || len(ds.VoteIdeaIDs) == 0 {
		return nil, fmt.Errorf("the dataset has no member sessions or open ideas to vote on")
	}
	// Signed in: a member's home page, and a product manager's (the first
	// session's) CRM pages.
	eps = append(eps,
		sessionEndpoint("home top (member)", "/?sort=top", tokens[1]),
		sessionEndpoint("staff insights (product manager)", "/staff/insights", tokens[0]),
		sessionEndpoint("staff accounts by ARR (product manager)", "/staff/accounts?sort=arr", tokens[0]),
	)
	script := filepath.Join(cfg.work, "vote.lua")
	if err := writeVoteScript(script, tokens, ds.VoteIdeaIDs, cfg.threads); err != nil {
		return nil, err
	}
	eps = append(eps, endpoint{
		name:   fmt.Sprintf("vote/unvote (%d members)", len(tokens)),
		method: "PUT+DELETE",
		path:   "/api/v1/ideas/:id/vote",
		script: script,
		probe: func(ctx context.Context, base string) (string, time.Duration, error) {
			// Vote and take it back as the last member on the last idea,
			// a pair the script reaches last, if ever.
			p := fmt.Sprintf("/api/v1/ideas/%d/vote", ds.VoteIdeaIDs[len(ds.VoteIdeaIDs)-1])
			var out []string
			var took time.Duration
			for _, m := range []string{http.MethodPut, http.MethodDelete} {
				s, d, err := probe(ctx, m, base+p, tokens[len(tokens)-1], memberIP(len(tokens)-1))
				if err != nil {
					return "", 0, err
				}
				out = append(out, m+" "+s)
				took += d
			}
			return strings.Join(out, "; "), took / 2, nil
		},
	})
	return eps, nil
}

// sessionEndpoint is a GET as the member whose session token is given.
func sessionEndpoint(name, path, token string) endpoint {
	return endpoint{name: name, method: http.MethodGet, path: path, headers: []string{"Cookie: session=" + token},
		probe: func(ctx context.Context, base string) (string, time.Duration, error) {
			return probe(ctx, http.MethodGet, base+path, token, "127.0.0.1")
		}}
}

func getEndpoint(name, path string) endpoint {
	return endpoint{name: name, method: http.MethodGet, path: path,
		probe: func(ctx context.Context, base string) (string, time.Duration, error) {
			return probe(ctx, http.MethodGet, base+path, "", "")
		}}
}

// probe sends one request the way wrk will and describes the answer, so
// a 404 from a route that does not exist yet, or a redirect that wrk would
// not follow, is obvious before thousands of them are timed.
func probe(ctx context.Context, method, u, token, ip string) (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	if token != "" {
		// Writes go by bearer token (no CSRF); pages read by session.
		if method == http.MethodGet {
			req.Header.Set("Cookie", "session="+token)
		} else {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	took := time.Since(start)
	if err != nil {
		return "", 0, err
	}
	ctype := strings.Split(res.Header.Get("Content-Type"), ";")[0]
	s := fmt.Sprintf("%d %s, %d bytes", res.StatusCode, ctype, len(body))
	// Small JSON answers are shown whole: the vote contract is its body.
	if ctype == "application/json" && len(body) < 200 {
		if res.Header.Get("Content-Encoding") == "gzip" {
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, _ = io.ReadAll(zr)
			}
		}
		s += " " + strings.TrimSpace(string(body))
	}
	if loc := res.Header.Get("Location"); loc != "" {
		s += " → " + loc
	}
	return s, took, nil
}
