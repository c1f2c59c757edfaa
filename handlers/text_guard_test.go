package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Invalid text — a NUL byte or bytes that are not UTF-8 — is refused with a
// 400 that says so, on every route and in every part of a request (query,
// form, JSON), before any handler or the database sees it: never a 500, and
// nothing is stored.
func TestInvalidTextIsRefusedEverywhere(t *testing.T) {
	app := newTestApp(t)
	member, ann := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	admin, _ := app.signInAs(t, "root@example.com", "admin")
	idea := app.postIdea(t, member, "Keyboard shortcuts everywhere")
	anon := app.client()

	bad := map[string]string{"NUL": "a\x00b", "invalid UTF-8": "a\xff\xfeb"}
	// JSON can also spell them as escapes: \u0000, and a lone surrogate
	// that decoding would turn into U+FFFD.
	badJSON := map[string]string{"NUL": `a\u0000b`, "invalid UTF-8": "a\xffb", "lone surrogate": `a\ud800b`}

	type query struct {
		who  *http.Client
		path string // the bad value is appended
	}
	queries := []query{
		{anon, "/roadmap?category="},
		{admin, "/admin/users?q="},
		{anon, "/?q="},
		{anon, "/?tag="},
		{anon, "/search?q="},
		{anon, "/changelog?page=1&x="},
		{admin, "/admin/audit?actor="},
		{anon, "/api/v1/ideas?q="},
		{anon, "/api/v1/ideas/similar?title="},
		{member, strings.TrimPrefix(idea.URL, "http://localhost:8080") + "?notice="},
		{anon, "/signin?next="},
	}
	type form struct {
		who   *http.Client
		path  string
		field string
		rest  url.Values
	}
	forms := []form{
		{app.client(), "/auth/dev", "email", url.Values{}},
		{member, "/ideas", "title", url.Values{"confirm": {"true"}}},
		{member, "/ideas", "body", url.Values{"title": {"A perfectly fine title"}, "confirm": {"true"}}},
		{member, fmt.Sprintf("/ideas/%d/comments", idea.ID), "body", url.Values{}},
		{member, "/settings/profile", "name", url.Values{}},
		{admin, "/admin/categories", "name", url.Values{"slug": {"fresh"}}},
	}
	type jsonReq struct {
		who          *http.Client
		method, path string
		template     string // %s is the bad string
	}
	jsons := []jsonReq{
		{member, "PATCH", "/api/v1/me", `{"name":"%s"}`},
		{member, "POST", "/api/v1/ideas", `{"title":"A perfectly fine title","body":"%s"}`},
		{member, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"%s"}`},
		{bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"spam","note":"%s"}`},
	}

	counts := func() string {
		return fmt.Sprint(app.count(t, `SELECT count(*) FROM ideas`), app.count(t, `SELECT count(*) FROM comments`),
			app.count(t, `SELECT count(*) FROM users`), app.count(t, `SELECT count(*) FROM categories`),
			app.count(t, `SELECT count(*) FROM flags`))
	}
	before := counts()
	check := func(what string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not valid text") {
			t.Errorf("%s = %d, want 400 saying the text is not valid: %.300s", what, res.StatusCode, body)
		}
	}
	for kind, v := range bad {
		for _, q := range queries {
			res, body := do(t, q.who, "GET", app.srv.URL+q.path+url.QueryEscape(v), nil)
			check(fmt.Sprintf("GET %s<%s>", q.path, kind), res, body)
		}
		for _, f := range forms {
			vals := url.Values{}
			for k, vs := range f.rest {
				vals[k] = vs
			}
			vals.Set(f.field, v)
			res, body := app.form(t, f.who, f.path, vals)
			check(fmt.Sprintf("POST %s %s=<%s>", f.path, f.field, kind), res, body)
		}
	}
	for kind, v := range badJSON {
		for _, j := range jsons {
			res, body := app.api(t, j.who, j.method, j.path, fmt.Sprintf(j.template, v))
			check(fmt.Sprintf("%s %s <%s>", j.method, j.path, kind), res, body)
		}
	}
	if after := counts(); after != before {
		t.Errorf("rows (ideas comments users categories flags) %s → %s: invalid text was stored", before, after)
	}
	var name string
	app.db.Raw(`SELECT name FROM users WHERE id = ?`, ann.ID).Scan(&name)
	if name != "ann" {
		t.Errorf("name became %q", name)
	}

	// Valid text of every kind still passes, U+FFFD typed on purpose included.
	if res, body := app.api(t, member, "PATCH", "/api/v1/me", `{"name":"Ann \ufffd Ünïcødé 🎉"}`); res.StatusCode != 200 {
		t.Errorf("valid Unicode name = %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, anon, "GET", app.srv.URL+"/search?q="+url.QueryEscape("naïve café 日本"), nil); res.StatusCode != 200 {
		t.Errorf("valid Unicode search = %d", res.StatusCode)
	}
}
