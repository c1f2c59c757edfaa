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

// moderationOf reads an item's moderation state.
func (a *testApp) moderationOf(t *testing.T, table string, id int64) string {
	t.Helper()
	var m string
	if err := a.db.Raw(`SELECT moderation FROM `+table+` WHERE id = ?`, id).Scan(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

// queueRefs lists the item refs a queue page offers to select.
func queueRefs(page string) []string {
	var refs []string
	for _, m := range regexp.MustCompile(`<input type="checkbox" name="item" value="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		refs = append(refs, m[1])
	}
	return refs
}

func TestModerationQueueFiltersRowActionsSelectAllAndNoDefault(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	flagged := app.postIdea(t, ann, "Flagged idea about watches")
	hidden := app.postIdea(t, ann, "Idea that gets hidden")
	spam := app.postIdea(t, ann, "Idea that is plain spam")
	host := app.postIdea(t, bob, "Idea with a spam comment")
	spamComment := app.postComment(t, ann, host.ID, "cheap pills here")
	app.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/flags", flagged.ID), `{"reason":"spam"}`)
	app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/hide", hidden.ID), `{"reason":"Off topic."}`)
	ref := func(kind string, id int64) string { return kind + ":" + itoa(id) }
	if res, body := app.form(t, mod, "/staff/moderation", url.Values{"action": {"spam"}, "item": {ref("idea", spam.ID), ref("comment", spamComment.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark as spam = %d: %s", res.StatusCode, body)
	}

	// Each filter lists exactly its items; hidden and spam ones can be found.
	want := map[string][]string{
		"":        {ref("idea", flagged.ID)},
		"flagged": {ref("idea", flagged.ID)},
		"pending": nil,
		"hidden":  {ref("idea", hidden.ID)},
		"spam":    {ref("idea", spam.ID), ref("comment", spamComment.ID)},
	}
	for show, refs := range want {
		res, page := do(t, mod, "GET", app.srv.URL+"/staff/moderation?show="+show, nil)
		if got := queueRefs(page); res.StatusCode != 200 || strings.Join(got, ",") != strings.Join(refs, ",") {
			t.Errorf("show=%s: %d %v, want %v", show, res.StatusCode, got, refs)
		}
		_, body := do(t, mod, "GET", app.srv.URL+"/api/v1/moderation/queue?show="+show, nil)
		if n := strings.Count(body, `"type":`); n != len(refs) {
			t.Errorf("API show=%s: %d items, want %d: %s", show, n, len(refs), body)
		}
	}
	_, page := do(t, mod, "GET", app.srv.URL+"/staff/moderation?show=hidden", nil)
	if !strings.Contains(page, `href="/staff/moderation?show=hidden" aria-current="page">Hidden</a>`) || !strings.Contains(page, "1 item hidden") ||
		!strings.Contains(page, `form="row-idea-`+itoa(hidden.ID)+`" name="action" value="restore">Restore</button>`) {
		t.Error("hidden tab lacks its tab, count or the row's Restore button")
	}

	// No default action: the select starts on an empty choice, and a
	// submit without one is a 422 saying so, with the selection kept.
	_, page = do(t, mod, "GET", app.srv.URL+"/staff/moderation", nil)
	sel := page[strings.Index(page, `<select class="select" id="mod-action" name="action">`):]
	sel = sel[:strings.Index(sel, "</select>")]
	if !strings.Contains(sel, `<option value="" selected>Choose an action…</option>`) || strings.Count(sel, " selected") != 1 {
		t.Errorf("the action select has a default:\n%s", sel)
	}
	for _, action := range []string{"", "   "} {
		res, body := app.form(t, mod, "/staff/moderation", url.Values{"action": {action}, "item": {ref("idea", flagged.ID)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose an action to apply.") ||
			!strings.Contains(body, `class="select is-invalid" id="mod-action"`) || !strings.Contains(body, `value="`+ref("idea", flagged.ID)+`" id="item-idea-`+itoa(flagged.ID)+`" checked`) {
			t.Errorf("action %q = %d, want 422 with the message and the selection", action, res.StatusCode)
		}
	}
	if res, _ := app.form(t, mod, "/staff/moderation", url.Values{"item": {ref("idea", flagged.ID)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no action field = %d", res.StatusCode)
	}
	if got := app.moderationOf(t, "ideas", flagged.ID); got != "visible" || app.count(t, `SELECT count(*) FROM flags WHERE resolved_at IS NULL`) != 1 {
		t.Errorf("a refused action changed something: %s", got)
	}

	// A row's own buttons act on that row only, whatever is checked.
	if res, _ := app.form(t, mod, "/staff/moderation", url.Values{"action": {"restore"}, "item": {ref("idea", hidden.ID)}, "row": {ref("idea", hidden.ID)}, "show": {"hidden"}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/staff/moderation?done=restore&n=1&show=hidden" {
		t.Errorf("row restore = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := app.moderationOf(t, "ideas", hidden.ID); got != "visible" {
		t.Errorf("row restore left the idea %s", got)
	}
	// A row's Hide needs the row's reason; refused, the row shows the error
	// with its hide box open, and the bulk form is not marked.
	row := "row-idea-" + itoa(flagged.ID)
	res, body := app.form(t, mod, "/staff/moderation", url.Values{"action": {"hide"}, "item": {ref("idea", flagged.ID)}, "row": {ref("idea", flagged.ID)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<details class="mod-row-hide" open>`) ||
		!strings.Contains(body, `class="input is-invalid" id="`+row+`-reason" name="reason" form="`+row+`"`) || !strings.Contains(body, `id="mod-reason" name="reason" value="" maxlength="500"`) ||
		strings.Contains(body, `class="input is-invalid" id="mod-reason"`) || strings.Contains(body, `" checked>`) {
		t.Errorf("row hide without reason = %d; the row should carry the error, not the bulk form", res.StatusCode)
	}
	if res, _ := app.form(t, mod, "/staff/moderation", url.Values{"action": {"hide"}, "reason": {"Advertising."}, "item": {ref("idea", flagged.ID)}, "row": {ref("idea", flagged.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("row hide = %d", res.StatusCode)
	}
	if got := app.moderationOf(t, "ideas", flagged.ID); got != "hidden" {
		t.Errorf("row hide left the idea %s", got)
	}

	// "All" acts on every item the page showed, checked or not (it works
	// without JavaScript), and on nothing it did not show.
	_, page = do(t, mod, "GET", app.srv.URL+"/staff/moderation?show=spam", nil)
	shown := regexp.MustCompile(`<input type="hidden" name="shown" value="([^"]+)">`).FindAllStringSubmatch(page, -1)
	if len(shown) != 2 || !strings.Contains(page, `<input type="checkbox" name="all" value="true" data-select-all>`) {
		t.Fatalf("spam page lacks select-all or shown items: %v", shown)
	}
	v := url.Values{"action": {"restore"}, "all": {"true"}, "show": {"spam"}}
	for _, m := range shown {
		v.Add("shown", m[1])
	}
	res, _ = app.form(t, mod, "/staff/moderation", v)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/moderation?done=restore&n=2&show=spam" {
		t.Errorf("select all = %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	if a, b, h := app.moderationOf(t, "ideas", spam.ID), app.moderationOf(t, "comments", spamComment.ID), app.moderationOf(t, "ideas", flagged.ID); a != "visible" || b != "visible" || h != "hidden" {
		t.Errorf("after select all: idea %s, comment %s, unshown hidden idea %s", a, b, h)
	}
}
