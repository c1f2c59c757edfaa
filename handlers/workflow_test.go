package handlers

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestStatusChangesOverHTTP(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, member, "Two-factor authentication")
	path := fmt.Sprintf("/api/v1/ideas/%d/status", idea.ID)
	if res, _ := app.api(t, member, "POST", path, `{"status":"planned"}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("member status change = %d", res.StatusCode)
	}
	pm, _ := app.signInAs(t, "pm@example.com", "product_manager")
	if res, body := app.api(t, pm, "POST", path, `{"status":"finished"}`); res.StatusCode != 422 || !strings.Contains(body, `"status"`) {
		t.Errorf("bad status = %d %s", res.StatusCode, body)
	}
	res, body := app.api(t, pm, "POST", path, `{"status":"planned","note":"Coming in **Q3**"}`)
	if res.StatusCode != 200 || decode[apiIdea](t, body).Status != "planned" {
		t.Fatalf("status = %d %s", res.StatusCode, body)
	}
	// The form re-renders with the note kept when invalid.
	res, page := app.form(t, pm, fmt.Sprintf("/ideas/%d/status", idea.ID), url.Values{"status": {"planned"}, "release_note": {"keep me"}})
	if res.StatusCode != 422 || !strings.Contains(page, "keep me") {
		t.Errorf("invalid status form = %d", res.StatusCode)
	}
	res, _ = app.form(t, pm, fmt.Sprintf("/ideas/%d/status", idea.ID), url.Values{"status": {"shipped"}, "note": {"Live now"}, "release_note": {"2FA for everyone"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ship form = %d", res.StatusCode)
	}
	_, page = do(t, member, "GET", app.srv.URL+strings.TrimPrefix(idea.URL, "http://localhost:8080"), nil)
	for _, want := range []string{"Status updates", "Coming in <strong>Q3</strong>", "2FA for everyone", "Voting is closed"} {
		if !strings.Contains(page, want) {
			t.Errorf("idea page lacks %q", want)
		}
	}
	_, page = do(t, app.client(), "GET", app.srv.URL+"/changelog", nil)
	if !strings.Contains(page, "Two-factor authentication") || !strings.Contains(page, "2FA for everyone") {
		t.Error("changelog lacks the shipped idea")
	}
	res, feed := do(t, app.client(), "GET", app.srv.URL+"/changelog.atom", nil)
	var parsed atomFeed
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") || xml.Unmarshal([]byte(feed), &parsed) != nil ||
		len(parsed.Entries) != 1 || parsed.Entries[0].Title != "Two-factor authentication" || !strings.Contains(parsed.Entries[0].Content.Body, "2FA for everyone") {
		t.Errorf("atom: %d %s", res.StatusCode, feed)
	}
	if _, page := do(t, app.client(), "GET", app.srv.URL+"/", nil); !strings.Contains(page, `rel="alternate" type="application/atom+xml"`) {
		t.Error("pages do not link the Atom feed")
	}
}

func TestRoadmapColumns(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "ann@example.com")
	pm, _ := app.signInAs(t, "pm@example.com", "product_manager")
	for title, status := range map[string]string{"Planned thing one": "planned", "In progress thing": "in_progress", "Shipped thing one": "shipped", "Still open thing": "open"} {
		idea := app.postIdea(t, member, title)
		if status != "open" {
			app.api(t, pm, "POST", fmt.Sprintf("/api/v1/ideas/%d/status", idea.ID), `{"status":"`+status+`"}`)
		}
	}
	res, page := do(t, app.client(), "GET", app.srv.URL+"/roadmap", nil)
	if res.StatusCode != 200 {
		t.Fatalf("roadmap = %d", res.StatusCode)
	}
	planned := page[strings.Index(page, `id="col-planned"`):strings.Index(page, `id="col-in_progress"`)]
	if !strings.Contains(planned, "Planned thing one") || strings.Contains(page, "Still open thing") {
		t.Error("roadmap columns wrong")
	}
	if !strings.Contains(page[strings.Index(page, `id="col-shipped"`):], "Shipped thing one") {
		t.Error("shipped column lacks the shipped idea")
	}
	if _, page := do(t, app.client(), "GET", app.srv.URL+"/roadmap?category=nope", nil); strings.Contains(page, "Planned thing one") {
		t.Error("category filter ignored")
	}
}

func TestMergeAndUnmergeOverHTTP(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	src := app.postIdea(t, ann, "Dark theme for the editor")
	dst := app.postIdea(t, bob, "Dark mode everywhere")
	mod, _ := app.signInAs(t, "mod@example.com", "moderator")
	pm, _ := app.signInAs(t, "pm@example.com", "product_manager")
	path := fmt.Sprintf("/api/v1/ideas/%d/merge", src.ID)
	if res, _ := app.api(t, pm, "POST", path, fmt.Sprintf(`{"into_id":%d}`, dst.ID)); res.StatusCode != http.StatusForbidden {
		t.Errorf("PM merge = %d, want 403", res.StatusCode)
	}
	if res, _ := app.api(t, mod, "POST", path, fmt.Sprintf(`{"into_id":%d}`, src.ID)); res.StatusCode != http.StatusConflict {
		t.Errorf("self merge = %d, want 409", res.StatusCode)
	}
	// The preview page says what moves.
	_, page := do(t, mod, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/merge?into=%d", src.ID, dst.ID), nil)
	if !strings.Contains(page, "<strong>1</strong> vote moves") {
		t.Errorf("merge preview lacks counts")
	}
	res, body := app.api(t, mod, "POST", path, fmt.Sprintf(`{"into_id":%d}`, dst.ID))
	if got := decode[apiIdea](t, body); res.StatusCode != 200 || got.ID != dst.ID || got.VoteCount != 2 {
		t.Fatalf("merge = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/merge", dst.ID), fmt.Sprintf(`{"into_id":%d}`, src.ID)); res.StatusCode != http.StatusConflict {
		t.Errorf("cycle = %d, want 409", res.StatusCode)
	}
	// The source URL redirects, temporarily and uncached, since unmerge
	// brings the page back; the API returns the source with merged_into_id.
	srcPaths := []string{fmt.Sprintf("/ideas/%d/dark-theme-for-the-editor", src.ID), fmt.Sprintf("/ideas/%d", src.ID), fmt.Sprintf("/ideas/%d/wrong-slug", src.ID)}
	for _, p := range srcPaths {
		res, _ = do(t, ann, "GET", app.srv.URL+p, nil)
		if res.StatusCode != http.StatusFound || !strings.Contains(res.Header.Get("Location"), fmt.Sprintf("/ideas/%d/", dst.ID)) ||
			!strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("merged source %s = %d → %q (Cache-Control %q), want an uncached 302 to the target",
				p, res.StatusCode, res.Header.Get("Location"), res.Header.Get("Cache-Control"))
		}
	}
	_, body = do(t, ann, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", src.ID), nil)
	if got := decode[apiIdea](t, body); got.MergedIntoID == nil || *got.MergedIntoID != dst.ID || got.Status != "merged" {
		t.Errorf("API source: %s", body)
	}
	if res, body := app.api(t, ann, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", src.ID), ""); res.StatusCode != http.StatusConflict {
		t.Errorf("vote on merged = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/unmerge", src.ID), "")
	if got := decode[apiIdea](t, body); res.StatusCode != 200 || got.ID != src.ID || got.MergedIntoID != nil || got.VoteCount != 1 {
		t.Fatalf("unmerge = %d %s", res.StatusCode, body)
	}
	// After unmerge the old URL is the idea's page again.
	if res, _ := do(t, ann, "GET", app.srv.URL+srcPaths[0], nil); res.StatusCode != http.StatusOK {
		t.Errorf("source page after unmerge = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	// A wrong slug on a live idea is still a permanent redirect.
	if res, _ := do(t, ann, "GET", app.srv.URL+srcPaths[2], nil); res.StatusCode != http.StatusMovedPermanently {
		t.Errorf("wrong slug on a live idea = %d, want 301", res.StatusCode)
	}
}

// Staff-only notes are visible to staff only and do not count as comments.
func TestStaffOnlyNotes(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "ann@example.com")
	idea := app.postIdea(t, member, "Idea with a team note")
	path := fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID)
	if res, _ := app.api(t, member, "POST", path, `{"body":"sneaky","staff_only":true}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("member staff note = %d, want 403", res.StatusCode)
	}
	mod, _ := app.signInAs(t, "mod@example.com", "moderator")
	if res, body := app.api(t, mod, "POST", path, `{"body":"Internal: dup of #12","staff_only":true}`); res.StatusCode != 201 || !strings.Contains(body, `"staff_only":true`) {
		t.Fatalf("staff note = %d %s", res.StatusCode, body)
	}
	for who, c := range map[string]*http.Client{"member": member, "anonymous": app.client()} {
		if _, body := do(t, c, "GET", app.srv.URL+path, nil); strings.Contains(body, "Internal: dup") {
			t.Errorf("%s sees the staff note", who)
		}
	}
	if _, body := do(t, mod, "GET", app.srv.URL+path, nil); !strings.Contains(body, "Internal: dup") {
		t.Error("staff do not see their note")
	}
	_, body := do(t, member, "GET", app.srv.URL+fmt.Sprintf("/api/v1/ideas/%d", idea.ID), nil)
	if decode[apiIdea](t, body).CommentCount != 0 {
		t.Errorf("staff note counted: %s", body)
	}
}
