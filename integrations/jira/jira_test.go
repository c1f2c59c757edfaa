package jira_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/jira"
	"github.com/crowdwise/crowdwise/integrations/jira/jiratest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
	"github.com/crowdwise/crowdwise/integrations/tracker/trackertest"
)

const secret = "jira-webhook-secret"

func setup(t *testing.T) (*jiratest.Server, *jira.Client) {
	t.Helper()
	fake := jiratest.Start(t, "pm@example.com", "api-token", secret)
	return fake, clientFor(fake.URL, "pm@example.com", "api-token")
}

func clientFor(url, email, token string) *jira.Client {
	cfg := jira.Config{URL: url, Email: email, APIToken: token, ProjectKey: "PROJ", WebhookSecret: secret}
	// The fake listens on loopback, which only an AllowPrivate policy reaches.
	return jira.New(cfg, outbound.New(outbound.Policy{AllowPrivate: true}))
}

var input = tracker.CreateInput{
	IdeaID: 42, Title: "Export to CSV", Description: "Let us export.\n\nAll of it.",
	IdeaURL: "https://ideas.example.com/ideas/42", Votes: 17, ARRAtStake: "$120,000",
	TopAccounts: []string{"Acme", "Globex"},
}

func TestCreateThenFindByMarkerAdoptsTheSameIssue(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()

	if got, err := c.FindByMarker(ctx, 42); err != nil || got != nil {
		t.Fatalf("before create: FindByMarker = %v, %v; want nil, nil", got, err)
	}
	it, err := c.Create(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	if n := fake.Count("POST", "/rest/api/3/issue"); n != 1 {
		t.Fatalf("fake received %d creates, want 1", n)
	}
	want := tracker.Item{ExternalID: it.ExternalID, Key: "PROJ-1", URL: fake.URL + "/browse/PROJ-1", Status: "To Do", Category: "backlog"}
	if it != want || it.ExternalID == "" {
		t.Fatalf("Create = %+v, want %+v", it, want)
	}
	is, _ := fake.Issue("PROJ-1")
	if is.Summary != "Export to CSV" || is.IssueType != "Story" || strings.Join(is.Labels, ",") != "crowdwise,crowdwise-idea-42" {
		t.Errorf("stored issue = %+v", is)
	}
	doc := string(is.Description)
	for _, s := range []string{`"text":"crowdwise-idea: 42"`, `"href":"https://ideas.example.com/ideas/42"`, `Votes: 17 · ARR at stake: $120,000`, `Top accounts: Acme, Globex`, `"text":"All of it."`} {
		if !strings.Contains(doc, s) {
			t.Errorf("description lacks %s: %s", s, doc)
		}
	}

	// A process that died after Jira's answer starts over with a new client.
	again := clientFor(fake.URL, "pm@example.com", "api-token")
	found, err := again.FindByMarker(ctx, 42)
	if err != nil || found == nil || *found != it {
		t.Fatalf("FindByMarker = %+v, %v; want %+v", found, err, it)
	}
	if other, err := again.FindByMarker(ctx, 4); err != nil || other != nil {
		t.Errorf("FindByMarker(4) = %+v, %v; want nothing (42's label is not 4's)", other, err)
	}
	if n := fake.Count("POST", "/rest/api/3/issue"); n != 1 {
		t.Errorf("fake received %d creates, want still 1", n)
	}
}

func TestGetByKeyOrLinkFollowsStatus(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	is := fake.Add(jiratest.Issue{Summary: "Existing"})
	for _, ref := range []string{is.Key, strings.ToLower(is.Key), fake.URL + "/browse/" + is.Key, fake.URL + "/jira/software/projects/PROJ/boards/1?selectedIssue=" + is.Key} {
		it, err := c.Get(ctx, ref)
		if err != nil || it.Key != is.Key || it.Category != "backlog" {
			t.Errorf("Get(%q) = %+v, %v", ref, it, err)
		}
	}
	fake.SetStatus(is.Key, "Won't Do", "done")
	if it, err := c.Get(ctx, is.Key); err != nil || it.Status != "Won't Do" || it.Category != "wont_do" {
		t.Errorf("after Won't Do: %+v, %v", it, err)
	}
	if _, err := c.Get(ctx, "PROJ-999"); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

func TestCategory(t *testing.T) {
	for _, tc := range []struct{ name, key, want string }{
		{"To Do", "new", "backlog"},
		{"Backlog", "new", "backlog"},
		{"Triage", "undefined", "backlog"},
		{"In Progress", "indeterminate", "in_progress"},
		{"In Review", "indeterminate", "in_progress"},
		{"Done", "done", "done"},
		{"Released", "done", "done"},
		{"Won't Do", "done", "wont_do"},
		{"Won't do", "done", "wont_do"},
		{"WONT DO", "done", "wont_do"},
		{"Won’t Do", "done", "wont_do"},
		{"Declined", "done", "wont_do"},
		{"Won't Do", "indeterminate", "in_progress"}, // the category decides first
	} {
		if got := jira.Category(tc.name, tc.key); got != tc.want {
			t.Errorf("Category(%q, %q) = %q, want %q", tc.name, tc.key, got, tc.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	_, c := setup(t)
	for in, want := range map[string]string{
		"PROJ-12": "PROJ-12", " proj-12 ": "PROJ-12", "https://" + "x/browse/PROJ-1": "",
		"PROJ": "", "PROJ-0": "", "12": "", "": "", "PROJ-12; DROP": "",
	} {
		got, err := c.ParseKey(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseKey(%q) = %q, %v; want %q", in, got, err, want)
		}
		var ik *tracker.InvalidKeyError
		if err != nil && !errors.As(err, &ik) {
			t.Errorf("ParseKey(%q) error %T, want *tracker.InvalidKeyError", in, err)
		}
	}
}

func TestAPIErrorsAreTyped(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()

	fake.FailNext(1, trackertest.Failure{Status: 401})
	if _, err := c.Create(ctx, input); !errors.Is(err, tracker.ErrUnauthorized) {
		t.Errorf("401: %v, want ErrUnauthorized", err)
	}
	if _, err := clientFor(fake.URL, "pm@example.com", "wrong").Get(ctx, "PROJ-1"); !errors.Is(err, tracker.ErrUnauthorized) {
		t.Errorf("wrong token: %v, want ErrUnauthorized", err)
	}
	fake.FailNext(1, trackertest.Failure{Status: 429, RetryAfter: 7 * time.Second})
	var rl *tracker.RateLimitedError
	if _, err := c.FindByMarker(ctx, 1); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: %v, want RateLimitedError{7s}", err)
	}
	fake.FailNext(1, trackertest.Failure{Status: 503})
	var tmp *tracker.TemporaryError
	if _, err := c.Create(ctx, input); !errors.As(err, &tmp) || tmp.Status != 503 {
		t.Errorf("503: %v, want TemporaryError", err)
	}
	fake.Project = "OTHER"
	var api *tracker.APIError
	if _, err := c.Create(ctx, input); !errors.As(err, &api) || api.Status != 400 || !strings.Contains(api.Message, "project: valid project is required") {
		t.Errorf("400: %v, want APIError naming the project", err)
	}
	if len(fake.Issues()) != 0 {
		t.Errorf("failed calls created %d issues", len(fake.Issues()))
	}
}

func TestOutboundPolicyRefusesLoopback(t *testing.T) {
	fake := jiratest.Start(t, "pm@example.com", "api-token", secret)
	cfg := jira.Config{URL: fake.URL, Email: "pm@example.com", APIToken: "api-token", ProjectKey: "PROJ"}
	c := jira.New(cfg, outbound.New(outbound.Policy{})) // production default: no private addresses
	_, err := c.Create(context.Background(), input)
	var re *outbound.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("Create = %v, want *outbound.RefusedError", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("fake received %d requests, want none", n)
	}
}

func TestWebhookVerification(t *testing.T) {
	fake, _ := setup(t)
	is := fake.Add(jiratest.Issue{Summary: "Hooked"})
	fake.SetStatus(is.Key, "Done", "done")
	now := time.Now()

	h, body, _ := fake.Webhook("jira:issue_updated", is.Key)
	ev, err := jira.VerifyAndParse(h, body, secret, now)
	want := tracker.Event{DeliveryID: h.Get("X-Atlassian-Webhook-Identifier"), ExternalID: is.ID, Key: is.Key,
		Item: tracker.Item{ExternalID: is.ID, Key: is.Key, URL: fake.URL + "/browse/" + is.Key, Status: "Done", Category: "done"}}
	if err != nil || ev != want || ev.DeliveryID == "" {
		t.Fatalf("VerifyAndParse = %+v, %v; want %+v", ev, err, want)
	}

	h, body, _ = fake.Webhook("jira:issue_deleted", is.Key)
	if ev, err := jira.VerifyAndParse(h, body, secret, now); err != nil || !ev.Deleted || ev.Key != is.Key {
		t.Errorf("deleted: %+v, %v", ev, err)
	}

	h, body, _ = fake.Webhook("comment_created", is.Key)
	if _, err := jira.VerifyAndParse(h, body, secret, now); !errors.Is(err, tracker.ErrIgnored) {
		t.Errorf("comment_created: %v, want ErrIgnored", err)
	}

	sig := func(h http.Header, v string) http.Header {
		h = h.Clone()
		if v == "" {
			h.Del("X-Hub-Signature")
		} else {
			h.Set("X-Hub-Signature", v)
		}
		return h
	}
	h, body, _ = fake.Webhook("jira:issue_updated", is.Key)
	tampered := []byte(strings.Replace(string(body), `"Done"`, `"Open"`, 1))
	garbage := []byte("{not json")
	for name, tc := range map[string]struct {
		h    http.Header
		body []byte
		sec  string
	}{
		"wrong secret":          {h, body, "other"},
		"empty secret":          {h, body, ""},
		"missing signature":     {sig(h, ""), body, secret},
		"no sha256= prefix":     {sig(h, tracker.Sign(secret, body)), body, secret},
		"not hex":               {sig(h, "sha256=zz"), body, secret},
		"tampered body":         {h, tampered, secret},
		"garbage body, bad sig": {h, garbage, secret},
		"garbage body, no sig":  {sig(h, ""), garbage, secret},
	} {
		if _, err := jira.VerifyAndParse(tc.h, tc.body, tc.sec, now); !errors.Is(err, tracker.ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
	if _, err := jira.VerifyAndParse(sig(h, "sha256="+tracker.Sign(secret, garbage)), garbage, secret, now); !errors.Is(err, tracker.ErrMalformed) {
		t.Errorf("signed garbage: %v, want ErrMalformed", err)
	}
	noID := h.Clone()
	noID.Del("X-Atlassian-Webhook-Identifier")
	if _, err := jira.VerifyAndParse(noID, body, secret, now); !errors.Is(err, tracker.ErrMalformed) {
		t.Errorf("no delivery id: %v, want ErrMalformed", err)
	}
	var payload map[string]any
	if json.Unmarshal(body, &payload) != nil || payload["webhookEvent"] != "jira:issue_updated" {
		t.Errorf("webhook body is not Jira's shape: %s", body)
	}
}
