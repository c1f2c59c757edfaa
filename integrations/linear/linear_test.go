package linear_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/linear"
	"github.com/crowdwise/crowdwise/integrations/linear/lineartest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
	"github.com/crowdwise/crowdwise/integrations/tracker/trackertest"
)

const (
	apiKey = "lin_api_test"
	teamID = "0b6f4c52-3f0a-4b9e-9d39-6a4c7a1e2f10"
	secret = "linear-webhook-secret"
)

func setup(t *testing.T) (*lineartest.Server, *linear.Client) {
	t.Helper()
	fake := lineartest.Start(t, apiKey, teamID, secret)
	return fake, clientFor(fake.URL, apiKey)
}

func clientFor(apiURL, key string) *linear.Client {
	// The fake listens on loopback, which only an AllowPrivate policy reaches.
	return linear.New(linear.Config{APIKey: key, TeamID: teamID, APIURL: apiURL}, outbound.New(outbound.Policy{AllowPrivate: true}))
}

var input = tracker.CreateInput{
	IdeaID: 12, Title: "Export to CSV", Description: "Let us export.",
	IdeaURL: "https://ideas.example.com/ideas/12", Votes: 17, ARRAtStake: "$120,000",
}

func TestCreateThenFindByMarkerAdoptsTheSameIssue(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	if got, err := c.FindByMarker(ctx, 12); err != nil || got != nil {
		t.Fatalf("before create: FindByMarker = %v, %v; want nil, nil", got, err)
	}
	// An issue for idea 123 contains "crowdwise-idea: 12" as text: not ours.
	fake.Add(lineartest.Issue{Title: "other", Description: "x\n\ncrowdwise-idea: 123"})
	it, err := c.Create(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	is, _ := fake.Issue("ENG-2")
	want := tracker.Item{ExternalID: is.ID, Key: "ENG-2", URL: "https://linear.app/acme/issue/ENG-2/export-to-csv", Status: "Backlog", Category: "backlog"}
	if it != want {
		t.Fatalf("Create = %+v, want %+v", it, want)
	}
	if is.TeamID != teamID || is.Title != "Export to CSV" || !strings.HasSuffix(is.Description, "\n\ncrowdwise-idea: 12") {
		t.Errorf("stored issue = %+v", is)
	}
	creates := 0
	for _, r := range fake.Requests() {
		if strings.Contains(string(r.Body), "issueCreate(") {
			creates++
		}
		if r.Header.Get("Authorization") != apiKey {
			t.Errorf("Authorization = %q, want the bare key", r.Header.Get("Authorization"))
		}
	}
	if creates != 1 {
		t.Fatalf("fake received %d creates, want 1", creates)
	}

	again := clientFor(fake.URL, apiKey) // a new process after a crash
	found, err := again.FindByMarker(ctx, 12)
	if err != nil || found == nil || *found != it {
		t.Fatalf("FindByMarker = %+v, %v; want %+v", found, err, it)
	}
	if got, err := again.FindByMarker(ctx, 1); err != nil || got != nil {
		t.Errorf("FindByMarker(1) = %+v, %v; want nothing", got, err)
	}
}

func TestFindByMarkerFollowsPagesAndTakesTheOldest(t *testing.T) {
	fake, c := setup(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 60 { // near-misses fill more than a page
		fake.Add(lineartest.Issue{Title: "n", Description: "crowdwise-idea: 70" + string(rune('0'+i%10)), Created: base.Add(time.Duration(i) * time.Minute)})
	}
	late := fake.Add(lineartest.Issue{Title: "late", Description: "crowdwise-idea: 7", Created: base.Add(2 * time.Hour)})
	early := fake.Add(lineartest.Issue{Title: "early", Description: "body\ncrowdwise-idea: 7\n", Created: base.Add(time.Hour)})
	got, err := c.FindByMarker(context.Background(), 7)
	if err != nil || got == nil || got.Key != early.Identifier {
		t.Fatalf("FindByMarker = %+v, %v; want %s (not %s)", got, err, early.Identifier, late.Identifier)
	}
}

func TestGetByKeyIDOrLinkFollowsState(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	is := fake.Add(lineartest.Issue{Title: "Existing"})
	for _, ref := range []string{"ENG-1", "eng-1", is.ID, "https://linear.app/acme/issue/ENG-1/existing", "https://linear.app/acme/issue/ENG-1"} {
		if it, err := c.Get(ctx, ref); err != nil || it.Key != "ENG-1" || it.ExternalID != is.ID {
			t.Errorf("Get(%q) = %+v, %v", ref, it, err)
		}
	}
	fake.SetState(is.ID, "In Review", "started")
	if it, _ := c.Get(ctx, "ENG-1"); it.Status != "In Review" || it.Category != "in_progress" {
		t.Errorf("started: %+v", it)
	}
	if _, err := c.Get(ctx, "ENG-99"); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("Get(ENG-99) = %v, want ErrNotFound", err)
	}
}

func TestCategory(t *testing.T) {
	for typ, want := range map[string]string{
		"triage": "backlog", "backlog": "backlog", "unstarted": "backlog", "started": "in_progress",
		"completed": "done", "canceled": "wont_do", "": "backlog",
	} {
		if got := linear.Category(typ); got != want {
			t.Errorf("Category(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestParseKey(t *testing.T) {
	_, c := setup(t)
	for in, want := range map[string]string{
		"ENG-12": "ENG-12", " eng-12 ": "ENG-12", "https://linear.app/acme/issue/ENG-12/some-title": "ENG-12",
		"0B6F4C52-3F0A-4B9E-9D39-6A4C7A1E2F10": "0b6f4c52-3f0a-4b9e-9d39-6a4c7a1e2f10",
		"ENG":                                  "", "ENG-0": "", "12": "", "": "", "https://linear.app/acme/project/x": "", "ENG-1 OR 1=1": "",
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
	for _, key := range []string{"wrong", "Bearer " + apiKey} {
		if _, err := clientFor(fake.URL, key).Get(ctx, "ENG-1"); !errors.Is(err, tracker.ErrUnauthorized) {
			t.Errorf("key %q: %v, want ErrUnauthorized", key, err)
		}
	}
	fake.FailNext(1, trackertest.Failure{Status: 429, RetryAfter: 20 * time.Second})
	var rl *tracker.RateLimitedError
	if _, err := c.FindByMarker(ctx, 1); !errors.As(err, &rl) || rl.RetryAfter != 20*time.Second {
		t.Errorf("429: %v, want RateLimitedError{20s}", err)
	}
	fake.FailNext(1, trackertest.Failure{Status: 500})
	var tmp *tracker.TemporaryError
	if _, err := c.Create(ctx, input); !errors.As(err, &tmp) || tmp.Status != 500 {
		t.Errorf("500: %v, want TemporaryError", err)
	}
	var api *tracker.APIError
	if _, err := c.Create(ctx, tracker.CreateInput{IdeaID: 1, Title: " "}); !errors.As(err, &api) || !strings.Contains(api.Message, "title") {
		t.Errorf("invalid input: %v, want APIError", err)
	}
	other := linear.New(linear.Config{APIKey: apiKey, TeamID: "nope", APIURL: fake.URL}, outbound.New(outbound.Policy{AllowPrivate: true}))
	if _, err := other.Create(ctx, input); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("unknown team: %v, want ErrNotFound", err)
	}
	if len(fake.Issues()) != 0 {
		t.Errorf("failed calls created %d issues", len(fake.Issues()))
	}
}

func TestOutboundPolicyRefusesLoopback(t *testing.T) {
	fake := lineartest.Start(t, apiKey, teamID, secret)
	c := linear.New(linear.Config{APIKey: apiKey, TeamID: teamID, APIURL: fake.URL}, outbound.New(outbound.Policy{}))
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
	is := fake.Add(lineartest.Issue{Title: "Hooked"})
	fake.SetState(is.ID, "Done", "completed")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fake.Now = func() time.Time { return now }

	h, body, _ := fake.Webhook("Issue", "update", is.ID)
	ev, err := linear.VerifyAndParse(h, body, secret, now.Add(5*time.Second))
	want := tracker.Event{DeliveryID: h.Get("Linear-Delivery"), ExternalID: is.ID, Key: "ENG-1",
		Item: tracker.Item{ExternalID: is.ID, Key: "ENG-1", URL: "https://linear.app/acme/issue/ENG-1/hooked", Status: "Done", Category: "done"}}
	if err != nil || ev != want || ev.DeliveryID == "" {
		t.Fatalf("VerifyAndParse = %+v, %v; want %+v", ev, err, want)
	}
	h, body, _ = fake.Webhook("Issue", "remove", is.ID)
	if ev, err := linear.VerifyAndParse(h, body, secret, now); err != nil || !ev.Deleted {
		t.Errorf("remove: %+v, %v", ev, err)
	}
	h, body, _ = fake.Webhook("Comment", "create", is.ID)
	if _, err := linear.VerifyAndParse(h, body, secret, now); !errors.Is(err, tracker.ErrIgnored) {
		t.Errorf("Comment: %v, want ErrIgnored", err)
	}

	h, body, _ = fake.Webhook("Issue", "update", is.ID)
	for _, at := range []time.Time{now.Add(61 * time.Second), now.Add(-61 * time.Second), now.Add(time.Hour)} {
		if _, err := linear.VerifyAndParse(h, body, secret, at); !errors.Is(err, tracker.ErrStale) {
			t.Errorf("received at %s: %v, want ErrStale", at.Sub(now), err)
		}
	}
	if _, err := linear.VerifyAndParse(h, body, secret, now.Add(60*time.Second)); err != nil {
		t.Errorf("at exactly 60 s: %v, want accepted", err)
	}

	with := func(v string) http.Header {
		h := h.Clone()
		h.Del("Linear-Signature")
		if v != "" {
			h.Set("Linear-Signature", v)
		}
		return h
	}
	garbage := []byte("not json at all")
	for name, tc := range map[string]struct {
		h    http.Header
		body []byte
		sec  string
		at   time.Time
	}{
		"wrong secret":          {h, body, "other", now},
		"missing signature":     {with(""), body, secret, now},
		"sha256= prefixed":      {with("sha256=" + tracker.Sign(secret, body)), body, secret, now},
		"tampered body":         {h, []byte(strings.Replace(string(body), `"completed"`, `"canceled"`, 1)), secret, now},
		"garbage body, bad sig": {h, garbage, secret, now},
		"stale and bad sig":     {with("00"), body, secret, now.Add(time.Hour)},
	} {
		if _, err := linear.VerifyAndParse(tc.h, tc.body, tc.sec, tc.at); !errors.Is(err, tracker.ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
	if _, err := linear.VerifyAndParse(with(tracker.Sign(secret, garbage)), garbage, secret, now); !errors.Is(err, tracker.ErrMalformed) {
		t.Errorf("signed garbage: %v, want ErrMalformed", err)
	}
}
