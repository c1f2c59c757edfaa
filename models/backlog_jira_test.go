package models_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/jira"
	"github.com/crowdwise/crowdwise/integrations/jira/jiratest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
	"github.com/crowdwise/crowdwise/models"
)

const jiraSecret = "jira-webhook-secret"

// withJira starts the Jira fake and configures the jobs with a client of it.
func withJira(t *testing.T, e *backlogEnv) (*jiratest.Server, tracker.Tracker) {
	t.Helper()
	fake := jiratest.Start(t, "pm@example.com", "api-token", jiraSecret)
	c := jira.New(jira.Config{URL: fake.URL, Email: "pm@example.com", APIToken: "api-token", ProjectKey: "PROJ",
		WebhookSecret: jiraSecret}, outbound.New(outbound.Policy{AllowPrivate: true}))
	e.cfg.Backlog.Trackers = models.Trackers{models.ProviderJira: c}
	return fake, c
}

func (e *backlogEnv) item(t *testing.T, provider string) *models.BacklogItem {
	t.Helper()
	it, err := models.BacklogItemOf(ctx, e.db, e.pm, e.idea.ID, provider)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (e *backlogEnv) webhook(t *testing.T, fake *jiratest.Server, event, key string) (tracker.Event, string) {
	t.Helper()
	h, body, ok := fake.Webhook(event, key)
	if !ok {
		t.Fatalf("fake has no issue %s", key)
	}
	ev, err := jira.VerifyAndParse(h, body, jiraSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out, err := models.ApplyWebhook(ctx, e.db, models.ProviderJira, ev)
	if err != nil {
		t.Fatal(err)
	}
	return ev, out
}

func TestJiraPromoteCreatesOneIssueThenWebhookShipsIdea(t *testing.T) {
	e := newBacklogEnv(t)
	fake, _ := withJira(t, e)
	item, err := models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderJira})
	if err != nil {
		t.Fatal(err)
	}
	if item.State != models.ItemCreating {
		t.Fatalf("state = %s, want creating until the job ran", item.State)
	}
	e.run(t)
	e.run(t) // nothing left: no second create
	if n := fake.Count("POST", "/rest/api/3/issue"); n != 1 {
		t.Fatalf("Jira received %d creates, want 1", n)
	}
	got := e.item(t, models.ProviderJira)
	if got.State != models.ItemLinked || got.Key != "PROJ-1" || got.URL != fake.URL+"/browse/PROJ-1" {
		t.Fatalf("item = %+v", got)
	}
	is, _ := fake.Issue("PROJ-1")
	if is.Summary != "Export to CSV" {
		t.Errorf("issue summary = %q", is.Summary)
	}

	fake.SetStatus("PROJ-1", "Done", "done")
	ev, out := e.webhook(t, fake, "jira:issue_updated", "PROJ-1")
	if out != models.HookApplied {
		t.Fatalf("outcome = %s, want applied", out)
	}
	if s := e.status(t); s != models.StatusShipped {
		t.Fatalf("status = %s, want shipped", s)
	}
	if step := lastStep(t, e.db, e.idea.ID); step.Source != "Jira PROJ-1 moved to Done" {
		t.Fatalf("timeline source = %q", step.Source)
	}
	// The same delivery again is a replay and changes nothing.
	if again, err := models.ApplyWebhook(ctx, e.db, models.ProviderJira, ev); err != nil || again != models.HookReplayed {
		t.Fatalf("replay = %s, %v", again, err)
	}
	e.run(t)
	for _, v := range e.voters {
		if n := e.shippedMails(t)[*v.Email]; n != 1 {
			t.Errorf("%s got %d shipped emails, want 1", *v.Email, n)
		}
	}
	// An issue no idea is linked to changes nothing.
	other := fake.Add(jiratest.Issue{Summary: "Unrelated"})
	if _, out := e.webhook(t, fake, "jira:issue_updated", other.Key); out != models.HookUnknownIssue {
		t.Fatalf("unknown issue outcome = %s", out)
	}
}

// crashAfterCreate dies (panics) once right after the tracker made the
// issue, before the job's transaction commits: as if the process died
// between the tracker's answer and our commit.
type crashAfterCreate struct {
	tracker.Tracker
	crashed atomic.Bool
}

func (c *crashAfterCreate) Create(ctx context.Context, in tracker.CreateInput) (tracker.Item, error) {
	it, err := c.Tracker.Create(ctx, in)
	if err == nil && c.crashed.CompareAndSwap(false, true) {
		panic("process died after the tracker answered")
	}
	return it, err
}

func TestJiraCreateAfterCrashAdoptsTheIssueByMarker(t *testing.T) {
	e := newBacklogEnv(t)
	fake, c := withJira(t, e)
	crash := &crashAfterCreate{Tracker: c}
	e.cfg.Backlog.Trackers = models.Trackers{models.ProviderJira: crash}
	if _, err := models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderJira}); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if !crash.crashed.Load() {
		t.Fatal("the job never reached Create")
	}
	if got := e.item(t, models.ProviderJira); got.State != models.ItemCreating || got.Key != "" {
		t.Fatalf("after the crash item = %+v; the rolled-back job must leave it creating", got)
	}
	e.retryNow(t)
	e.run(t)
	if n := len(fake.Issues()); n != 1 {
		t.Fatalf("Jira holds %d issues after the retry, want 1", n)
	}
	if n := fake.Count("POST", "/rest/api/3/issue"); n != 1 {
		t.Fatalf("Jira received %d creates, want 1 (the retry adopts)", n)
	}
	if got := e.item(t, models.ProviderJira); got.State != models.ItemLinked || got.Key != "PROJ-1" {
		t.Fatalf("after the retry item = %+v", got)
	}
}

func TestJiraCreateWithThreeProcessesMakesOneIssuePerIdea(t *testing.T) {
	e := newBacklogEnv(t)
	fake, _ := withJira(t, e)
	ideas := []int64{e.idea.ID}
	for _, title := range []string{"Dark mode", "SSO with Okta", "Audit export", "Bulk edit"} {
		ideas = append(ideas, newIdea(t, e.db, e.author, title).ID)
	}
	// Promotions race each other too: the same idea promoted twice at once
	// makes one item.
	var wg sync.WaitGroup
	for _, id := range append(ideas, ideas...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, id, models.PromoteInput{Provider: models.ProviderJira})
		}()
	}
	wg.Wait()
	cfg := e.cfg
	cfg.Poll = 10 * time.Millisecond
	for range 3 {
		q, err := models.NewQueue(e.db, cfg, models.QueueOptions{Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			q.Stop(stop)
		})
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var creating int64
		e.db.Raw(`SELECT count(*) FROM backlog_items WHERE state = 'creating'`).Scan(&creating)
		if creating == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d items still creating", creating)
		}
		time.Sleep(20 * time.Millisecond) // polling for a condition, not timing
	}
	var items int64
	e.db.Raw(`SELECT count(*) FROM backlog_items WHERE state = 'linked' AND provider = 'jira'`).Scan(&items)
	if items != int64(len(ideas)) {
		t.Fatalf("%d linked items, want %d", items, len(ideas))
	}
	perIdea := map[string]int{}
	for _, is := range fake.Issues() {
		for _, l := range is.Labels {
			perIdea[l]++
		}
	}
	for _, id := range ideas {
		if n := perIdea[tracker.Label(id)]; n != 1 {
			t.Errorf("idea %d has %d Jira issues, want 1", id, n)
		}
	}
}

func TestPollingPicksUpAChangeNoWebhookAnnounced(t *testing.T) {
	e := newBacklogEnv(t)
	fake, _ := withJira(t, e)
	existing := fake.Add(jiratest.Issue{Summary: "Already planned"})
	item, err := models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, e.idea.ID,
		models.PromoteInput{Provider: models.ProviderJira, KeyOrURL: fake.URL + "/browse/" + existing.Key})
	if err != nil {
		t.Fatal(err)
	}
	if item.State != models.ItemLinked || item.Key != existing.Key {
		t.Fatalf("linked item = %+v", item)
	}
	fake.SetStatus(existing.Key, "In Progress", "indeterminate")
	if err := models.PollBacklog(ctx, e.db); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if s := e.status(t); s != models.StatusInProgress {
		t.Fatalf("status after poll = %s, want in_progress", s)
	}
	if got := e.item(t, models.ProviderJira); got.Status != "In Progress" || got.LastSyncedAt == nil {
		t.Fatalf("item after poll = %+v", got)
	}
	// Linking a key that does not exist is said at the key field.
	other := newIdea(t, e.db, e.author, "Something else")
	_, err = models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, other.ID, models.PromoteInput{Provider: models.ProviderJira, KeyOrURL: "PROJ-999"})
	if ve, ok := err.(*models.ValidationError); !ok || ve.Fields["key"] == "" {
		t.Fatalf("linking a missing issue: %v", err)
	}
	// The same issue cannot back two ideas.
	_, err = models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, other.ID, models.PromoteInput{Provider: models.ProviderJira, KeyOrURL: existing.Key})
	if err == nil {
		t.Fatal("linked one issue to two ideas")
	}
}

func TestCreateJobFailsVisiblyWhenItsIssueWasLinkedElsewhere(t *testing.T) {
	e := newBacklogEnv(t)
	fake, c := withJira(t, e)
	crash := &crashAfterCreate{Tracker: c}
	e.cfg.Backlog.Trackers = models.Trackers{models.ProviderJira: crash}
	if _, err := models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderJira}); err != nil {
		t.Fatal(err)
	}
	e.run(t) // the issue exists in Jira; our commit never happened
	other := newIdea(t, e.db, e.author, "Spreadsheet export")
	if _, err := models.Promote(ctx, e.db, e.cfg.Backlog.Trackers, e.pm, other.ID, models.PromoteInput{Provider: models.ProviderJira, KeyOrURL: "PROJ-1"}); err != nil {
		t.Fatal(err)
	}
	e.retryNow(t)
	e.run(t)
	got := e.item(t, models.ProviderJira)
	if got.State != models.ItemFailed || !strings.Contains(got.LastError, "already linked") {
		t.Fatalf("item = %+v; want failed, saying the issue is linked to another idea", got)
	}
	if n := len(fake.Issues()); n != 1 {
		t.Fatalf("Jira holds %d issues, want 1", n)
	}
}
