package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// rowOf is the list row (idea-row <li>) that links to title, or "".
func rowOf(page, title string) string {
	for _, row := range strings.Split(page, `<li class="idea-row"`)[1:] {
		if end := strings.Index(row, "</li>"); end >= 0 {
			row = row[:end]
		}
		if strings.Contains(row, ">"+title+"</a>") {
			return row
		}
	}
	return ""
}

var badgeRe = regexp.MustCompile(`class="badge badge--moderation">([^<]+)<`)

// Staff find hidden, pending, spam and deleted ideas through the list's
// search and /search, each marked; visitors and other members find only
// public ideas, authors also their own.
func TestStaffSearchFindsEverythingMarked(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	mod, _ := app.signInAs(t, "mod@example.com", models.RoleModerator)
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	titles := map[string]string{
		"":        "Zebra dashboard that everyone sees",
		"Hidden":  "Zebra dashboard hidden by a moderator",
		"Pending": "Zebra dashboard awaiting approval",
		"Spam":    "Zebra dashboard marked as spam",
		"Deleted": "Zebra dashboard deleted by its author",
	}
	ids := map[string]int64{}
	for mark, title := range titles {
		ids[mark] = app.postIdea(t, ann, title).ID
	}
	if res, body := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/hide", ids["Hidden"]), `{"reason":"off topic"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("hide = %d %s", res.StatusCode, body)
	}
	app.db.Exec(`UPDATE ideas SET moderation = 'pending' WHERE id = ?`, ids["Pending"])
	app.db.Exec(`UPDATE ideas SET moderation = 'spam' WHERE id = ?`, ids["Spam"])
	if res, _ := app.api(t, ann, "DELETE", fmt.Sprintf("/api/v1/ideas/%d", ids["Deleted"]), ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete = %d", res.StatusCode)
	}
	// A hidden comment is found by staff (and its author) only.
	cat, _ := app.signIn(t, "cat@example.com")
	c := app.postComment(t, cat, ids[""], "Quokka thoughts on this")
	if res, _ := app.api(t, mod, "POST", fmt.Sprintf("/api/v1/comments/%d/hide", c.ID), `{"reason":"rude"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("hide comment = %d", res.StatusCode)
	}

	sees := map[string][]string{
		"visitor":   {""},
		"member":    {""},
		"author":    {"", "Hidden", "Pending", "Spam"},
		"moderator": {"", "Hidden", "Pending", "Spam", "Deleted"},
		"pm":        {"", "Hidden", "Pending", "Spam", "Deleted"},
	}
	clients := map[string]*http.Client{"visitor": app.client(), "member": bob, "author": ann, "moderator": mod, "pm": pm}
	for who, want := range sees {
		for _, path := range []string{"/?q=zebra", "/?q=zebra&sort=new&category=general", "/search?q=zebra"} {
			res, body := do(t, clients[who], "GET", app.srv.URL+path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s as %s = %d", path, who, res.StatusCode)
			}
			for mark, title := range titles {
				row := rowOf(body, title)
				if shown := row != ""; shown != slices.Contains(want, mark) {
					t.Errorf("GET %s as %s: %q shown = %v", path, who, title, shown)
					continue
				}
				var got []string
				for _, m := range badgeRe.FindAllStringSubmatch(row, -1) {
					got = append(got, m[1])
				}
				if row != "" && strings.Join(got, ",") != mark {
					t.Errorf("GET %s as %s: row of %q is marked %v, want %q", path, who, title, got, mark)
				}
			}
		}
		_, body := do(t, clients[who], "GET", app.srv.URL+"/search?q=quokka", nil)
		if found := rowOf(body, titles[""]) != ""; found != (who == "moderator" || who == "pm") {
			t.Errorf("/search for a hidden comment's word as %s: found = %v", who, found)
		}
	}
	// The API says which ideas are not public.
	_, body := do(t, mod, "GET", app.srv.URL+"/api/v1/ideas?q="+url.QueryEscape("zebra"), nil)
	list := decode[struct{ Ideas []apiIdea }](t, body)
	got := map[int64]string{}
	for _, i := range list.Ideas {
		got[i.ID] = i.Moderation
	}
	if len(got) != 5 || got[ids["Hidden"]] != "hidden" || got[ids["Spam"]] != "spam" || got[ids[""]] != "visible" {
		t.Errorf("API search as staff: %v", got)
	}
}
