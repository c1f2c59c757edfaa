package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/github"
	"github.com/crowdwise/crowdwise/integrations/github/githubtest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
	"github.com/crowdwise/crowdwise/integrations/tracker/trackertest"
)

const (
	repo   = "acme/widgets"
	token  = "ghp_test"
	secret = "github-webhook-secret"
)

func setup(t *testing.T) (*githubtest.Server, *github.Client) {
	t.Helper()
	fake := githubtest.Start(t, repo, token, secret)
	return fake, clientFor(fake.URL, token)
}

func clientFor(apiURL, tok string) *github.Client {
	// The fake listens on loopback, which only an AllowPrivate policy reaches.
	return github.New(github.Config{Repo: repo, Token: tok, APIURL: apiURL}, outbound.New(outbound.Policy{AllowPrivate: true}))
}

var input = tracker.CreateInput{
	IdeaID: 42, Title: "Export to CSV", Description: "Let us export.",
	IdeaURL: "https://ideas.example.com/ideas/42", Votes: 17, ARRAtStake: "$120,000", TopAccounts: []string{"Acme"},
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
	want := tracker.Item{ExternalID: "1000001", Key: "acme/widgets#1", URL: "https://github.com/acme/widgets/issues/1", Status: "open", Category: "backlog"}
	if it != want {
		t.Fatalf("Create = %+v, want %+v", it, want)
	}
	if n := fake.Count("POST", "/repos/acme/widgets/issues"); n != 1 {
		t.Fatalf("fake received %d creates, want 1", n)
	}
	is, _ := fake.Issue(1)
	if is.Title != "Export to CSV" || strings.Join(is.Labels, ",") != "crowdwise,crowdwise-idea-42" ||
		!strings.HasSuffix(is.Body, "\n\ncrowdwise-idea: 42") || !strings.Contains(is.Body, "Idea: https://ideas.example.com/ideas/42") {
		t.Errorf("stored issue = %+v", is)
	}
	r := fake.Requests()[1]
	if r.Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
	}

	// Noise: other ideas' issues and a pull request with the same label.
	fake.Add(githubtest.Issue{Title: "other", Labels: []string{"crowdwise", "crowdwise-idea-4"}})
	fake.Add(githubtest.Issue{Title: "pr", Labels: []string{"crowdwise-idea-43"}, PullRequest: true})
	fake.SetState(1, "closed", "completed") // adoption finds closed issues too

	again := clientFor(fake.URL, token) // a new process after a crash
	found, err := again.FindByMarker(ctx, 42)
	if err != nil || found == nil || found.Key != it.Key || found.Category != "done" {
		t.Fatalf("FindByMarker = %+v, %v; want %s, done", found, err, it.Key)
	}
	if got, err := again.FindByMarker(ctx, 43); err != nil || got != nil {
		t.Errorf("FindByMarker(43) = %+v, %v; a pull request is not adopted", got, err)
	}
	if n := fake.Count("POST", "/repos/acme/widgets/issues"); n != 1 {
		t.Errorf("fake received %d creates, want still 1", n)
	}
}

func TestFindByMarkerFollowsPages(t *testing.T) {
	fake, c := setup(t)
	for range 6 { // pull requests fill the first page (5)
		fake.Add(githubtest.Issue{Title: "pr", Labels: []string{"crowdwise-idea-9"}, PullRequest: true})
	}
	fake.Add(githubtest.Issue{Title: "the one", Labels: []string{"crowdwise-idea-9"}})
	got, err := c.FindByMarker(context.Background(), 9)
	if err != nil || got == nil || got.Key != "acme/widgets#7" {
		t.Fatalf("FindByMarker = %+v, %v; want #7", got, err)
	}
	if n := fake.Count("GET", "/repos/acme/widgets/issues"); n != 2 {
		t.Errorf("listed %d pages, want 2", n)
	}
}

func TestGetByKeyOrLinkFollowsStatus(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	fake.Add(githubtest.Issue{Title: "Existing"})
	for _, ref := range []string{"acme/widgets#1", "ACME/Widgets#1", "#1", "1", "https://github.com/acme/widgets/issues/1"} {
		if it, err := c.Get(ctx, ref); err != nil || it.Key != "acme/widgets#1" || it.Category != "backlog" {
			t.Errorf("Get(%q) = %+v, %v", ref, it, err)
		}
	}
	fake.SetLabels(1, "bug", "In Progress")
	if it, _ := c.Get(ctx, "#1"); it.Category != "in_progress" {
		t.Errorf("labelled in progress: %+v", it)
	}
	fake.SetState(1, "closed", "not_planned")
	if it, _ := c.Get(ctx, "#1"); it.Category != "wont_do" || it.Status != "closed (not planned)" {
		t.Errorf("closed not planned: %+v", it)
	}
	if _, err := c.Get(ctx, "#99"); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("Get(#99) = %v, want ErrNotFound", err)
	}
	fake.Add(githubtest.Issue{Title: "pr", PullRequest: true})
	var ik *tracker.InvalidKeyError
	if _, err := c.Get(ctx, "#2"); !errors.As(err, &ik) {
		t.Errorf("Get(pull request) = %v, want InvalidKeyError", err)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		state, reason string
		labels        []string
		want          string
	}{
		{"open", "", nil, "backlog"},
		{"open", "reopened", nil, "backlog"},
		{"open", "", []string{"bug"}, "backlog"},
		{"open", "", []string{"in progress"}, "in_progress"},
		{"open", "reopened", []string{"In Progress"}, "in_progress"},
		{"closed", "completed", nil, "done"},
		{"closed", "", nil, "done"},
		{"closed", "completed", []string{"in progress"}, "done"},
		{"closed", "not_planned", nil, "wont_do"},
		{"closed", "duplicate", nil, "wont_do"},
	} {
		if _, got := github.Status(tc.state, tc.reason, tc.labels); got != tc.want {
			t.Errorf("Status(%q, %q, %v) = %q, want %q", tc.state, tc.reason, tc.labels, got, tc.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	_, c := setup(t)
	for in, want := range map[string]string{
		"acme/widgets#12": "acme/widgets#12", "#12": "acme/widgets#12", " 12 ": "acme/widgets#12",
		"https://github.com/acme/widgets/issues/12":  "acme/widgets#12",
		"https://github.com/acme/widgets/issues/12/": "acme/widgets#12",
		"other/repo#12": "", "https://github.com/other/repo/issues/12": "", "https://github.com/acme/widgets/pull/12": "",
		"#0": "", "": "", "acme/widgets": "", "12; drop": "",
	} {
		got, err := c.ParseKey(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseKey(%q) = %q, %v; want %q", in, got, err, want)
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
	if _, err := clientFor(fake.URL, "wrong").Get(ctx, "#1"); !errors.Is(err, tracker.ErrUnauthorized) {
		t.Errorf("wrong token: %v, want ErrUnauthorized", err)
	}
	fake.FailNext(1, trackertest.Failure{Status: 429, RetryAfter: 30 * time.Second})
	var rl *tracker.RateLimitedError
	if _, err := c.FindByMarker(ctx, 1); !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second {
		t.Errorf("429: %v, want RateLimitedError{30s}", err)
	}
	fake.FailNext(1, trackertest.Failure{Status: 502})
	var tmp *tracker.TemporaryError
	if _, err := c.Create(ctx, input); !errors.As(err, &tmp) || tmp.Status != 502 {
		t.Errorf("502: %v, want TemporaryError", err)
	}
	var api *tracker.APIError
	if _, err := c.Create(ctx, tracker.CreateInput{IdeaID: 1, Title: " "}); !errors.As(err, &api) || api.Status != 422 || !strings.Contains(api.Message, "Validation Failed") {
		t.Errorf("422: %v, want APIError", err)
	}
	if len(fake.Issues()) != 0 {
		t.Errorf("failed calls created %d issues", len(fake.Issues()))
	}
}

func TestOutboundPolicyRefusesLoopback(t *testing.T) {
	fake := githubtest.Start(t, repo, token, secret)
	c := github.New(github.Config{Repo: repo, Token: token, APIURL: fake.URL}, outbound.New(outbound.Policy{}))
	_, err := c.Create(context.Background(), input)
	var re *outbound.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("Create = %v (%T), want *outbound.RefusedError", err, err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("fake received %d requests, want none", n)
	}
}

func TestWebhookVerification(t *testing.T) {
	fake, _ := setup(t)
	fake.Add(githubtest.Issue{Title: "Hooked"})
	fake.SetState(1, "closed", "completed")
	now := time.Now()

	h, body, _ := fake.Webhook("issues", "closed", 1)
	ev, err := github.VerifyAndParse(h, body, secret, now)
	want := tracker.Event{DeliveryID: h.Get("X-GitHub-Delivery"), ExternalID: "1000001", Key: "acme/widgets#1",
		Item: tracker.Item{ExternalID: "1000001", Key: "acme/widgets#1", URL: "https://github.com/acme/widgets/issues/1", Status: "closed (completed)", Category: "done"}}
	if err != nil || ev != want || ev.DeliveryID == "" {
		t.Fatalf("VerifyAndParse = %+v, %v; want %+v", ev, err, want)
	}
	fake.SetState(1, "open", "reopened")
	h, body, _ = fake.Webhook("issues", "reopened", 1)
	if ev, err := github.VerifyAndParse(h, body, secret, now); err != nil || ev.Item.Category != "backlog" {
		t.Errorf("reopened: %+v, %v", ev, err)
	}
	h, body, _ = fake.Webhook("issues", "deleted", 1)
	if ev, err := github.VerifyAndParse(h, body, secret, now); err != nil || !ev.Deleted {
		t.Errorf("deleted: %+v, %v", ev, err)
	}
	for _, event := range []string{"ping", "issue_comment", ""} {
		h, body, _ = fake.Webhook(event, "created", 1)
		if _, err := github.VerifyAndParse(h, body, secret, now); !errors.Is(err, tracker.ErrIgnored) {
			t.Errorf("event %q: %v, want ErrIgnored", event, err)
		}
	}

	h, body, _ = fake.Webhook("issues", "closed", 1)
	with := func(v string) http.Header {
		h := h.Clone()
		h.Del("X-Hub-Signature-256")
		if v != "" {
			h.Set("X-Hub-Signature-256", v)
		}
		return h
	}
	garbage := []byte("\x00garbage")
	for name, tc := range map[string]struct {
		h    http.Header
		body []byte
		sec  string
	}{
		"wrong secret":          {h, body, "other"},
		"missing signature":     {with(""), body, secret},
		"sha1 header form":      {with("sha1=" + tracker.Sign(secret, body)), body, secret},
		"tampered body":         {h, []byte(strings.Replace(string(body), `"closed"`, `"open"`, 1)), secret},
		"garbage body, bad sig": {h, garbage, secret},
	} {
		if _, err := github.VerifyAndParse(tc.h, tc.body, tc.sec, now); !errors.Is(err, tracker.ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
	if _, err := github.VerifyAndParse(with("sha256="+tracker.Sign(secret, garbage)), garbage, secret, now); !errors.Is(err, tracker.ErrMalformed) {
		t.Errorf("signed garbage: %v, want ErrMalformed", err)
	}
}
