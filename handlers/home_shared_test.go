package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// sharedAndOwn is one database served twice: shared shares the home page
// for a minute (so the test does not race the clock), own renders every
// page for its viewer (sharing off). Cookies are good on both.
func sharedAndOwn(t *testing.T) (shared, own *testApp) {
	t.Helper()
	dsn := testdb.URL(t)
	shared = newTestAppOn(t, dsn, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	own = newTestAppOn(t, dsn)
	if err := shared.db.Exec(relaxedLimits).Error; err != nil {
		t.Fatal(err)
	}
	return shared, own
}

// votedIn lists the ideas a home page shows as voted by its viewer.
func votedIn(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`id="idea-(\d+)">\s*<div class="vote is-voted"`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}

// A member's home page made from the shared page is byte for byte the page
// rendered for them alone — their vote marks, their header (name, bell,
// staff links) and their CSRF token — whoever filled the shared page first
// (a member, a moderator, an anonymous visitor), and each viewer's marks
// are theirs only.
func TestMemberHomeFromTheSharedPageIsTheirOwnPage(t *testing.T) {
	shared, own := sharedAndOwn(t)
	ann, annU := shared.signIn(t, "ann@example.com")
	bob, _ := shared.signIn(t, "bob@example.com")
	mod, _ := shared.signInAs(t, "mod@example.com", models.RoleModerator)
	anns := shared.postIdea(t, ann, "Shared rows: ann's walrus idea")
	bobs := shared.postIdea(t, bob, "Shared rows: bob's narwhal idea")
	shared.postIdea(t, mod, "Shared rows: the moderator's idea")
	addNotifications(t, shared, annU, 3)
	anon := shared.client()
	viewers := []struct {
		name   string
		client *http.Client
	}{{"ann", ann}, {"bob", bob}, {"mod", mod}, {"anonymous", anon}}
	// Each order fills the shared page with a different first viewer.
	for _, first := range viewers {
		shared.h.anonPages.gen.Add(1) // forget the page, as a write would
		for _, v := range append([]struct {
			name   string
			client *http.Client
		}{first}, viewers...) {
			for _, path := range []string{"/?sort=new", "/?sort=top&tag=api", "/?sort=trending&category=general&status=open", "/?sort=new&notice=saved", "/?sort=discussed&per_page=2"} {
				res, got := do(t, v.client, "GET", shared.srv.URL+path, nil)
				_, want := do(t, v.client, "GET", own.srv.URL+path, nil)
				if res.StatusCode != http.StatusOK || got != want {
					t.Fatalf("%s's %s (shared page filled by %s) = %d, differs from their own page:\n%s",
						v.name, path, first.name, res.StatusCode, firstDifference(got, want))
				}
			}
		}
	}
	_, annPage := do(t, ann, "GET", shared.srv.URL+"/?sort=new", nil)
	_, bobPage := do(t, bob, "GET", shared.srv.URL+"/?sort=new", nil)
	_, anonPage := do(t, anon, "GET", shared.srv.URL+"/?sort=new", nil)
	a, b := fmt.Sprint(anns.ID), fmt.Sprint(bobs.ID)
	if got := votedIn(annPage); !got[a] || got[b] || len(got) != 1 {
		t.Errorf("ann's page marks %v as voted, want only %s", got, a)
	}
	if got := votedIn(bobPage); !got[b] || got[a] || len(got) != 1 {
		t.Errorf("bob's page marks %v as voted, want only %s", got, b)
	}
	if got := votedIn(anonPage); len(got) != 0 {
		t.Errorf("the anonymous page marks %v as voted", got)
	}
	if bellCount(annPage) != "3" || bellCount(bobPage) != "" || !strings.Contains(bobPage, ">bob</span>") || strings.Contains(bobPage, ">ann</span>") {
		t.Errorf("headers: ann's bell %q, bob's %q (bob's chip present: %v)", bellCount(annPage), bellCount(bobPage), strings.Contains(bobPage, ">bob</span>"))
	}
	_, modPage := do(t, mod, "GET", shared.srv.URL+"/?sort=new", nil)
	if !strings.Contains(modPage, `href="/staff/moderation"`) || strings.Contains(bobPage, `href="/staff/moderation"`) || strings.Contains(anonPage, `href="/staff/moderation"`) {
		t.Error("the moderation link must show for the moderator only")
	}

	// And the rows really are shared: a change behind the app's back stays
	// unseen by members too while the page is fresh; a write through the
	// app forgets it.
	shared.db.Exec(`UPDATE ideas SET title = 'Renamed behind the app' WHERE id = ?`, bobs.ID)
	if _, body := do(t, bob, "GET", shared.srv.URL+"/?sort=new", nil); !strings.Contains(body, "bob&#39;s narwhal") {
		t.Error("the member's page was not made from the shared page")
	}
	shared.postIdea(t, ann, "Shared rows: a write forgets the page")
	if _, body := do(t, bob, "GET", shared.srv.URL+"/?sort=new", nil); !strings.Contains(body, "Renamed behind the app") {
		t.Error("a write through the app did not forget the shared page for members")
	}
}

// firstDifference shows where two pages part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("shared: …%s…\nown:    …%s…", a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}

// A member's vote shows on their next home page at once, on whichever
// replica serves it, although that replica's shared page was rendered
// before the vote (a write through another replica does not forget it):
// the marks are read per request. Taking the vote back shows at once too.
func TestMemberSeesTheirVoteAtOnceOnTheSharedHomePage(t *testing.T) {
	dsn := testdb.URL(t)
	a := newTestAppOn(t, dsn, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	b := newTestAppOn(t, dsn, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	if err := a.db.Exec(relaxedLimits).Error; err != nil {
		t.Fatal(err)
	}
	author, _ := a.signIn(t, "author@example.com")
	idea := a.postIdea(t, author, "Vote marks are never shared")
	ann, _ := a.signIn(t, "ann@example.com")
	id := fmt.Sprint(idea.ID)
	for _, on := range []bool{true, false, true} {
		for _, r := range []*testApp{a, b} {
			do(t, r.client(), "GET", r.srv.URL+"/?sort=new", nil) // each replica shares the page from before the vote
		}
		res, _ := a.form(t, ann, "/ideas/"+id+"/vote", url.Values{"on": {fmt.Sprint(on)}, "back": {"/?sort=new"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?sort=new" {
			t.Fatalf("vote form = %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		for _, r := range []*testApp{a, b} {
			_, body := do(t, ann, "GET", r.srv.URL+"/?sort=new", nil)
			if got := votedIn(body)[id]; got != on {
				t.Errorf("%s: after voting %v the home page shows voted = %v", r.srv.URL, on, got)
			}
		}
	}
}

// Members whose list is not everyone's get their own page: a product
// manager's CRM tabs and filters, a search that includes the member's own
// unlisted ideas.
func TestHomeNotSharedWhereTheListIsTheViewers(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	ann, _ := app.signIn(t, "ann@example.com")
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	idea := app.postIdea(t, ann, "Pending zebra idea of ann")
	app.db.Exec(`UPDATE ideas SET moderation = 'pending' WHERE id = ?`, idea.ID)
	anon := app.client()
	for _, path := range []string{"/?sort=new", "/?sort=new&q=zebra"} {
		do(t, anon, "GET", app.srv.URL+path, nil) // fills the shared page
		if _, body := do(t, pm, "GET", app.srv.URL+path, nil); !strings.Contains(body, "ARR at stake") {
			t.Errorf("%s: the product manager got the shared page (no CRM tabs)", path)
		}
	}
	if _, body := do(t, ann, "GET", app.srv.URL+"/?sort=new&q=zebra", nil); !strings.Contains(body, "Pending zebra idea") {
		t.Error("a member's search got the shared page (their own pending idea is missing)")
	}
}

// statements counts the SQL statements the app sends from now on (GORM's
// and those sent on a connection directly).
func statements(t *testing.T, app *testApp) *atomic.Int64 {
	t.Helper()
	app.queries.n.Store(0)
	return &app.queries.n
}

// A member's home page served from the shared page costs two statements:
// the session with its user and the bell's count, and the page's vote
// marks — not the list, its count, the categories or a second count.
func TestMemberHomePageStatements(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	ann, annU := app.signIn(t, "ann@example.com")
	for i := range 3 {
		app.postIdea(t, ann, fmt.Sprintf("Counted statements idea %d", i))
	}
	addNotifications(t, app, annU, 2)
	do(t, ann, "GET", app.srv.URL+"/?sort=top", nil) // renders the shared page
	n := statements(t, app)
	res, body := do(t, ann, "GET", app.srv.URL+"/?sort=top", nil)
	if res.StatusCode != http.StatusOK || len(votedIn(body)) != 3 || bellCount(body) != "2" {
		t.Fatalf("home = %d, voted %v, bell %q", res.StatusCode, votedIn(body), bellCount(body))
	}
	if got := n.Load(); got != 2 {
		t.Errorf("a member's home page ran %d statements, want 2", got)
	}
}
