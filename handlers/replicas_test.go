package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/mail"
	"github.com/crowdwise/crowdwise/integrations/mail/mailtest"
	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// Three app replicas on one database, as behind a load balancer: each is
// its own handlers.New with its own connection pool and caches, in one test
// process (what a replica shares with another is only the database and
// SESSION_SECRET, which is exactly what these have in common). A browser's
// cookie jar sends the same cookies to all three (127.0.0.1, any port), as
// it would to one host name in front of them. They agree on sessions,
// CSRF tokens, rate limits, jobs (each worked exactly once), the similar
// ideas they show, and the anonymous page within its TTL.
func TestThreeReplicasOnOneDatabaseAgree(t *testing.T) {
	dsn := testdb.URL(t)
	var apps [3]*testApp
	for i := range apps {
		apps[i] = newTestAppOn(t, dsn, func(o *Options) { o.AnonymousPageTTL = time.Minute })
	}
	a, b, c := apps[0], apps[1], apps[2]
	if err := a.db.Exec(relaxedLimits).Error; err != nil {
		t.Fatal(err)
	}

	// Sessions: signed in through A, known to B and C.
	ann, _ := a.signIn(t, "ann@example.com")
	bob, _ := b.signIn(t, "bob@example.com")
	mod, _ := c.signInAs(t, "mod@example.com", models.RoleModerator)
	_, onA := do(t, ann, "GET", a.srv.URL+"/api/v1/me", nil)
	for _, r := range apps {
		if _, body := do(t, ann, "GET", r.srv.URL+"/api/v1/me", nil); !strings.Contains(body, `"name":"ann"`) || body != onA {
			t.Errorf("%s does not know ann's session (or gives another token): %s", r.srv.URL, body)
		}
	}
	// CSRF: a token from A's page is good on C.
	original := a.postIdea(t, ann, "Dark mode for the reporting dashboard")
	duplicate := a.postIdea(t, bob, "Dark mode please")
	ideaPath, _ := url.Parse(original.URL)
	_, page := do(t, ann, "GET", a.srv.URL+ideaPath.Path, nil)
	tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatal("no form token on the idea page")
	}
	res, _ := do(t, ann, "POST", c.srv.URL+fmt.Sprintf("/ideas/%d/comments", original.ID),
		strings.NewReader(url.Values{"_csrf": {tok[1]}, "body": {"Posted through C with A's token"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("C refused A's token: %d", res.StatusCode)
	}

	// Similar ideas: cached by B, and still B drops one hidden through C.
	if list := b.similarOn(t, bob, original); !strings.Contains(list, duplicate.Title) {
		t.Fatalf("B does not list the duplicate:\n%s", list)
	}
	if res, body := c.api(t, mod, "POST", fmt.Sprintf("/api/v1/ideas/%d/hide", duplicate.ID), `{"reason":"duplicate"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("hide through C = %d %s", res.StatusCode, body)
	}
	for _, r := range apps {
		if list := r.similarOn(t, bob, original); strings.Contains(list, duplicate.Title) {
			t.Errorf("%s still lists the idea hidden through C", r.srv.URL)
		}
	}

	// The anonymous page: B shares its copy for at most the TTL, even
	// after a write through A (which forgets only A's copy).
	visitor := a.client()
	if _, body := do(t, visitor, "GET", b.srv.URL+"/?sort=new", nil); strings.Contains(body, "Posted after B cached") {
		t.Fatal("impossible")
	}
	fresh := a.postIdea(t, ann, "Posted after B cached the list")
	if _, body := do(t, visitor, "GET", a.srv.URL+"/?sort=new", nil); !strings.Contains(body, fresh.Title) {
		t.Error("A does not show the idea just posted through it")
	}
	if _, body := do(t, visitor, "GET", b.srv.URL+"/?sort=new", nil); strings.Contains(body, fresh.Title) {
		t.Error("B's shared page is not shared (expected its copy within the TTL)")
	}
	b.h.anonPages.now = func() time.Time { return time.Now().Add(time.Minute) }
	if _, body := do(t, visitor, "GET", b.srv.URL+"/?sort=new", nil); !strings.Contains(body, fresh.Title) {
		t.Error("B still shows its copy after the TTL")
	}

	// Jobs: replies queue emails; three workers, one per replica, drain
	// the queue together and every email goes out exactly once.
	opts := testOptions()
	drain := func(sender mail.Sender) {
		cfg := models.JobConfig{Mail: models.MailConfig{Sender: sender, From: "ideas@example.com", BaseURL: opts.BaseURL.String(), Secret: opts.SessionSecret}}
		var wg sync.WaitGroup
		for _, r := range apps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := models.RunDueJobs(context.Background(), r.db, cfg); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	comment := a.postComment(t, ann, original.ID, "Which dashboards?")
	before := mailtest.Start(t, mailtest.Options{})
	earlier, _ := mail.ParseURL(before.URL)
	drain(earlier) // what the steps above queued
	const replies = 6
	for i := range replies {
		r := apps[i%3]
		if res, body := r.api(t, bob, "POST", fmt.Sprintf("/api/v1/ideas/%d/comments", original.ID),
			fmt.Sprintf(`{"body":"Reply %d","parent_id":%d}`, i, comment.ID)); res.StatusCode != http.StatusCreated {
			t.Fatalf("reply %d through %s = %d %s", i, r.srv.URL, res.StatusCode, body)
		}
	}
	srv := mailtest.Start(t, mailtest.Options{})
	sender, _ := mail.ParseURL(srv.URL)
	drain(sender)
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[mailtest.Parse(t, m.Data).HTML]++
	}
	if len(srv.Messages()) != replies || len(seen) != replies {
		t.Errorf("%d emails (%d distinct) for %d replies, want each once", len(srv.Messages()), len(seen), replies)
	}

	// Rate limits: counted in the database, so the limit holds across
	// replicas: the fourth change in a minute is refused wherever it lands.
	a.db.Exec(`DELETE FROM rate_keys`)
	a.limits(t, "per_ip_actions_per_minute = 3")
	for i := range 4 {
		r := apps[i%3]
		res, _ := r.api(t, bob, "PUT", fmt.Sprintf("/api/v1/ideas/%d/follow", original.ID), "")
		if want := i < 3; (res.StatusCode == http.StatusOK) != want || (!want && res.StatusCode != http.StatusTooManyRequests) {
			t.Errorf("change %d through %s = %d", i+1, r.srv.URL, res.StatusCode)
		}
	}
}
