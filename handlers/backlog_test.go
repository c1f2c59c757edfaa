package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/integrations/jira"
	"github.com/crowdwise/crowdwise/integrations/jira/jiratest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// promoteToBoard puts an idea on the built-in board as a product manager
// made for the purpose, and returns the card's id.
func (a *testApp) promoteToBoard(t *testing.T, ideaID int64) int64 {
	t.Helper()
	pm, err := models.DevSignIn(context.Background(), a.db, "board-pm@example.com", "Board PM", nil)
	if err != nil {
		t.Fatal(err)
	}
	pm.Role = models.RoleProductManager
	if err := a.db.Model(pm).Update("role", pm.Role).Error; err != nil {
		t.Fatal(err)
	}
	item, err := models.Promote(context.Background(), a.db, nil, pm, ideaID, models.PromoteInput{Provider: models.ProviderInternal})
	if err != nil {
		t.Fatal(err)
	}
	return item.ID
}

func (a *testApp) ideaStatus(t *testing.T, id int64) string {
	t.Helper()
	var s string
	if err := a.db.Raw(`SELECT status FROM ideas WHERE id = ?`, id).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBoardPromoteMoveAndWhoSeesWhat(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Export to CSV")
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)

	// A bad provider comes back on the form, the field marked, nothing saved.
	res, body := app.form(t, pm, "/ideas/"+itoa(idea.ID)+"/backlog", url.Values{"provider": {"trello"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="promote-provider"`) ||
		!strings.Contains(body, "select is-invalid") {
		t.Fatalf("bad provider = %d; want 422 with the field marked", res.StatusCode)
	}
	res, body = app.form(t, pm, "/ideas/"+itoa(idea.ID)+"/backlog", url.Values{"provider": {"internal"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote = %d %s", res.StatusCode, body)
	}
	res, body = app.api(t, pm, "GET", "/api/v1/ideas/"+itoa(idea.ID)+"/backlog/internal", "")
	item := decode[apiBacklogItem](t, body)
	if res.StatusCode != http.StatusOK || item.State != "linked" || item.Category != "backlog" {
		t.Fatalf("item = %d %+v", res.StatusCode, item)
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusPlanned {
		t.Fatalf("status after promotion = %s", s)
	}
	// The board shows the card with its votes and a move button per column.
	_, body = do(t, pm, "GET", app.srv.URL+"/staff/backlog", nil)
	if !strings.Contains(body, `id="item-`+itoa(item.ID)+`"`) || !strings.Contains(body, "Export to CSV") ||
		!strings.Contains(body, `name="column" value="done"`) {
		t.Fatalf("board misses the card or its move buttons")
	}
	res, _ = app.form(t, pm, "/staff/backlog/"+itoa(item.ID)+"/move", url.Values{"column": {"in_progress"}})
	if res.StatusCode != http.StatusSeeOther || app.ideaStatus(t, idea.ID) != models.StatusInProgress {
		t.Fatalf("form move = %d, status %s", res.StatusCode, app.ideaStatus(t, idea.ID))
	}
	for _, bad := range []string{`{"column":"shipped"}`, `{"column":""}`, `{}`, `not json`} {
		if res, body := app.api(t, pm, "PUT", "/api/v1/backlog/"+itoa(item.ID)+"/status", bad); res.StatusCode != http.StatusBadRequest &&
			res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("PUT status %s = %d %s; want 400/422", bad, res.StatusCode, body)
		}
	}
	for _, id := range []string{"0", "abc", "999999"} {
		if res, _ := app.api(t, pm, "PUT", "/api/v1/backlog/"+id+"/status", `{"column":"done"}`); res.StatusCode != http.StatusNotFound {
			t.Errorf("PUT /api/v1/backlog/%s/status = %d, want 404", id, res.StatusCode)
		}
	}
	res, body = app.api(t, pm, "PUT", "/api/v1/backlog/"+itoa(item.ID)+"/status", `{"column":"done"}`)
	if res.StatusCode != http.StatusOK || app.ideaStatus(t, idea.ID) != models.StatusShipped {
		t.Fatalf("API move = %d %s, status %s", res.StatusCode, body, app.ideaStatus(t, idea.ID))
	}
	// Staff see the item and the source; the public sees the category only.
	res, _ = do(t, pm, "GET", app.srv.URL+"/ideas/"+itoa(idea.ID), nil)
	loc := res.Header.Get("Location") // the canonical URL with its slug
	_, staffPage := do(t, pm, "GET", app.srv.URL+loc, nil)
	if !strings.Contains(staffPage, "Built-in board card moved to Done") || !strings.Contains(staffPage, `id="promote-form"`) {
		t.Errorf("staff idea page misses the timeline source or the promote form")
	}
	_, public := do(t, app.client(), "GET", app.srv.URL+loc, nil)
	if !strings.Contains(public, "In the backlog") || !strings.Contains(public, "Done") {
		t.Errorf("public idea page misses “In the backlog: Done”")
	}
	if strings.Contains(public, "/staff/backlog") || strings.Contains(public, "Built-in board") || strings.Contains(public, "promote-form") {
		t.Errorf("public idea page shows backlog internals")
	}
	// A member cannot move cards, through the API or the form.
	if res, _ := app.api(t, member, "PUT", "/api/v1/backlog/"+itoa(item.ID)+"/status", `{"column":"backlog"}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("member move = %d, want 403", res.StatusCode)
	}
}

const hookSecret = "jira-hook-secret"

// jiraApp is a test app with the Jira fake configured for promotion and
// inbound webhooks.
func jiraApp(t *testing.T) (*testApp, *jiratest.Server) {
	t.Helper()
	fake := jiratest.Start(t, "pm@example.com", "api-token", hookSecret)
	client := jira.New(jira.Config{URL: fake.URL, Email: "pm@example.com", APIToken: "api-token", ProjectKey: "PROJ",
		WebhookSecret: hookSecret}, outbound.New(outbound.Policy{AllowPrivate: true}))
	app := newTestApp(t, func(o *Options) {
		o.Trackers = models.Trackers{models.ProviderJira: client}
		o.TrackerWebhooks = map[string]TrackerWebhook{models.ProviderJira: {Secret: hookSecret, Verify: jira.VerifyAndParse,
			DeliveryHeader: jira.HeaderDelivery}}
	})
	return app, fake
}

func (a *testApp) postWebhook(t *testing.T, path string, h http.Header, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", a.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res, b.String()
}

func (a *testApp) hookLog(t *testing.T) []models.WebhookDelivery {
	t.Helper()
	var out []models.WebhookDelivery
	if err := a.db.Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func TestJiraWebhookSignatureReplayUnknownAndOversize(t *testing.T) {
	app, fake := jiraApp(t)
	member, _ := app.signIn(t, "member@example.com")
	idea := app.postIdea(t, member, "Export to CSV")
	pm, _ := app.signInAs(t, "pm@example.com", models.RoleProductManager)
	existing := fake.Add(jiratest.Issue{Summary: "CSV export"})
	res, body := app.api(t, pm, "POST", "/api/v1/ideas/"+itoa(idea.ID)+"/backlog", `{"provider":"jira","url":"`+fake.URL+`/browse/`+existing.Key+`"}`)
	item := decode[apiBacklogItem](t, body)
	if res.StatusCode != http.StatusCreated || item.Key != existing.Key || item.State != "linked" {
		t.Fatalf("link = %d %s", res.StatusCode, body)
	}
	fake.SetStatus(existing.Key, "Done", "done")
	h, hookBody, _ := fake.Webhook("jira:issue_updated", existing.Key)

	// Wrong or missing signature: 401, nothing changes.
	wrong := h.Clone()
	wrong.Set(jira.HeaderSignature, "sha256="+strings.Repeat("0", 64))
	missing := h.Clone()
	missing.Del(jira.HeaderSignature)
	tampered := bytes.Replace(hookBody, []byte(`"Done"`), []byte(`"Won't Do"`), 1)
	for name, c := range map[string]struct {
		h    http.Header
		body []byte
	}{"wrong": {wrong, hookBody}, "missing": {missing, hookBody}, "tampered body": {h, tampered}} {
		if res, body := app.postWebhook(t, "/webhooks/jira", c.h, c.body); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s signature = %d %s, want 401", name, res.StatusCode, body)
		}
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusPlanned {
		t.Fatalf("an unsigned webhook moved the idea to %s", s)
	}
	// Over 1 MB: 413 before anything is read as JSON.
	big := append(bytes.Repeat([]byte(" "), 1<<20), hookBody...)
	if res, _ := app.postWebhook(t, "/webhooks/jira", h, big); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize = %d, want 413", res.StatusCode)
	}
	// Signed: applied once; the same delivery again is 200 and no change.
	if res, body := app.postWebhook(t, "/webhooks/jira", h, hookBody); res.StatusCode != http.StatusOK || !strings.Contains(body, "applied") {
		t.Fatalf("signed webhook = %d %s", res.StatusCode, body)
	}
	if s := app.ideaStatus(t, idea.ID); s != models.StatusShipped {
		t.Fatalf("status = %s, want shipped", s)
	}
	var steps int64
	app.db.Raw(`SELECT count(*) FROM idea_status_changes WHERE idea_id = ?`, idea.ID).Scan(&steps)
	if res, body := app.postWebhook(t, "/webhooks/jira", h, hookBody); res.StatusCode != http.StatusOK || !strings.Contains(body, "replayed") {
		t.Fatalf("replay = %d %s", res.StatusCode, body)
	}
	var after int64
	app.db.Raw(`SELECT count(*) FROM idea_status_changes WHERE idea_id = ?`, idea.ID).Scan(&after)
	if after != steps {
		t.Fatalf("the replay added %d timeline steps", after-steps)
	}
	// An issue no idea is linked to: 202, no change.
	other := fake.Add(jiratest.Issue{Summary: "Unrelated"})
	oh, ob, _ := fake.Webhook("jira:issue_updated", other.Key)
	if res, body := app.postWebhook(t, "/webhooks/jira", oh, ob); res.StatusCode != http.StatusAccepted {
		t.Fatalf("unknown issue = %d %s, want 202", res.StatusCode, body)
	}
	// No session, no CSRF token needed; GitHub is not configured here.
	if res, _ := app.postWebhook(t, "/webhooks/github", http.Header{}, []byte(`{}`)); res.StatusCode != http.StatusNotFound {
		t.Errorf("unconfigured provider = %d, want 404", res.StatusCode)
	}
	var outcomes []string
	for _, d := range app.hookLog(t) {
		outcomes = append(outcomes, d.Outcome)
		if d.Outcome == models.HookBadSignature && (d.Verified || d.DeliveryID != nil) {
			t.Errorf("unverified delivery logged as verified or with its claimed id: %+v", d)
		}
	}
	want := "bad_signature,bad_signature,bad_signature,too_large,applied,replayed,unknown_issue"
	if got := strings.Join(outcomes, ","); got != want {
		t.Errorf("webhook log = %s, want %s", got, want)
	}
	// Staff read the log on /staff/integrations, in its own section.
	_, page := do(t, pm, "GET", app.srv.URL+"/staff/integrations", nil)
	section := page[strings.Index(page, `id="tracker-webhooks"`):]
	for _, o := range []string{"bad_signature", "too_large", "applied", "replayed", "unknown_issue", "not verified"} {
		if !strings.Contains(section, o) {
			t.Errorf("/staff/integrations tracker webhooks section misses %q", o)
		}
	}
}
