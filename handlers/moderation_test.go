package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// postComment comments through the API and returns the comment.
func (a *testApp) postComment(t *testing.T, c *http.Client, ideaID int64, body string) apiComment {
	t.Helper()
	res, out := a.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", ideaID), `{"body":`+jsonString(body)+`}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("comment = %d %s", res.StatusCode, out)
	}
	return decode[apiComment](t, out)
}

func (a *testApp) commentCount(t *testing.T, ideaID int64) int {
	t.Helper()
	var n int
	if err := a.db.Raw(`SELECT comment_count FROM ideas WHERE id = ?`, ideaID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (a *testApp) count(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := a.db.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFlagFormsAndAPI(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	idea := app.postIdea(t, ann, "Flaggable idea title")
	cm := app.postComment(t, ann, idea.ID, "a flaggable comment")

	// The idea page offers the flag form to other members, not the author.
	res, page := do(t, bob, "GET", app.srv.URL+"/ideas/"+itoa(idea.ID)+"/"+idea.Slug, nil)
	if res.StatusCode != 200 {
		t.Fatalf("idea page = %d", res.StatusCode)
	}
	if !strings.Contains(page, `action="/ideas/`+itoa(idea.ID)+`/flag"`) || !strings.Contains(page, `action="/comments/`+itoa(cm.ID)+`/flag"`) {
		t.Error("flag forms missing for another member")
	}
	_, page = do(t, ann, "GET", app.srv.URL+"/ideas/"+itoa(idea.ID)+"/"+idea.Slug, nil)
	if strings.Contains(page, "/flag\"") {
		t.Error("the author is offered to flag their own content")
	}

	res, _ = app.form(t, bob, "/ideas/"+itoa(idea.ID)+"/flag", url.Values{"reason": {"spam"}, "note": {"an advert"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/ideas/"+itoa(idea.ID)+"/"+idea.Slug+"?notice=flagged" {
		t.Errorf("flag form = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Flagging twice from the page lands in the same place; the API says 409.
	if res, _ := app.form(t, bob, "/ideas/"+itoa(idea.ID)+"/flag", url.Values{"reason": {"abusive"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("second flag form = %d", res.StatusCode)
	}
	if res, body := app.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"abusive"}`); res.StatusCode != http.StatusConflict {
		t.Errorf("second API flag = %d %s", res.StatusCode, body)
	}
	res, body := app.api(t, bob, "POST", fmt.Sprintf("/api/v1/comments/%d/flags", cm.ID), `{"reason":"off_topic","note":"not about the idea"}`)
	f := decode[models.Flag](t, body)
	if res.StatusCode != http.StatusCreated || f.TargetType != "comment" || f.TargetID != cm.ID || f.Reason != "off_topic" {
		t.Errorf("API comment flag = %d %s", res.StatusCode, body)
	}
	res, _ = app.form(t, bob, "/comments/"+itoa(cm.ID)+"/flag", url.Values{"reason": {"spam"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "?notice=flagged&comment="+itoa(cm.ID)+"#comment-"+itoa(cm.ID)) {
		t.Errorf("comment flag form = %d → %q", res.StatusCode, loc)
	}
	cases := []struct {
		who    *http.Client
		path   string
		body   string
		status int
	}{
		{bob, fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"boring"}`, 422},
		{bob, fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"other","note":"` + strings.Repeat("n", 501) + `"}`, 422},
		{bob, fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"other","extra":1}`, 400},
		{ann, fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"spam"}`, 403},
		{bob, "/api/v1/ideas/999999/flags", `{"reason":"spam"}`, 404},
		{bob, "/api/v1/comments/abc/flags", `{"reason":"spam"}`, 404},
		{app.client(), fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"spam"}`, 401},
	}
	for _, tc := range cases {
		res, body := do(t, tc.who, "POST", app.srv.URL+tc.path, strings.NewReader(tc.body), "Content-Type", "application/json",
			"X-CSRF-Token", app.csrfOf(t, tc.who))
		if res.StatusCode != tc.status {
			t.Errorf("POST %s %s = %d %s, want %d", tc.path, tc.body, res.StatusCode, body, tc.status)
		}
	}
	// A tampered form shows the idea page again with the error.
	cat, _ := app.signIn(t, "cat@example.com")
	res, body = app.form(t, cat, "/ideas/"+itoa(idea.ID)+"/flag", url.Values{"reason": {"boring"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose a reason") || !strings.Contains(body, "<details class=\"reply flag\" open>") {
		t.Errorf("invalid flag form = %d", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM flags`); n != 2 {
		t.Errorf("%d flags stored, want 2 (bob's on the idea and on the comment)", n)
	}
}

func TestModerationQueuePageAndBulkActions(t *testing.T) {
	app := newTestApp(t)
	ann, annU := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	idea := app.postIdea(t, ann, "Suspicious watches idea")
	host := app.postIdea(t, bob, "Honest customer request")
	cm := app.postComment(t, ann, host.ID, "buy cheap watches now")
	app.postComment(t, bob, host.ID, "a fair point")
	app.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"spam","note":"selling watches"}`)
	app.api(t, bob, "POST", fmt.Sprintf("/api/v1/comments/%d/flags", cm.ID), `{"reason":"spam"}`)

	for who, c := range map[string]*http.Client{"member": bob, "product manager": pm} {
		if res, _ := do(t, c, "GET", app.srv.URL+"/staff/moderation", nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("queue as %s = %d", who, res.StatusCode)
		}
		if res, _ := app.form(t, c, "/staff/moderation", url.Values{"action": {"approve"}, "item": {"idea:" + itoa(idea.ID)}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("bulk action as %s = %d", who, res.StatusCode)
		}
	}
	if res, _ := do(t, app.client(), "GET", app.srv.URL+"/staff/moderation", nil); res.StatusCode != http.StatusFound {
		t.Errorf("queue as anonymous = %d", res.StatusCode)
	}
	res, page := do(t, mod, "GET", app.srv.URL+"/staff/moderation", nil)
	if res.StatusCode != 200 || !strings.Contains(page, `value="idea:`+itoa(idea.ID)+`"`) || !strings.Contains(page, `value="comment:`+itoa(cm.ID)+`"`) ||
		!strings.Contains(page, "selling watches") || !strings.Contains(page, "Spam or advertising × 1") || !strings.Contains(page, `href="/staff/moderation"`) {
		t.Errorf("queue as moderator = %d", res.StatusCode)
	}
	if res, _ := do(t, admin, "GET", app.srv.URL+"/staff/moderation?show=flagged", nil); res.StatusCode != 200 {
		t.Errorf("queue as admin = %d", res.StatusCode)
	}
	// An unknown tab is the default one, never a page of vague errors.
	if res, page := do(t, mod, "GET", app.srv.URL+"/staff/moderation?show=bogus", nil); res.StatusCode != 200 || !strings.Contains(page, `aria-current="page">Everything`) {
		t.Errorf("unknown filter = %d", res.StatusCode)
	}

	// Nothing selected, or no reason to hide: the page again, 422, nothing changed.
	res, body := app.form(t, mod, "/staff/moderation", url.Values{"action": {"hide"}, "reason": {"x"}})
	if res.StatusCode != 422 || !strings.Contains(body, "Select at least one item") {
		t.Errorf("empty selection = %d", res.StatusCode)
	}
	res, body = app.form(t, mod, "/staff/moderation", url.Values{"action": {"hide"}, "item": {"idea:" + itoa(idea.ID)}})
	if res.StatusCode != 422 || !strings.Contains(body, "Please give a reason") || !strings.Contains(body, `value="idea:`+itoa(idea.ID)+`" id="item-idea-`+itoa(idea.ID)+`" checked`) {
		t.Errorf("hide without reason = %d", res.StatusCode)
	}
	if res, _ := app.form(t, mod, "/staff/moderation", url.Values{"action": {"hide"}, "reason": {"x"}, "item": {"idea:999999"}}); res.StatusCode != 404 {
		t.Errorf("unknown item = %d", res.StatusCode)
	}

	res, _ = app.form(t, mod, "/staff/moderation", url.Values{"action": {"hide"}, "reason": {"Advertising is not allowed."},
		"item": {"idea:" + itoa(idea.ID), "comment:" + itoa(cm.ID)}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/staff/moderation?done=hide&n=2" {
		t.Fatalf("bulk hide = %d → %q", res.StatusCode, loc)
	}
	if _, page := do(t, mod, "GET", app.srv.URL+"/staff/moderation?done=hide&n=2", nil); !strings.Contains(page, "Hidden 2 items.") || !strings.Contains(page, "Nothing is waiting") {
		t.Error("queue after hiding lacks the confirmation or still lists items")
	}
	if n := app.commentCount(t, host.ID); n != 1 {
		t.Errorf("comment_count = %d after hiding one of two", n)
	}
	// Hidden: 404 for others, 200 for the author and staff; gone from lists.
	for who, c := range map[string]*http.Client{"member": bob, "anonymous": app.client()} {
		if res, _ := do(t, c, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 404 {
			t.Errorf("hidden idea for %s = %d", who, res.StatusCode)
		}
	}
	for who, c := range map[string]*http.Client{"author": ann, "moderator": mod, "product manager": pm} {
		if res, _ := do(t, c, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 200 {
			t.Errorf("hidden idea for %s = %d", who, res.StatusCode)
		}
	}
	if _, body := do(t, bob, "GET", app.srv.URL+"/api/v1/ideas", nil); strings.Contains(body, "Suspicious watches") || !strings.Contains(body, `"total":1`) {
		t.Errorf("list shows the hidden idea: %s", body)
	}
	if _, body := do(t, bob, "GET", app.srv.URL+"/api/v1/ideas/similar?title=Suspicious+watches", nil); strings.Contains(body, "Suspicious") {
		t.Errorf("similar suggests the hidden idea: %s", body)
	}
	if _, body := do(t, app.client(), "GET", app.srv.URL+"/search?q=watches", nil); strings.Contains(body, "Suspicious watches") {
		t.Error("search finds the hidden idea")
	}
	if _, body := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments", host.ID), nil); strings.Contains(body, "cheap watches") {
		t.Errorf("comments show the hidden comment: %s", body)
	}
	if _, body := do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/%s", host.ID, host.Slug), nil); !strings.Contains(body, "Hidden by a moderator") {
		t.Error("the author is not told their comment is hidden")
	}

	// Restore brings both back, with the count.
	res, _ = app.form(t, mod, "/staff/moderation", url.Values{"action": {"restore"}, "item": {"idea:" + itoa(idea.ID), "comment:" + itoa(cm.ID)}})
	if res.StatusCode != http.StatusSeeOther || app.commentCount(t, host.ID) != 2 {
		t.Errorf("restore = %d, comment_count %d", res.StatusCode, app.commentCount(t, host.ID))
	}

	// Ban the author from the queue: their sessions go, and signing in
	// again does not let them post.
	until := time.Now().Add(72 * time.Hour).UTC().Format("2006-01-02")
	res, body = app.form(t, mod, "/staff/moderation", url.Values{"action": {"ban"}, "reason": {"Spam"}, "item": {"idea:" + itoa(idea.ID)}})
	if res.StatusCode != 422 || !strings.Contains(body, "make it permanent") {
		t.Errorf("ban without an end = %d", res.StatusCode)
	}
	res, _ = app.form(t, mod, "/staff/moderation", url.Values{"action": {"ban"}, "reason": {"Spam"}, "until": {until}, "item": {"idea:" + itoa(idea.ID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ban = %d", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM sessions WHERE user_id = ?`, annU.ID); n != 0 {
		t.Errorf("%d sessions left after the ban", n)
	}
	if res, _ := app.api(t, ann, "POST", "/api/v1/ideas", `{"title":"Posting with an old cookie"}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("old session after ban = %d, want 401", res.StatusCode)
	}
	ann, _ = app.signIn(t, "ann@example.com")
	res, body = app.api(t, ann, "POST", "/api/v1/ideas", `{"title":"Posting while banned"}`)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "banned until") || !strings.Contains(body, "Spam") {
		t.Errorf("post while banned = %d %s", res.StatusCode, body)
	}
	if res, _ := app.form(t, ann, "/ideas", url.Values{"title": {"Form post while banned"}, "confirm": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("form post while banned = %d", res.StatusCode)
	}
	if res, _ := app.api(t, ann, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", host.ID), ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("vote while banned = %d", res.StatusCode)
	}
	if res, _ := app.form(t, ann, fmt.Sprintf("/ideas/%d/comments", host.ID), url.Values{"body": {"comment while banned"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("comment while banned = %d", res.StatusCode)
	}
	if res, _ := app.form(t, ann, fmt.Sprintf("/ideas/%d/flag", host.ID), url.Values{"reason": {"spam"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("flag while banned = %d", res.StatusCode)
	}
	if res, _ := do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/%s", host.ID, host.Slug), nil); res.StatusCode != 200 {
		t.Errorf("reading while banned = %d", res.StatusCode)
	}
	want := "idea.hide,comment.hide,idea.restore,comment.restore,user.ban"
	var actions []string
	app.db.Raw(`SELECT action FROM audit_log WHERE actor_id = (SELECT id FROM users WHERE email = 'mod@example.com') ORDER BY id`).Scan(&actions)
	if strings.Join(actions, ",") != want {
		t.Errorf("audit = %v, want %s", actions, want)
	}
}

func TestModerationAPI(t *testing.T) {
	app := newTestApp(t)
	ann, annU := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	idea := app.postIdea(t, ann, "An idea for the API")
	cm := app.postComment(t, ann, idea.ID, "a comment for the API")
	app.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", idea.ID), `{"reason":"duplicate"}`)

	res, body := do(t, mod, "GET", app.srv.URL+"/api/v1/moderation/queue", nil)
	q := decode[struct {
		Items []models.QueueItem
		Total int
	}](t, body)
	if res.StatusCode != 200 || q.Total != 1 || q.Items[0].ID != idea.ID || q.Items[0].Reasons[0].Reason != "duplicate" {
		t.Errorf("queue = %d %s", res.StatusCode, body)
	}
	for _, path := range []string{"/api/v1/moderation/queue?show=nope", "/api/v1/moderation/queue?per_page=1000"} {
		if res, _ := do(t, mod, "GET", app.srv.URL+path, nil); res.StatusCode != 422 {
			t.Errorf("%s = %d", path, res.StatusCode)
		}
	}
	for who, c := range map[string]*http.Client{"member": bob, "product manager": pm} {
		if res, _ := do(t, c, "GET", app.srv.URL+"/api/v1/moderation/queue", nil); res.StatusCode != 403 {
			t.Errorf("queue as %s = %d", who, res.StatusCode)
		}
		if res, _ := app.api(t, c, "POST", fmt.Sprintf("/api/v1/ideas/%d/hide", idea.ID), `{"reason":"x"}`); res.StatusCode != 403 {
			t.Errorf("hide as %s = %d", who, res.StatusCode)
		}
	}

	cases := []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", fmt.Sprintf("/api/v1/ideas/%d/hide", idea.ID), `{"reason":""}`, 422, "reason"},
		{"POST", fmt.Sprintf("/api/v1/ideas/%d/hide", idea.ID), `{}`, 422, "reason"},
		{"POST", fmt.Sprintf("/api/v1/ideas/%d/hide", idea.ID), ``, 400, ""},
		{"POST", "/api/v1/ideas/999999/hide", `{"reason":"x"}`, 404, ""},
		{"POST", "/api/v1/comments/999999/restore", ``, 404, ""},
		{"POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), `{"until":"2001-01-01T00:00:00Z","reason":"x"}`, 422, "until"},
		{"POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), `{"until":"next tuesday","reason":"x"}`, 422, "until"},
		{"POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), `{"until":null,"reason":""}`, 422, "reason"},
		{"POST", "/api/v1/users/999999/ban", `{"until":null,"reason":"x"}`, 404, ""},
		{"DELETE", "/api/v1/users/999999/ban", ``, 404, ""},
	}
	for _, tc := range cases {
		res, body := app.api(t, mod, tc.method, tc.path, tc.body)
		if res.StatusCode != tc.status || (tc.field != "" && !strings.Contains(body, `"`+tc.field+`":`)) {
			t.Errorf("%s %s %s = %d %s, want %d %s", tc.method, tc.path, tc.body, res.StatusCode, body, tc.status, tc.field)
		}
	}

	res, body = app.api(t, mod, "POST", fmt.Sprintf("/api/v1/comments/%d/hide", cm.ID), `{"reason":"Personal attack."}`)
	st := decode[models.ItemState](t, body)
	if res.StatusCode != 200 || st.Moderation != "hidden" || st.ModerationReason != "Personal attack." || st.IdeaID != idea.ID {
		t.Errorf("hide comment = %d %s", res.StatusCode, body)
	}
	if app.commentCount(t, idea.ID) != 0 {
		t.Errorf("comment_count after hide = %d", app.commentCount(t, idea.ID))
	}
	res, body = app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/hide", idea.ID), `{"reason":"Duplicate."}`)
	if res.StatusCode != 200 || decode[models.ItemState](t, body).FlagsResolved != 1 {
		t.Errorf("hide idea = %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 404 {
		t.Errorf("hidden idea for another member = %d", res.StatusCode)
	}
	if res, body := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/restore", idea.ID), ``); res.StatusCode != 200 || !strings.Contains(body, `"moderation":"visible"`) {
		t.Errorf("restore idea = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/comments/%d/restore", cm.ID), `{}`); res.StatusCode != 200 || app.commentCount(t, idea.ID) != 1 {
		t.Errorf("restore comment = %d, comment_count %d", res.StatusCode, app.commentCount(t, idea.ID))
	}

	// Ban: permanent with null, sessions revoked, then lifted.
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	res, body = app.api(t, mod, "POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), `{"until":"`+until+`","reason":"Cool down."}`)
	if b := decode[models.Ban](t, body); res.StatusCode != 200 || b.Until == nil || b.Reason != "Cool down." {
		t.Errorf("temporary ban = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, mod, "POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), `{"until":null,"reason":"Gone for good."}`)
	if b := decode[models.Ban](t, body); res.StatusCode != 200 || b.Until != nil {
		t.Errorf("permanent ban = %d %s", res.StatusCode, body)
	}
	if n := app.count(t, `SELECT count(*) FROM sessions WHERE user_id = ?`, annU.ID); n != 0 {
		t.Errorf("%d sessions after the ban", n)
	}
	ann, _ = app.signIn(t, "ann@example.com")
	res, body = app.api(t, ann, "POST", fmt.Sprintf("/api/v1/comments/%d/flags", cm.ID), `{"reason":"spam"}`)
	if res.StatusCode != 403 || !strings.Contains(body, "permanently") {
		t.Errorf("flag while banned = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, mod, "DELETE", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), ""); res.StatusCode != http.StatusNoContent {
		t.Errorf("unban = %d", res.StatusCode)
	}
	if res, body := app.api(t, ann, "POST", "/api/v1/ideas", `{"title":"Back after the ban"}`); res.StatusCode != http.StatusCreated {
		t.Errorf("post after unban = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID+100), `{"until":null,"reason":"x"}`); res.StatusCode != 404 {
		t.Errorf("ban of unknown user = %d", res.StatusCode)
	}
}

// TestRateLimitsOverHTTP: every limit is a 429 with Retry-After, in JSON
// under /api/ and as a page elsewhere.
func TestRateLimitsOverHTTP(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, ann, "Rate limited discussion")

	app.limits(t, "comment_interval_seconds = 30")
	app.postComment(t, ann, idea.ID, "first")
	res, body := app.api(t, ann, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"second"}`)
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || ra < 29 || ra > 30 || !strings.Contains(body, `"rate_limited"`) {
		t.Errorf("comment too soon = %d Retry-After %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}

	app.limits(t, "comment_interval_seconds = 0, duplicate_window_minutes = 5")
	res, body = app.api(t, ann, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"first"}`)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "just posted") {
		t.Errorf("duplicate comment = %d %s", res.StatusCode, body)
	}

	app.limits(t, "ideas_per_hour = 1")
	res, _ = app.api(t, ann, "POST", "/api/v1/ideas", `{"title":"One idea too many"}`)
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || ra < 3500 {
		t.Errorf("idea over the hourly limit = %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}

	app.limits(t, "new_member_max_links = 1, new_member_posts = 50")
	res, body = app.api(t, ann, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"https://a.example https://b.example"}`)
	if res.StatusCode != 422 || !strings.Contains(body, `"body":`) {
		t.Errorf("too many links = %d %s", res.StatusCode, body)
	}

	app.limits(t, "ideas_per_hour = 1000, new_member_max_links = 1000, votes_per_minute = 1")
	other := app.postIdea(t, ann, "Second idea to vote on")
	bob, _ := app.signIn(t, "bob@example.com")
	if res, _ := app.api(t, bob, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID), ""); res.StatusCode != 200 {
		t.Fatalf("first vote = %d", res.StatusCode)
	}
	res, _ = app.api(t, bob, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", other.ID), "")
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || ra < 59 || ra > 60 {
		t.Errorf("second vote in a minute = %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The no-JavaScript vote form gets the same 429, as a page.
	res, body = app.form(t, bob, fmt.Sprintf("/ideas/%d/vote", other.ID), url.Values{"on": {"true"}})
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "voting faster") {
		t.Errorf("vote form over the limit = %d", res.StatusCode)
	}

	// Per IP: state-changing requests from one address, whoever sends them.
	app.db.Exec(`DELETE FROM rate_keys`)
	app.limits(t, "votes_per_minute = 1000, per_ip_actions_per_minute = 3")
	for i := 0; i < 3; i++ {
		if res, body := app.api(t, bob, "PUT", fmt.Sprintf("/api/v1/ideas/%d/follow", other.ID), ""); res.StatusCode != 200 {
			t.Fatalf("action %d = %d %s", i, res.StatusCode, body)
		}
	}
	res, body = app.api(t, ann, "DELETE", fmt.Sprintf("/api/v1/ideas/%d/follow", other.ID), "")
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || ra < 59 || ra > 60 || !strings.Contains(body, "your network") {
		t.Errorf("fourth action from the IP = %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if res, _ := app.form(t, ann, fmt.Sprintf("/ideas/%d/follow", other.ID), url.Values{"on": {"true"}}); res.StatusCode != 429 {
		t.Errorf("form action over the IP limit = %d", res.StatusCode)
	}
	// Reads pass untouched, and staff are not limited.
	if res, _ := do(t, ann, "GET", app.srv.URL+"/settings", nil); res.StatusCode != 200 {
		t.Errorf("GET over the IP limit = %d", res.StatusCode)
	}
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	if res, body := app.api(t, mod, "PUT", fmt.Sprintf("/api/v1/ideas/%d/follow", other.ID), ""); res.StatusCode != 200 {
		t.Errorf("staff over the IP limit = %d %s", res.StatusCode, body)
	}
	if n := app.count(t, `SELECT coalesce(sum(n), 0) FROM rate_keys, unnest(counts) n WHERE key = 'ip:127.0.0.1'`); n != 3 {
		t.Errorf("%d rate events for the IP, want 3 (refused and staff requests are not recorded)", n)
	}
}

func TestAdminSettingsPage(t *testing.T) {
	app := newTestApp(t)
	admin, adminU := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	// Staff see the limits in effect (members hitting one ask them) but
	// cannot change them.
	if res, body := do(t, mod, "GET", app.srv.URL+"/admin/settings", nil); res.StatusCode != 200 ||
		!strings.Contains(body, `<fieldset class="form__fieldset" disabled>`) || strings.Contains(body, "Save settings") ||
		!strings.Contains(body, `name="signups_per_ip_per_hour" type="number" min="1" max="1000000" step="1" value="100000"`) ||
		!strings.Contains(body, `href="/admin/settings">Limits</a>`) {
		t.Errorf("settings as moderator = %d, want a read-only page linked from the header", res.StatusCode)
	}
	member, _ := app.signIn(t, "member@example.com")
	if res, _ := do(t, member, "GET", app.srv.URL+"/admin/settings", nil); res.StatusCode != 403 {
		t.Errorf("settings as member = %d", res.StatusCode)
	}
	if res, _ := app.form(t, mod, "/admin/settings", url.Values{"ideas_per_hour": {"1"}}); res.StatusCode != 403 {
		t.Errorf("save as moderator = %d", res.StatusCode)
	}
	res, body := do(t, admin, "GET", app.srv.URL+"/admin/settings", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `name="ideas_per_hour" type="number" min="1" max="100000" step="1" value="1000"`) ||
		strings.Contains(body, `name="first_post_approval" value="true" checked`) || strings.Contains(body, "disabled") ||
		!strings.Contains(body, `name="votes_per_day"`) || !strings.Contains(body, "Save settings") {
		t.Errorf("settings page = %d", res.StatusCode)
	}
	good := url.Values{"first_post_approval": {"true"}, "ideas_per_hour": {"7"}, "comment_interval_seconds": {"15"},
		"votes_per_minute": {"20"}, "duplicate_window_minutes": {"3"}, "new_member_max_links": {"1"},
		"new_member_posts": {"4"}, "per_ip_actions_per_minute": {"90"}, "signups_per_ip_per_hour": {"5"}, "votes_per_day": {"250"}}
	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("ideas_per_hour", "0")
	bad.Set("votes_per_minute", "lots")
	res, body = app.form(t, admin, "/admin/settings", bad)
	if res.StatusCode != 422 || !strings.Contains(body, "Enter a whole number from 1 to 100000") || !strings.Contains(body, "Enter a whole number.") ||
		!strings.Contains(body, `value="lots"`) {
		t.Errorf("invalid settings = %d", res.StatusCode)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action = 'settings.update'`); n != 0 {
		t.Errorf("invalid settings audited")
	}
	res, _ = app.form(t, admin, "/admin/settings", good)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/settings?notice=saved" {
		t.Fatalf("save = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	s, _ := models.Settings(t.Context(), app.db)
	if !s.FirstPostApproval || s.IdeasPerHour != 7 || s.CommentIntervalSeconds != 15 || s.VotesPerMinute != 20 ||
		s.DuplicateWindowMinutes != 3 || s.NewMemberMaxLinks != 1 || s.NewMemberPosts != 4 || s.PerIPActionsPerMinute != 90 ||
		s.SignupsPerIPPerHour != 5 || s.VotesPerDay != 250 {
		t.Errorf("saved settings: %+v", s)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action = 'settings.update' AND actor_id = ?`, adminU.ID); n != 1 {
		t.Errorf("%d settings.update audit rows", n)
	}
	_, body = do(t, admin, "GET", app.srv.URL+"/admin/settings", nil)
	if !strings.Contains(body, `name="first_post_approval" value="true" checked`) || !strings.Contains(body, `Audit</a>`) {
		t.Error("saved approval setting not shown, or admin nav lacks Audit")
	}
	// Unchecking the box turns approval off.
	good.Del("first_post_approval")
	app.form(t, admin, "/admin/settings", good)
	if s, _ := models.Settings(t.Context(), app.db); s.FirstPostApproval {
		t.Error("approval still on after unchecking")
	}
}

func TestFirstPostApprovalOverHTTP(t *testing.T) {
	app := newTestApp(t)
	app.limits(t, "first_post_approval = true")
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	idea := app.postIdea(t, ann, "Waiting for approval")
	if res, _ := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 404 {
		t.Errorf("pending idea for another member = %d", res.StatusCode)
	}
	if res, _ := do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 200 {
		t.Errorf("pending idea for its author = %d", res.StatusCode)
	}
	_, page := do(t, mod, "GET", app.srv.URL+"/staff/moderation?show=pending", nil)
	if !strings.Contains(page, "Waiting for approval") {
		t.Error("pending idea not in the queue")
	}
	res, _ := app.form(t, mod, "/staff/moderation", url.Values{"action": {"approve"}, "item": {"idea:" + itoa(idea.ID)}, "show": {"pending"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/staff/moderation?done=approve&n=1&show=pending" {
		t.Errorf("approve = %d %q", res.StatusCode, loc)
	}
	if res, _ := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != 200 {
		t.Errorf("approved idea for another member = %d", res.StatusCode)
	}
}

func TestAdminAuditPage(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "admin@example.com", models.RoleAdmin)
	mod, modU := app.signInAs(t, "mod@example.com", models.RoleModerator)
	ann, annU := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, ann, "Audited idea here")
	app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/hide", idea.ID), `{"reason":"Testing the log."}`)
	app.api(t, mod, "POST", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), `{"until":null,"reason":"Testing bans."}`)
	app.api(t, mod, "DELETE", fmt.Sprintf("/api/v1/users/%d/ban", annU.ID), ``)

	if res, _ := do(t, mod, "GET", app.srv.URL+"/admin/audit", nil); res.StatusCode != 403 {
		t.Errorf("audit as moderator = %d", res.StatusCode)
	}
	res, body := do(t, admin, "GET", app.srv.URL+"/admin/audit", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "<code>idea.hide</code>") || !strings.Contains(body, "<code>user.unban</code>") ||
		!strings.Contains(body, "Testing the log.") || !strings.Contains(body, "idea #"+itoa(idea.ID)) || !strings.Contains(body, "#"+itoa(modU.ID)+"</span>") {
		t.Errorf("audit page = %d", res.StatusCode)
	}
	// Counted in English; before and after read as a diff, the JSON only
	// behind "Raw JSON".
	if !strings.Contains(body, "3 entries") ||
		!strings.Contains(body, `<span class="audit-diff__field">moderation reason</span>: <del>(empty)</del> → <ins>Testing the log.</ins>`) ||
		!strings.Contains(body, `<span class="audit-diff__field">reason</span>: <del>Testing bans.</del> → —`) {
		t.Error("audit page lacks the count in words or the readable diff")
	}
	for _, raw := range regexp.MustCompile(`\{&#34;|\{"`).FindAllStringIndex(body, -1) {
		if open := strings.LastIndex(body[:raw[0]], `<details class="audit-raw">`); open < 0 || strings.Contains(body[open:raw[0]], "</details>") {
			t.Errorf("raw JSON outside the Raw JSON box: %q", body[raw[0]:min(raw[0]+60, len(body))])
		}
	}
	rows := func(query string) int {
		t.Helper()
		res, body := do(t, admin, "GET", app.srv.URL+"/admin/audit?"+query, nil)
		if res.StatusCode != 200 {
			t.Fatalf("?%s = %d", query, res.StatusCode)
		}
		return strings.Count(body, `<tr class="audit-row">`)
	}
	cases := map[string]int{
		"action=user.ban":        1,
		"action=user":            2,
		"actor=" + itoa(modU.ID): 3,
		"actor=mod":              3,
		"target_type=idea&target_id=" + itoa(idea.ID):   1,
		"from=2000-01-01&to=2000-12-31":                 0,
		"from=" + time.Now().UTC().Format("2006-01-02"): 3,
	}
	for q, want := range cases {
		if got := rows(q); got != want {
			t.Errorf("?%s: %d rows, want %d", q, got, want)
		}
	}
	for _, q := range []string{"target_id=abc", "action=DROP%20TABLE", "from=yesterday"} {
		if res, _ := do(t, admin, "GET", app.srv.URL+"/admin/audit?"+q, nil); res.StatusCode != 422 {
			t.Errorf("?%s = %d, want 422", q, res.StatusCode)
		}
	}
	// Paging never fails on a page: junk is page 1.
	if res, _ := do(t, admin, "GET", app.srv.URL+"/admin/audit?page=x", nil); res.StatusCode != 200 {
		t.Errorf("?page=x = %d, want 200", res.StatusCode)
	}
}
