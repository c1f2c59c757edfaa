package handlers

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// sweepBadValues are what people, bots and old links put in a query string.
// (NUL bytes and invalid UTF-8 are refused in one place before any handler
// runs, with their own test.)
var sweepBadValues = []string{
	"", "bogus", strings.Repeat("x", 600), "-1", "0", "99999999999999999999", "9223372036854775807", `"' OR 1=1 -- ((`, "Inf_1", "1e400_2", "-9e18_9223372036854775807",
}

// sweepParams are the parameters any list reads; every one gets every bad
// value on every route, whatever the route is documented to read.
var sweepParams = []string{
	"sort", "category", "status", "tag", "q", "page", "per_page", "show", "title",
	"actor", "action", "target_type", "target_id", "from", "to", "done", "n", "notice", "after",
	"segment", "lifecycle",
}

// sweepFilterQueries is every tab alone, with each filter, and with all
// filters at once, then every status under a search.
func sweepFilterQueries() []url.Values {
	filters := [][2]string{{"category", "general"}, {"status", "planned"}, {"tag", "salesforce"}, {"q", "dashboard"},
		{"segment", "Enterprise"}, {"lifecycle", "customer"}}
	var out []url.Values
	for _, s := range append(append([]string{""}, models.SortNames...), models.CRMSortNames...) {
		base := func() url.Values {
			v := url.Values{}
			if s != "" {
				v.Set("sort", s)
			}
			return v
		}
		out = append(out, base())
		all := base()
		for _, f := range filters {
			v := base()
			v.Set(f[0], f[1])
			all.Set(f[0], f[1])
			out = append(out, v)
		}
		out = append(out, all)
	}
	for _, st := range models.Statuses {
		out = append(out, url.Values{"status": {st}, "q": {"dashboard"}})
	}
	return out
}

// sweepBadQueries is every bad value of every parameter, alone and in all
// parameters at once, then paging extremes under filters.
func sweepBadQueries() []url.Values {
	var out []url.Values
	for _, bad := range sweepBadValues {
		all := url.Values{}
		for _, p := range sweepParams {
			out = append(out, url.Values{p: {bad}})
			all.Set(p, bad)
		}
		out = append(out, all)
	}
	for _, page := range []string{"0", "-1", "999999", "99999999999999999999", "abc"} {
		for _, per := range []string{"", "0", "101", "abc"} {
			out = append(out, url.Values{"page": {page}, "per_page": {per}, "tag": {"salesforce"}, "q": {"dashboard"}, "sort": {"top"}})
		}
	}
	return out
}

// sweepPaths is every GET route, path parameters filled with a real idea,
// so a list added to routes.go is swept without touching this test.
func sweepPaths(t *testing.T, app *testApp, idea apiIdea) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range app.h.echo.Routes() {
		if r.Method != http.MethodGet || strings.HasSuffix(r.Path, "*") {
			continue
		}
		p := strings.NewReplacer(":id", fmt.Sprint(idea.ID), ":slug", idea.Slug, ":provider", "github").Replace(r.Path)
		if strings.Contains(p, ":") {
			t.Fatalf("route %s has a parameter the sweep cannot fill", r.Path)
		}
		seen[p] = true
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	for _, want := range []string{"/", "/search", "/roadmap", "/changelog", "/changelog.atom", "/api/v1/ideas", "/api/v1/ideas/similar", "/notifications", "/admin/audit", "/staff/moderation"} {
		if !seen[want] {
			t.Fatalf("the route list lacks %s", want)
		}
	}
	return out
}

// TestEveryListURLWithEveryFilterNever500s requests every GET route with
// every tab and filter combination and every bad parameter value, as a
// visitor, a member, a moderator and an admin: nothing is a 5xx, and no page
// answers with the error page's "correct the highlighted fields" (which has
// no fields to highlight).
func TestEveryListURLWithEveryFilterNever500s(t *testing.T) {
	app := newTestApp(t)
	app.limits(t, "per_ip_actions_per_minute = 100000")
	member, _ := app.signIn(t, "member@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	res, body := app.api(t, member, "POST", "/api/v1/ideas", `{"title":"Salesforce sync for the dashboard","body":"Sync *everything* to [Salesforce](https://example.com)","tags":["salesforce","api"]}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("post idea = %d %s", res.StatusCode, body)
	}
	idea := decode[apiIdea](t, body)
	hidden := app.postIdea(t, member, "A hidden dashboard idea")
	shipped := app.postIdea(t, member, "A shipped dashboard idea")
	app.postComment(t, admin, idea.ID, "A comment about the dashboard")
	for _, step := range []struct{ path, body string }{
		{fmt.Sprintf("/api/v1/ideas/%d/hide", hidden.ID), `{"reason":"sweep"}`},
		{fmt.Sprintf("/api/v1/ideas/%d/status", shipped.ID), `{"status":"shipped","release_note":"Out now"}`},
		{fmt.Sprintf("/api/v1/ideas/%d/status", idea.ID), `{"status":"planned","note":"Soon"}`},
	} {
		if res, body := app.api(t, mod, "POST", step.path, step.body); res.StatusCode != http.StatusOK {
			t.Fatalf("POST %s = %d %s", step.path, res.StatusCode, body)
		}
	}

	paths := sweepPaths(t, app, idea)
	filterQueries, badQueries := sweepFilterQueries(), sweepBadQueries()
	var allParamQueries []url.Values
	for _, q := range badQueries {
		if len(q) == len(sweepParams) {
			allParamQueries = append(allParamQueries, q)
		}
	}
	// Bad values are about parsing, which does not depend on who asks: the
	// visitor and the admin (who may open every route) get all of them; the
	// member and the moderator, whose pages differ in what they show, get
	// every filter and the all-parameters queries.
	everything := append(append([]url.Values{}, filterQueries...), badQueries...)
	lighter := append(append([]url.Values{}, filterQueries...), allParamQueries...)
	clients := map[string]*http.Client{"visitor": app.client(), "member": member, "moderator": mod, "admin": admin}
	sets := map[string][]url.Values{"visitor": everything, "member": lighter, "moderator": lighter, "admin": everything}
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0 // 5xx or a vague 422 page
	for who, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range paths {
				qs := sets[who]
				// Routes this person may not use stop at the access check:
				// one request with every parameter is enough there.
				if res, err := c.Get(app.srv.URL + p); err == nil {
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						qs = allParamQueries
					}
				}
				for _, q := range qs {
					u := app.srv.URL + p + "?" + q.Encode()
					res, err := c.Get(u)
					if err != nil {
						mu.Lock()
						t.Errorf("GET %s as %s: %v", u, who, err)
						mu.Unlock()
						continue
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					// The error page asks to "correct the highlighted fields"
					// but has no fields: a list page names what is wrong.
					vague := !strings.HasPrefix(p, "/api/") && strings.Contains(string(b), "correct the highlighted fields")
					if res.StatusCode >= 500 || vague {
						mu.Lock()
						if failures++; failures <= 30 {
							t.Errorf("GET %.300s as %s = %d (vague: %v)", p+"?"+q.Encode(), who, res.StatusCode, vague)
						}
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if failures > 30 {
		t.Errorf("... and %d more", failures-30)
	}
}
