package handlers

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// textareaValue is the text of the textarea with id, as a browser shows it.
func textareaValue(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<textarea[^>]*id="` + id + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no textarea #%s on the page", id)
	}
	return html.UnescapeString(m[1])
}

// browserForm posts fields in the order given, as a browser sends a form's
// fields in page order (url.Values.Encode would sort them), with c's CSRF
// token first as in every form.
func (a *testApp) browserForm(t *testing.T, c *http.Client, path string, kv ...string) (*http.Response, string) {
	t.Helper()
	parts := []string{"_csrf=" + url.QueryEscape(a.csrfOf(t, c))}
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return do(t, c, "POST", a.srv.URL+path, strings.NewReader(strings.Join(parts, "&")), "Content-Type", "application/x-www-form-urlencoded")
}

// The forms say their limits before anything is sent.
func TestFormsStateTheirLimits(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, c, "Keyboard shortcuts everywhere")
	app.postComment(t, c, idea.ID, "first!")
	_, body := do(t, c, "GET", app.srv.URL+"/ideas/new", nil)
	for _, want := range []string{`maxlength="120"`, `maxlength="10000"`, "Up to 10,000 characters", "8–120 characters"} {
		if !strings.Contains(body, want) {
			t.Errorf("new-idea form lacks %q", want)
		}
	}
	_, body = do(t, c, "GET", app.srv.URL+strings.TrimPrefix(idea.URL, "http://localhost:8080"), nil)
	for _, want := range []string{`id="comment-body" name="body" rows="4" maxlength="5000"`, "Up to 5,000 characters"} {
		if !strings.Contains(body, want) {
			t.Errorf("idea page lacks %q", want)
		}
	}
	if n := strings.Count(body, `maxlength="5000"`); n < 3 { // comment, reply, edit
		t.Errorf("%d comment textareas with maxlength", n)
	}
}

// A browser form over the body limit comes back as the form, with what fits
// kept, the field marked and the limit named — never a bare 413 that loses
// the text. Nothing is saved. The JSON API keeps its plain 413.
func TestOversizeFormsComeBackWithTheText(t *testing.T) {
	app := newTestApp(t) // body limit 64 KiB
	c, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, c, "Keyboard shortcuts everywhere")
	long := strings.Repeat("All work and no play. ", 4000) // 88,000 bytes
	before := fmt.Sprint(app.count(t, `SELECT count(*) FROM ideas`), app.count(t, `SELECT count(*) FROM comments`))

	checkPage := func(what string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s = %d, want 413", what, res.StatusCode)
		}
		for _, want := range []string{"64 KB", "nothing was saved", `class="form__error"`, "is-invalid", "user-chip"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q", what, want)
			}
		}
	}

	// A new idea: the title survives, the description keeps what fits.
	res, body := app.browserForm(t, c, "/ideas", "title", "Posters for every office", "body", long, "category", "general", "tags", "")
	checkPage("new idea", res, body)
	if !strings.Contains(body, `value="Posters for every office"`) {
		t.Error("new idea: the title is lost")
	}
	got := textareaValue(t, body, "body")
	if utf8.RuneCountInString(got) != 10000 || !strings.HasPrefix(long, got) {
		t.Errorf("new idea: the description kept %d characters, want the first 10,000", utf8.RuneCountInString(got))
	}
	if !strings.Contains(body, `action="/ideas"`) {
		t.Error("new idea: not the new-idea form")
	}

	// Editing an idea.
	res, body = app.browserForm(t, c, fmt.Sprintf("/ideas/%d/edit", idea.ID), "title", idea.Title, "body", long)
	checkPage("edit idea", res, body)
	if got := textareaValue(t, body, "body"); utf8.RuneCountInString(got) != 10000 {
		t.Errorf("edit idea: kept %d characters", utf8.RuneCountInString(got))
	}
	var stored string
	app.db.Raw(`SELECT body FROM ideas WHERE id = ?`, idea.ID).Scan(&stored)
	if stored != "Details about it" {
		t.Errorf("edit idea: the stored body changed to %.40q", stored)
	}

	// A comment, with multi-byte text cut mid-character.
	emoji := strings.Repeat("🎉 ok ", 12000)
	res, body = app.browserForm(t, c, fmt.Sprintf("/ideas/%d/comments", idea.ID), "body", emoji)
	checkPage("comment", res, body)
	got = textareaValue(t, body, "comment-body")
	if utf8.RuneCountInString(got) != 5000 || !strings.HasPrefix(emoji, got) || !utf8.ValidString(got) {
		t.Errorf("comment: kept %d characters (valid UTF-8: %v)", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
	if !strings.Contains(body, `action="/ideas/`+fmt.Sprint(idea.ID)+`/comments"`) || !strings.Contains(body, idea.Title) {
		t.Error("comment: not the idea page with its comment form")
	}

	// A reply keeps its place in the thread.
	cm := app.postComment(t, c, idea.ID, "first!")
	res, body = app.browserForm(t, c, fmt.Sprintf("/ideas/%d/comments", idea.ID), "parent_id", fmt.Sprint(cm.ID), "body", long)
	checkPage("reply", res, body)
	if !strings.Contains(body, fmt.Sprintf(`name="parent_id" value="%d"`, cm.ID)) || !strings.Contains(body, "Your reply") {
		t.Error("reply: the reply lost its parent")
	}

	if after := fmt.Sprint(app.count(t, `SELECT count(*) FROM ideas`), app.count(t, `SELECT count(*) FROM comments`)); after != "1 1" || before != "1 0" {
		t.Errorf("ideas and comments %s → %s: an oversize form saved something", before, after)
	}

	// Any other form: a 413 page that names the limit, still signed in.
	res, body = app.form(t, c, "/settings/profile", url.Values{"name": {"Ann"}, "pad": {long}})
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "64 KB") || !strings.Contains(body, "user-chip") {
		t.Errorf("settings: %d", res.StatusCode)
	}
	var name string
	app.db.Raw(`SELECT name FROM users WHERE email = 'ann@example.com'`).Scan(&name)
	if name != "ann" {
		t.Errorf("oversize settings form saved the name %q", name)
	}

	// The API keeps a plain JSON 413.
	res, body = app.api(t, c, "POST", "/api/v1/ideas", `{"title":"Posters for every office","body":"`+long+`"}`)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":"payload_too_large"`) {
		t.Errorf("API: %d %.200s", res.StatusCode, body)
	}
}
