package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// page GETs an idea page as c and returns its HTML.
func (a *testApp) ideaPage(t *testing.T, c *http.Client, idea apiIdea) string {
	t.Helper()
	res, body := do(t, c, "GET", a.srv.URL+fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("idea page = %d", res.StatusCode)
	}
	return body
}

var commentsHeading = regexp.MustCompile(`<h2 id="comments-title">([^<]*)`)

func heading(body string) string {
	m := commentsHeading.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// A moderator hides and restores a comment and the idea from the idea page;
// the comment heading counts the rows each viewer sees.
func TestModeratorHidesAndRestoresFromTheIdeaPage(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, modU := app.signInAs(t, "mod@example.com", models.RoleModerator)
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	idea := app.postIdea(t, ann, "Calendar sync with Outlook")
	cm := app.postComment(t, bob, idea.ID, "Buy cheap watches")
	hideAction := fmt.Sprintf(`action="/comments/%d/hide"`, cm.ID)

	if page := app.ideaPage(t, mod, idea); !strings.Contains(page, hideAction) || !strings.Contains(page, fmt.Sprintf(`action="/ideas/%d/hide"`, idea.ID)) {
		t.Error("the moderator is not offered to hide the comment and the idea")
	}
	for who, c := range map[string]*http.Client{"member": ann, "product manager": pm} {
		if page := app.ideaPage(t, c, idea); strings.Contains(page, hideAction) || strings.Contains(page, `/restore"`) {
			t.Errorf("the %s is offered moderation forms", who)
		}
		if res, _ := app.form(t, c, fmt.Sprintf("/comments/%d/hide", cm.ID), url.Values{"reason": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("comment hide form as %s = %d", who, res.StatusCode)
		}
	}

	// No reason: the page again, that comment's form open with the error.
	res, body := app.form(t, mod, fmt.Sprintf("/comments/%d/hide", cm.ID), url.Values{"reason": {" "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Please give a reason") ||
		!regexp.MustCompile(fmt.Sprintf(`(?s)data-mod="hide" open>.*?%s`, regexp.QuoteMeta(hideAction))).MatchString(body) {
		t.Errorf("hide without a reason = %d", res.StatusCode)
	}

	res, _ = app.form(t, mod, fmt.Sprintf("/comments/%d/hide", cm.ID), url.Values{"reason": {"Advertising"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/ideas/%d?notice=hidden&comment=%d#comment-%d", idea.ID, cm.ID, cm.ID) {
		t.Fatalf("hide form = %d → %q", res.StatusCode, loc)
	}
	// The short URL's redirect to the canonical one keeps the notice.
	res, _ = do(t, mod, "GET", app.srv.URL+res.Header.Get("Location"), nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusMovedPermanently || loc != fmt.Sprintf("/ideas/%d/%s?notice=hidden&comment=%d", idea.ID, idea.Slug, cm.ID) {
		t.Errorf("short URL = %d → %q", res.StatusCode, loc)
	}
	if _, body := do(t, mod, "GET", app.srv.URL+res.Header.Get("Location"), nil); !strings.Contains(body, "Hidden. The author sees the reason") {
		t.Error("the notice is not shown")
	}
	page := app.ideaPage(t, mod, idea)
	if !strings.Contains(page, "Hidden (Advertising)") || !strings.Contains(page, fmt.Sprintf(`action="/comments/%d/restore"`, cm.ID)) {
		t.Error("the moderator does not see the comment marked hidden with a Restore button")
	}
	// The heading counts what each viewer sees, never "0 comments" above a row.
	if h := heading(page); h != "1 comment" || !strings.Contains(page, `1 comment <span class="muted">· 1 not public</span></h2>`) {
		t.Errorf("moderator's heading = %q", h)
	}
	if h := heading(app.ideaPage(t, pm, idea)); h != "1 comment" {
		t.Errorf("product manager's heading = %q", h)
	}
	if page := app.ideaPage(t, ann, idea); heading(page) != "0 comments" || strings.Contains(page, "cheap watches") {
		t.Errorf("member's heading = %q", heading(page))
	}
	if page := app.ideaPage(t, bob, idea); heading(page) != "1 comment" || !strings.Contains(page, "Hidden by a moderator (Advertising)") {
		t.Errorf("author's heading = %q", heading(page))
	}

	res, _ = app.form(t, mod, fmt.Sprintf("/comments/%d/restore", cm.ID), url.Values{})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/ideas/%d?notice=restored&comment=%d#comment-%d", idea.ID, cm.ID, cm.ID) {
		t.Fatalf("restore form = %d → %q", res.StatusCode, loc)
	}
	if page := app.ideaPage(t, ann, idea); heading(page) != "1 comment" || !strings.Contains(page, "cheap watches") {
		t.Errorf("after restore the member sees %q", heading(page))
	}

	// The idea itself, from the staff panel.
	res, _ = app.form(t, mod, fmt.Sprintf("/ideas/%d/hide", idea.ID), url.Values{"reason": {"Off topic"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("idea hide form = %d", res.StatusCode)
	}
	if res, _ := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d", idea.ID), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("hidden idea for a member = %d", res.StatusCode)
	}
	if page := app.ideaPage(t, mod, idea); !strings.Contains(page, fmt.Sprintf(`action="/ideas/%d/restore"`, idea.ID)) {
		t.Error("no Restore button on the hidden idea")
	}
	if res, _ := app.form(t, mod, fmt.Sprintf("/ideas/%d/restore", idea.ID), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("idea restore form = %d", res.StatusCode)
	}
	if res, _ := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug), nil); res.StatusCode != http.StatusOK {
		t.Errorf("restored idea for a member = %d", res.StatusCode)
	}
	want := "comment.hide,comment.restore,idea.hide,idea.restore"
	if got := strings.Join(auditOf(t, app, modU.ID), ","); got != want {
		t.Errorf("audit = %s, want %s", got, want)
	}
}

func auditOf(t *testing.T, app *testApp, actorID int64) []string {
	t.Helper()
	var actions []string
	if err := app.db.Raw(`SELECT action FROM audit_log WHERE actor_id = ? ORDER BY id`, actorID).Scan(&actions).Error; err != nil {
		t.Fatal(err)
	}
	return actions
}

func TestLockedCommentsOverHTTP(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, modU := app.signInAs(t, "mod@example.com", models.RoleModerator)
	idea := app.postIdea(t, ann, "A heated discussion")
	cm := app.postComment(t, bob, idea.ID, "first!")
	path := fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID)

	if res, _ := app.form(t, bob, fmt.Sprintf("/ideas/%d/lock", idea.ID), url.Values{"locked": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("member locks = %d", res.StatusCode)
	}
	res, _ := app.form(t, mod, fmt.Sprintf("/ideas/%d/lock", idea.ID), url.Values{"locked": {"true"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "?notice=locked#comments") {
		t.Fatalf("lock = %d → %q", res.StatusCode, loc)
	}
	page := app.ideaPage(t, bob, idea)
	if !strings.Contains(page, "Comments are locked") || strings.Contains(page, `id="comment-form"`) || strings.Contains(page, "<summary>Reply</summary>") {
		t.Error("a member still gets the comment form, or no note, on a locked idea")
	}
	if page := app.ideaPage(t, app.client(), idea); !strings.Contains(page, "Comments are locked") || strings.Contains(page, "to join the discussion") {
		t.Error("a visitor is invited to join a locked discussion")
	}
	if page := app.ideaPage(t, mod, idea); !strings.Contains(page, `id="comment-form"`) || !strings.Contains(page, "Unlock comments") {
		t.Error("the moderator lost the comment form or the unlock button")
	}
	res, body := app.api(t, bob, "POST", path, `{"body":"I insist"}`)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "locked") {
		t.Errorf("member API comment on a locked idea = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, bob, "POST", path, fmt.Sprintf(`{"body":"a reply","parent_id":%d}`, cm.ID))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "locked") {
		t.Errorf("member API reply on a locked idea = %d %s", res.StatusCode, body)
	}
	if res, body := app.form(t, bob, fmt.Sprintf("/ideas/%d/comments", idea.ID), url.Values{"body": {"via the form"}}); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "locked") {
		t.Errorf("member comment form on a locked idea = %d", res.StatusCode)
	}
	if res, body := app.api(t, mod, "POST", path, `{"body":"Locked while we sort this out."}`); res.StatusCode != http.StatusCreated {
		t.Errorf("staff comment on a locked idea = %d %s", res.StatusCode, body)
	}
	if _, body := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); !decode[apiIdea](t, body).Locked {
		t.Errorf("API idea lacks comments_locked: %s", body)
	}

	res, _ = app.form(t, mod, fmt.Sprintf("/ideas/%d/lock", idea.ID), url.Values{"locked": {"false"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "notice=unlocked") {
		t.Fatalf("unlock = %d", res.StatusCode)
	}
	if res, body := app.api(t, bob, "POST", path, `{"body":"thanks"}`); res.StatusCode != http.StatusCreated {
		t.Errorf("member comment after unlock = %d %s", res.StatusCode, body)
	}
	if got := strings.Join(auditOf(t, app, modU.ID), ","); got != "idea.lock_comments,idea.unlock_comments" {
		t.Errorf("audit = %s", got)
	}
}

func TestModeratorEditsTitleCategoryAndTags(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	if err := app.db.Exec(`INSERT INTO categories (slug, name) VALUES ('mobile', 'Mobile')`).Error; err != nil {
		t.Fatal(err)
	}
	idea := app.postIdea(t, ann, "app crashes pls fix!!!")
	path := fmt.Sprintf("/ideas/%d/staff-edit", idea.ID)

	if res, _ := app.form(t, ann, path, url.Values{"title": {"Taking over my own idea"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("member staff edit = %d", res.StatusCode)
	}
	page := app.ideaPage(t, mod, idea)
	if !strings.Contains(page, `action="`+path+`"`) || !strings.Contains(page, `id="staff-title" name="title" maxlength="120" value="app crashes pls fix!!!"`) {
		t.Error("the staff edit form is missing or not filled in")
	}
	// Bad input: the page again with the form open, the text kept, the field marked.
	res, body := app.form(t, mod, path, url.Values{"title": {"short"}, "category": {"mobile"}, "tags": {"crash"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-mod="edit" open`) ||
		!strings.Contains(body, `class="input is-invalid" id="staff-title" name="title" maxlength="120" value="short"`) ||
		!strings.Contains(body, "at least 8 characters") {
		t.Errorf("invalid staff edit = %d", res.StatusCode)
	}
	res, _ = app.form(t, mod, path, url.Values{"title": {"Mobile app crashes on start"}, "category": {"mobile"}, "tags": {"crash, ios"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "?notice=edited") {
		t.Fatalf("staff edit = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil)
	got := decode[apiIdea](t, body)
	if got.Title != "Mobile app crashes on start" || got.Category != "mobile" || strings.Join(got.Tags, ",") != "crash,ios" || got.Body != "Details about it" {
		t.Errorf("after the edit: %s", body)
	}
	_, body = do(t, ann, "GET", app.srv.URL+"/notifications", nil)
	if !strings.Contains(body, "A moderator edited your idea &#34;Mobile app crashes on start&#34;") && !strings.Contains(body, "A moderator edited your idea &quot;Mobile app crashes on start&quot;") {
		t.Error("the author is not told about the edit")
	}
	var before, after string
	app.db.Raw(`SELECT before::text, after::text FROM audit_log WHERE action = 'idea.edit'`).Row().Scan(&before, &after)
	if !strings.Contains(before, `"app crashes pls fix!!!"`) || !strings.Contains(after, `"Mobile app crashes on start"`) || !strings.Contains(after, `"mobile"`) {
		t.Errorf("audit before %s after %s", before, after)
	}
}

func TestVotersPageForStaff(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, ann, "Who wants this")
	for _, name := range []string{"bob", "cat", "dan"} {
		c, _ := app.signIn(t, name+"@example.com")
		if res, body := app.api(t, c, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", idea.ID), ""); res.StatusCode != 200 {
			t.Fatalf("vote = %d %s", res.StatusCode, body)
		}
	}
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	path := fmt.Sprintf("/ideas/%d/voters", idea.ID)
	if page := app.ideaPage(t, pm, idea); !strings.Contains(page, `href="`+path+`"`) {
		t.Error("the staff panel does not link the voters")
	}
	res, body := do(t, pm, "GET", app.srv.URL+path+"?per_page=3", nil)
	if res.StatusCode != 200 || strings.Count(body, "<tr>") != 4 || !strings.Contains(body, "dan") || strings.Contains(body, ">ann (author)") ||
		!strings.Contains(body, "Page 1 of 2") || !strings.Contains(body, " UTC</time>") {
		t.Errorf("voters page 1 = %d\n%s", res.StatusCode, grepLines(body, "<td>"))
	}
	_, body = do(t, pm, "GET", app.srv.URL+path+"?per_page=3&page=2", nil)
	if !strings.Contains(body, "ann</td>") && !strings.Contains(body, "ann <span class=\"muted\">(author)</span>") {
		t.Errorf("voters page 2 lacks the author's vote:\n%s", grepLines(body, "<td>"))
	}
	_, body = do(t, pm, "GET", app.srv.URL+path+"?page=9", nil)
	if strings.Contains(body, "Nobody has voted") || !strings.Contains(body, "past the end") {
		t.Error("a page past the end says nobody voted")
	}
	// Pages clamp paging: per_page=500 is one page of up to 100.
	if res, body := do(t, pm, "GET", app.srv.URL+path+"?per_page=500", nil); res.StatusCode != http.StatusOK || strings.Contains(body, "Page 1 of") {
		t.Errorf("per_page=500 = %d", res.StatusCode)
	}
	if res, _ := do(t, pm, "GET", app.srv.URL+"/ideas/999999/voters", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("voters of a missing idea = %d", res.StatusCode)
	}
}

func TestBanFromACommentsMenu(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	spam, spamU := app.signIn(t, "spam@example.com")
	mod, modU := app.signInAs(t, "mod@example.com", models.RoleModerator)
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	idea := app.postIdea(t, ann, "A popular idea")
	cm := app.postComment(t, spam, idea.ID, "buy watches")
	team := app.postComment(t, pm, idea.ID, "We are looking into it.")
	path := fmt.Sprintf("/comments/%d/ban", cm.ID)

	page := app.ideaPage(t, mod, idea)
	if !strings.Contains(page, `action="`+path+`"`) || strings.Contains(page, fmt.Sprintf(`action="/comments/%d/ban"`, team.ID)) {
		t.Error("the ban form is missing on a member's comment or offered on a staff comment")
	}
	if page := app.ideaPage(t, ann, idea); strings.Contains(page, "/ban\"") {
		t.Error("a member is offered the ban form")
	}
	if res, _ := app.form(t, pm, path, url.Values{"reason": {"x"}, "permanent": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("PM ban = %d", res.StatusCode)
	}
	res, body := app.form(t, mod, path, url.Values{"reason": {"Spam"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-mod="ban" open`) || !strings.Contains(body, "Choose when the ban ends") ||
		!strings.Contains(body, `value="Spam"`) {
		t.Errorf("ban without an end = %d", res.StatusCode)
	}
	if res, _ := app.form(t, mod, fmt.Sprintf("/comments/%d/ban", team.ID), url.Values{"reason": {"x"}, "permanent": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("banning staff from a comment = %d", res.StatusCode)
	}
	res, _ = app.form(t, mod, path, url.Values{"reason": {"Spam"}, "permanent": {"true"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/ideas/%d?notice=banned&comment=%d#comment-%d", idea.ID, cm.ID, cm.ID) {
		t.Fatalf("ban = %d → %q", res.StatusCode, loc)
	}
	// Signed out everywhere; after signing in again every write is refused.
	if res, _ := do(t, spam, "GET", app.srv.URL+"/settings", nil); res.StatusCode != http.StatusFound {
		t.Errorf("the banned member's session survived: %d", res.StatusCode)
	}
	spam, _ = app.signIn(t, "spam@example.com")
	if res, body := app.api(t, spam, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), `{"body":"again"}`); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "banned permanently: Spam") {
		t.Errorf("banned member comments = %d %s", res.StatusCode, body)
	}
	if n := app.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.ban' AND actor_id = ? AND target_id = ?`, modU.ID, spamU.ID); n != 1 {
		t.Errorf("%d ban audit entries", n)
	}
}

// Delete and unmerge ask first: the buttons are links to a confirm page
// whose form posts the action.
func TestDestructiveActionsAskFirst(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, modU := app.signInAs(t, "mod@example.com", models.RoleModerator)
	idea := app.postIdea(t, ann, "An idea to think twice about")
	cm := app.postComment(t, ann, idea.ID, "my own comment")

	page := app.ideaPage(t, ann, idea)
	for _, p := range []string{fmt.Sprintf("/ideas/%d/delete", idea.ID), fmt.Sprintf("/comments/%d/delete", cm.ID)} {
		if strings.Contains(page, `action="`+p+`"`) || !strings.Contains(page, `href="`+p+`" data-confirm=`) {
			t.Errorf("%s is a one-click form, not a link to its confirm page", p)
		}
	}
	confirm := func(c *http.Client, path string, status int, action string) {
		t.Helper()
		res, body := do(t, c, "GET", app.srv.URL+path, nil)
		if res.StatusCode != status {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, status)
			return
		}
		if status == http.StatusOK && (!strings.Contains(body, "Are you sure?") || !strings.Contains(body, `action="`+action+`" method="post"`) ||
			!strings.Contains(body, `name="_csrf"`)) {
			t.Errorf("GET %s is not a confirm page posting to %s", path, action)
		}
	}
	ideaDel, cmDel := fmt.Sprintf("/ideas/%d/delete", idea.ID), fmt.Sprintf("/comments/%d/delete", cm.ID)
	confirm(ann, ideaDel, 200, ideaDel)
	confirm(mod, ideaDel, 200, ideaDel)
	confirm(bob, ideaDel, 403, "")
	confirm(ann, cmDel, 200, cmDel)
	confirm(bob, cmDel, 403, "")
	confirm(ann, "/comments/999999/delete", 404, "")
	if res, _ := do(t, app.client(), "GET", app.srv.URL+ideaDel, nil); res.StatusCode != http.StatusFound {
		t.Errorf("confirm page for a visitor = %d", res.StatusCode)
	}
	// Opening the confirm page changes nothing.
	if _, body := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), nil); !strings.Contains(body, "my own comment") {
		t.Error("the confirm page deleted the comment")
	}

	// Unmerge from the target's staff panel.
	dup := app.postIdea(t, bob, "An idea to think twice about, again")
	unmerge := fmt.Sprintf("/ideas/%d/unmerge", dup.ID)
	confirm(mod, unmerge, 409, "")
	if res, body := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/merge", dup.ID), fmt.Sprintf(`{"into_id":%d}`, idea.ID)); res.StatusCode != 200 {
		t.Fatalf("merge = %d %s", res.StatusCode, body)
	}
	if page := app.ideaPage(t, mod, idea); strings.Contains(page, `action="`+unmerge+`"`) || !strings.Contains(page, `href="`+unmerge+`" data-confirm=`) {
		t.Error("unmerge is a one-click form, not a link to its confirm page")
	}
	confirm(mod, unmerge, 200, unmerge)
	confirm(bob, unmerge, 403, "")
	if res, _ := app.form(t, mod, unmerge, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("unmerge = %d", res.StatusCode)
	}

	// A moderator deletes someone's idea after confirming; it is audited.
	if res, _ := app.form(t, mod, ideaDel, url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("moderator delete = %d", res.StatusCode)
	}
	if res, _ := do(t, bob, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted idea for a member = %d", res.StatusCode)
	}
	if got := strings.Join(auditOf(t, app, modU.ID), ","); got != "idea.merge,idea.unmerge,idea.delete" {
		t.Errorf("audit = %s", got)
	}
}

func TestTeamBadgeOnStaffComments(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	pm, pmU := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	idea := app.postIdea(t, ann, "Badges for the team")
	mine := app.postComment(t, ann, idea.ID, "member comment")
	theirs := app.postComment(t, pm, idea.ID, "team comment")
	page := app.ideaPage(t, app.client(), idea)
	badge := regexp.MustCompile(`(?s)id="comment-(\d+)">\s*<p class="comment__meta"><strong>[^<]*</strong> <span class="badge badge--team"`)
	var badged []string
	for _, m := range badge.FindAllStringSubmatch(page, -1) {
		badged = append(badged, m[1])
	}
	if strings.Join(badged, ",") != itoa(theirs.ID) {
		t.Errorf("Team badges on comments %v, want only %d (not %d)", badged, theirs.ID, mine.ID)
	}
	_, body := do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), nil)
	if !strings.Contains(body, `"body":"team comment","body_html":"\u003cp\u003eteam comment\u003c/p\u003e\n","author":{"id":`+itoa(pmU.ID)+`,"name":"pm"},"by_team":true`) ||
		!strings.Contains(body, `"by_team":false`) {
		t.Errorf("API comments lack by_team: %s", body)
	}
	// Read at display time: a demoted author loses the badge at once.
	if err := app.db.Exec(`UPDATE users SET role = 'member' WHERE id = ?`, pmU.ID).Error; err != nil {
		t.Fatal(err)
	}
	if page := app.ideaPage(t, app.client(), idea); strings.Contains(page, "badge--team") {
		t.Error("the badge outlived the role")
	}
}

// An idea whose title slugifies to the name of a page under /ideas/:id/
// (edit, delete, voters…) must still open its own page at its URL. The
// sweep takes the names from the router, so a new page is covered too.
func TestIdeaURLsNeverOpenAnotherPage(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	seen := map[string]bool{}
	for _, r := range app.h.echo.Routes() {
		parts := strings.Split(r.Path, "/")
		if r.Method != "GET" || len(parts) != 4 || parts[1] != "ideas" || parts[2] != ":id" || strings.HasPrefix(parts[3], ":") || seen[parts[3]] {
			continue
		}
		seen[parts[3]] = true
		idea := app.postIdea(t, ann, strings.ToUpper(parts[3][:1])+parts[3][1:]+" !!!!!!!!")
		res, body := do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug), nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `<h1 class="idea__title">`+idea.Title+`</h1>`) {
			t.Errorf("idea %q at /ideas/%d/%s = %d, not its page", idea.Title, idea.ID, idea.Slug, res.StatusCode)
		}
	}
	if len(seen) < 5 {
		t.Errorf("only %d pages under /ideas/:id/ found: %v", len(seen), seen)
	}
}
