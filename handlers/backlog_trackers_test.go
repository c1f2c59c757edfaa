package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/github"
	"github.com/crowdwise/crowdwise/integrations/github/githubtest"
	"github.com/crowdwise/crowdwise/integrations/linear"
	"github.com/crowdwise/crowdwise/integrations/linear/lineartest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// promoteAndCreate promotes an idea to provider through the API and runs
// the create job; it returns the linked item.
func (a *testApp) promoteAndCreate(t *testing.T, pm *http.Client, trackers models.Trackers, ideaID int64, provider string) apiBacklogItem {
	t.Helper()
	res, body := a.api(t, pm, "POST", "/api/v1/ideas/"+itoa(ideaID)+"/backlog", `{"provider":"`+provider+`"}`)
	if res.StatusCode != http.StatusCreated || decode[apiBacklogItem](t, body).State != "creating" {
		t.Fatalf("promote to %s = %d %s", provider, res.StatusCode, body)
	}
	if _, err := models.RunDueJobs(context.Background(), a.db, models.JobConfig{Backlog: models.BacklogConfig{Trackers: trackers}}); err != nil {
		t.Fatal(err)
	}
	_, body = a.api(t, pm, "GET", "/api/v1/ideas/"+itoa(ideaID)+"/backlog/"+provider, "")
	item := decode[apiBacklogItem](t, body)
	if item.State != "linked" || item.Key == "" {
		t.Fatalf("after the create job %s item = %s", provider, body)
	}
	return item
}

func TestLinearWebhookStaleIgnoredAndApplied(t *testing.T) {
	const secret = "linear-secret"
	fake := lineartest.Start(t, "lin_api_key", "team-1", secret)
	client := linear.New(linear.Config{APIKey: "lin_api_key", TeamID: "team-1", APIURL: fake.URL, WebhookSecret: secret},
		outbound.New(outbound.Policy{AllowPrivate: true}))
	trackers := models.Trackers{models.ProviderLinear: client}
	app := newTestApp(t, func(o *Options) {
		o.Trackers = trackers
		o.TrackerWebhooks = map[string]TrackerWebhook{models.ProviderLinear: {Secret: secret, Verify: linear.VerifyAndParse,
			DeliveryHeader: linear.HeaderDelivery}}
	})
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Keyboard shortcuts")
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	item := app.promoteAndCreate(t, pm, trackers, idea.ID, models.ProviderLinear)
	if !strings.HasPrefix(item.Key, "ENG-") {
		t.Fatalf("Linear key = %q", item.Key)
	}
	fake.SetState(item.Key, "Done", "completed")

	// Signed two minutes ago: stale, 400, nothing changes.
	real := fake.Now
	fake.Now = func() time.Time { return real().Add(-2 * time.Minute) }
	h, body, _ := fake.Webhook("Issue", "update", item.Key)
	fake.Now = real
	if res, b := app.postWebhook(t, "/webhooks/linear", h, body); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("stale = %d %s, want 400", res.StatusCode, b)
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusPlanned {
		t.Fatalf("a stale webhook moved the idea to %s", s)
	}
	// Another kind of entity: 200, ignored.
	h, body, _ = fake.Webhook("Comment", "create", item.Key)
	if res, b := app.postWebhook(t, "/webhooks/linear", h, body); res.StatusCode != http.StatusOK || !strings.Contains(b, "ignored") {
		t.Fatalf("comment event = %d %s", res.StatusCode, b)
	}
	h, body, _ = fake.Webhook("Issue", "update", item.Key)
	if res, b := app.postWebhook(t, "/webhooks/linear", h, body); res.StatusCode != http.StatusOK || !strings.Contains(b, "applied") {
		t.Fatalf("fresh webhook = %d %s", res.StatusCode, b)
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusShipped {
		t.Fatalf("status = %s, want shipped", s)
	}
}

func TestGitHubWebhookClosedCompletedShipsAndReopenedPlans(t *testing.T) {
	const secret = "github-secret"
	fake := githubtest.Start(t, "acme/app", "ghp_token", secret)
	client := github.New(github.Config{Repo: "acme/app", Token: "ghp_token", APIURL: fake.URL, WebhookSecret: secret},
		outbound.New(outbound.Policy{AllowPrivate: true}))
	trackers := models.Trackers{models.ProviderGitHub: client}
	app := newTestApp(t, func(o *Options) {
		o.Trackers = trackers
		o.TrackerWebhooks = map[string]TrackerWebhook{models.ProviderGitHub: {Secret: secret, Verify: github.VerifyAndParse,
			DeliveryHeader: github.HeaderDelivery}}
	})
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Keyboard shortcuts")
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	item := app.promoteAndCreate(t, pm, trackers, idea.ID, models.ProviderGitHub)
	if item.Key != "acme/app#1" {
		t.Fatalf("GitHub key = %q", item.Key)
	}
	fake.SetState(1, "closed", "completed")
	h, body, _ := fake.Webhook("issues", "closed", 1)
	if res, b := app.postWebhook(t, "/webhooks/github", h, body); res.StatusCode != http.StatusOK || !strings.Contains(b, "applied") {
		t.Fatalf("closed = %d %s", res.StatusCode, b)
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusShipped {
		t.Fatalf("status = %s, want shipped", s)
	}
	fake.SetState(1, "open", "reopened")
	h, body, _ = fake.Webhook("issues", "reopened", 1)
	if res, b := app.postWebhook(t, "/webhooks/github", h, body); res.StatusCode != http.StatusOK {
		t.Fatalf("reopened = %d %s", res.StatusCode, b)
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusPlanned {
		t.Fatalf("status after reopen = %s, want planned", s)
	}
	// A ping (another event) with a valid signature changes nothing.
	h.Set("X-GitHub-Event", "ping")
	if res, b := app.postWebhook(t, "/webhooks/github", h, body); res.StatusCode != http.StatusOK || !strings.Contains(b, "ignored") {
		t.Fatalf("ping = %d %s", res.StatusCode, b)
	}
}
