package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

var signOutToken = regexp.MustCompile(`(?s)<form[^>]*action="/signout"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]*)">`)

// Every error page a signed-in member can reach shows them signed in: their
// name in the header and a sign-out form whose token works — whether the
// error came from a handler, the router, the CSRF or rate limits, a panic,
// or the body limit that runs before routing.
func TestErrorPagesKeepTheSignedInHeader(t *testing.T) {
	app := newTestApp(t)
	app.h.echo.GET("/test/fail", func(echo.Context) error { return errors.New("db exploded") })
	app.h.echo.GET("/test/panic", func(echo.Context) error { panic("kaboom") })
	c, _ := app.signIn(t, "erin@example.com")
	if err := app.db.Exec(`UPDATE users SET name = 'Erin Example' WHERE email = 'erin@example.com'`).Error; err != nil {
		t.Fatal(err)
	}
	idea := app.postIdea(t, c, "Keyboard shortcuts everywhere")
	shipped := app.postIdea(t, c, "Dark mode for the dashboard")
	app.db.Exec(`UPDATE ideas SET status = 'shipped' WHERE id = ?`, shipped.ID)
	cm := app.postComment(t, c, idea.ID, "first!")
	token := app.csrfOf(t, c)
	big := strings.Repeat("x", 65<<10) // the test limit is 64 KiB

	type req struct {
		name, method, path, ctype, body string
		status                          int
	}
	form := func(v url.Values) string { v.Set("_csrf", token); return v.Encode() }
	cases := []req{
		{"bad text", "GET", "/search?q=%00", "", "", 400},
		{"staff page", "GET", "/staff/moderation", "", "", 403},
		{"unknown URL", "GET", "/no/such/page", "", "", 404},
		{"missing idea", "GET", "/ideas/999999", "", "", 404},
		{"wrong method", "POST", "/", "application/x-www-form-urlencoded", form(url.Values{}), 405},
		{"closed vote", "POST", fmt.Sprintf("/ideas/%d/vote", shipped.ID), "application/x-www-form-urlencoded", form(url.Values{"on": {"true"}}), 409},
		{"oversize form", "POST", fmt.Sprintf("/ideas/%d/follow", idea.ID), "application/x-www-form-urlencoded", form(url.Values{"on": {"true"}, "pad": {big}}), 413},
		{"oversize other body", "POST", fmt.Sprintf("/ideas/%d/follow", idea.ID), "text/plain", big, 413},
		{"invalid form", "POST", fmt.Sprintf("/comments/%d/edit", cm.ID), "application/x-www-form-urlencoded", form(url.Values{"body": {""}}), 422},
		{"failure", "GET", "/test/fail", "", "", 500},
		{"panic", "GET", "/test/panic", "", "", 500},
	}
	check := func(tc req, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != tc.status {
			t.Errorf("%s: %s %s = %d, want %d", tc.name, tc.method, tc.path, res.StatusCode, tc.status)
			return
		}
		if !strings.Contains(body, `<span class="user-chip__name">Erin Example</span>`) || strings.Contains(body, `href="/signin`) {
			t.Errorf("%s: the %d page shows the member signed out", tc.name, tc.status)
		}
		m := signOutToken.FindStringSubmatch(body)
		if m == nil || m[1] != token {
			t.Errorf("%s: the %d page's sign-out form has no working token (%v)", tc.name, tc.status, m)
		}
	}
	for _, tc := range cases {
		var res *http.Response
		var body string
		if tc.ctype == "" {
			res, body = do(t, c, tc.method, app.srv.URL+tc.path, nil)
		} else {
			res, body = do(t, c, tc.method, app.srv.URL+tc.path, strings.NewReader(tc.body), "Content-Type", tc.ctype)
		}
		check(tc, res, body)
	}

	// 429 last: it spends the per-IP action budget.
	app.limits(t, "per_ip_actions_per_minute = 1")
	tc := req{"rate limit", "POST", fmt.Sprintf("/ideas/%d/follow", idea.ID), "", "", 429}
	var res *http.Response
	var body string
	for i := 0; i < 3 && (res == nil || res.StatusCode != 429); i++ {
		res, body = do(t, c, "POST", app.srv.URL+tc.path, strings.NewReader(form(url.Values{"on": {"true"}})),
			"Content-Type", "application/x-www-form-urlencoded")
	}
	check(tc, res, body)

	// The token on an error page really signs out.
	res, _ = do(t, c, "POST", app.srv.URL+"/signout", strings.NewReader(form(url.Values{})), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out with the error page's token = %d", res.StatusCode)
	}
}
