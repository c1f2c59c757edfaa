package salesforce_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/crm"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/salesforce"
	"github.com/crowdwise/crowdwise/integrations/salesforce/salesforcetest"
)

func client(t *testing.T, fake *salesforcetest.Server, mod ...func(*salesforce.Config)) *salesforce.Client {
	t.Helper()
	cfg := salesforce.Config{URL: fake.URL, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, ARRField: "ARR__c", SegmentField: "Segment__c"}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := salesforce.New(cfg, outbound.New(outbound.Policy{AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seed(fake *salesforcetest.Server) {
	fake.AddAccount(salesforcetest.Record{"Id": "001A", "Name": "Acme", "Website": "https://www.acme.com/", "ARR__c": json.Number("120000.5"),
		"Segment__c": "Enterprise", "Owner": salesforcetest.Record{"Name": "Olive Owner", "Email": "olive@vendor.com"}})
	fake.AddAccount(salesforcetest.Record{"Id": "001B", "Name": "Beta", "Website": "beta.io", "ARR__c": json.Number("3.5E7"), "Segment__c": nil, "Owner": nil})
	fake.AddAccount(salesforcetest.Record{"Id": "001C", "Name": "Gamma", "Website": nil, "ARR__c": nil, "Segment__c": "SMB",
		"Owner": salesforcetest.Record{"Name": "Sam", "Email": "sam@vendor.com"}})
	fake.AddOpportunity(salesforcetest.Record{"Id": "006A", "AccountId": "001A", "Name": "Acme renewal", "Amount": json.Number("50000"),
		"StageName": "Negotiation", "CloseDate": "2027-03-31", "IsClosed": false, "IsWon": false})
	fake.AddOpportunity(salesforcetest.Record{"Id": "006B", "AccountId": "001B", "Name": "Beta won", "Amount": nil,
		"StageName": "Closed Won", "CloseDate": nil, "IsClosed": true, "IsWon": true})
}

func TestTokenFlowAndPagedAccounts(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	c := client(t, fake)
	var got []crm.Account
	pages := 0
	err := c.Accounts(context.Background(), func(p crm.AccountPage) error {
		pages++
		if p.Total != 3 {
			t.Errorf("page total = %d, want 3", p.Total)
		}
		got = append(got, p.Accounts...)
		if len(p.Skipped) > 0 {
			t.Errorf("skipped %v", p.Skipped)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 2 || len(got) != 3 {
		t.Fatalf("pages=%d accounts=%d, want 2 pages of 3 accounts", pages, len(got))
	}
	a := got[0]
	if a.ExternalID != "001A" || a.Name != "Acme" || a.Website != "https://www.acme.com/" || a.ARRCents != 12000050 ||
		a.Segment != "Enterprise" || a.OwnerName != "Olive Owner" || a.OwnerEmail != "olive@vendor.com" {
		t.Errorf("account = %+v", a)
	}
	if got[1].ARRCents != 3500000000 || got[1].OwnerName != "" {
		t.Errorf("exponent ARR / null owner: %+v", got[1])
	}
	reqs := fake.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/services/oauth2/token" {
		t.Fatalf("requests = %+v", reqs)
	}
	form, _ := url.ParseQuery(reqs[0].Body)
	if form.Get("grant_type") != "client_credentials" || form.Get("client_id") != fake.ClientID || form.Get("client_secret") != fake.ClientSecret {
		t.Errorf("token request form = %v", form)
	}
	q, _ := url.ParseQuery(reqs[1].Query)
	if reqs[1].Path != "/services/data/v60.0/query" ||
		q.Get("q") != "SELECT Id, Name, Website, ARR__c, Segment__c, Owner.Name, Owner.Email FROM Account ORDER BY Id" {
		t.Errorf("query request = %+v", reqs[1])
	}
	if !strings.HasPrefix(reqs[2].Path, "/services/data/v60.0/query/01g") || reqs[2].Authorization == "" {
		t.Errorf("next page request = %+v", reqs[2])
	}
	for _, r := range reqs[1:] {
		if !strings.HasPrefix(r.Authorization, "Bearer 00Dfake!token") {
			t.Errorf("request without the token: %+v", r)
		}
	}
}

func TestOpportunities(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	var got []crm.Opportunity
	err := client(t, fake).Opportunities(context.Background(), func(p crm.OpportunityPage) error {
		got = append(got, p.Opportunities...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d opportunities", len(got))
	}
	o := got[0]
	if o.ExternalID != "006A" || o.AccountExternalID != "001A" || o.AmountCents != 5000000 || o.Stage != "Negotiation" ||
		o.CloseDate == nil || o.CloseDate.Format(time.DateOnly) != "2027-03-31" || o.Closed || o.Won {
		t.Errorf("open opportunity = %+v", o)
	}
	if !got[1].Closed || !got[1].Won || got[1].CloseDate != nil {
		t.Errorf("won opportunity = %+v", got[1])
	}
}

func TestMalformedRecordIsSkippedAndReported(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	fake.AddAccount(salesforcetest.Record{"Id": "001D", "Name": "Broken", "ARR__c": "a lot"})
	fake.AddAccount(salesforcetest.Record{"Name": "No id"})
	var n int
	var skipped []crm.Skipped
	err := client(t, fake).Accounts(context.Background(), func(p crm.AccountPage) error {
		n += len(p.Accounts)
		skipped = append(skipped, p.Skipped...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(skipped) != 2 {
		t.Fatalf("read %d, skipped %+v", n, skipped)
	}
	if skipped[0].ExternalID != "001D" || !strings.Contains(skipped[0].Message, "ARR__c") {
		t.Errorf("skipped[0] = %+v", skipped[0])
	}
	if skipped[1].ExternalID != "" || !strings.Contains(skipped[1].Message, "Id") {
		t.Errorf("skipped[1] = %+v", skipped[1])
	}
}

func TestCredentialsRejected(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	c := client(t, fake, func(cfg *salesforce.Config) { cfg.ClientSecret = "wrong" })
	err := c.Accounts(context.Background(), func(crm.AccountPage) error { return nil })
	if !errors.Is(err, crm.ErrCredentials) {
		t.Fatalf("bad secret: err = %v", err)
	}
	// A session that stays refused after one fresh token is rejected too.
	fake.Fail(2, 401, "")
	err = client(t, fake).Accounts(context.Background(), func(crm.AccountPage) error { return nil })
	if !errors.Is(err, crm.ErrCredentials) || err.Error() != "credentials rejected" {
		t.Fatalf("401: err = %v", err)
	}
}

func TestExpiredSessionGetsOneNewToken(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	c := client(t, fake)
	if err := c.Accounts(context.Background(), func(crm.AccountPage) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fake.RevokeTokens()
	if err := c.Accounts(context.Background(), func(crm.AccountPage) error { return nil }); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	tokens := 0
	for _, r := range fake.Requests() {
		if r.Path == "/services/oauth2/token" {
			tokens++
		}
	}
	if tokens != 2 {
		t.Errorf("token requests = %d, want 2", tokens)
	}
}

func TestRateLimitedHonoursRetryAfter(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	c := client(t, fake)
	var read int
	// The second page is refused: the first page was already handed over.
	if err := c.Accounts(context.Background(), func(crm.AccountPage) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fake.Fail(1, 429, "42")
	err := c.Accounts(context.Background(), func(p crm.AccountPage) error { read += len(p.Accounts); return nil })
	var rl *crm.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 42*time.Second {
		t.Fatalf("err = %v, want a rate limit of 42s", err)
	}
	fake.Fail(1, 500, "")
	err = c.Accounts(context.Background(), func(crm.AccountPage) error { return nil })
	var se *crm.StatusError
	if !errors.As(err, &se) || se.Status != 500 {
		t.Fatalf("500: err = %v", err)
	}
}

func TestFieldNamesAreAllowListed(t *testing.T) {
	for _, bad := range []string{"ARR__c FROM User --", "Name, (SELECT Id FROM Contacts)", "a b", "1abc", "x'y", "A.B.C", ""} {
		cfg := salesforce.Config{URL: "https://x.my.salesforce.com", ClientID: "id", ClientSecret: "s", ARRField: bad, SegmentField: "Type"}
		if bad == "" {
			cfg.SegmentField = "Type; DROP"
		}
		if err := cfg.Validate(); err == nil {
			t.Errorf("field %q was accepted", bad)
		}
	}
	for _, good := range []string{"AnnualRevenue", "ARR__c", "ns__ARR__c", "Parent.AnnualRevenue"} {
		cfg := salesforce.Config{URL: "https://x.my.salesforce.com", ClientID: "id", ClientSecret: "s", ARRField: good}
		if err := cfg.Validate(); err != nil {
			t.Errorf("field %q refused: %v", good, err)
		}
	}
	cfg := salesforce.Config{URL: "https://x.my.salesforce.com", ClientID: "id", ClientSecret: "s"}
	if err := cfg.Validate(); err != nil || cfg.APIVersion != "v60.0" || cfg.ARRField != "AnnualRevenue" || cfg.SegmentField != "Type" {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
}

func TestCreateTaskOnce(t *testing.T) {
	fake := salesforcetest.New(t)
	seed(fake)
	c := client(t, fake)
	id, err := c.CreateTask(context.Background(), salesforce.TaskInput{WhatID: "001A", Subject: "Idea shipped: SSO", Description: "https://ideas.example.com/ideas/7"})
	if err != nil {
		t.Fatal(err)
	}
	tasks := fake.Tasks()
	if len(tasks) != 1 || tasks[0]["Id"] != id || tasks[0]["WhatId"] != "001A" || tasks[0]["Status"] != "Completed" ||
		tasks[0]["Subject"] != "Idea shipped: SSO" || tasks[0]["Description"] != "https://ideas.example.com/ideas/7" {
		t.Fatalf("tasks = %+v (id %q)", tasks, id)
	}
	posts := 0
	for _, r := range fake.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/sobjects/Task") {
			posts++
			if r.Path != "/services/data/v60.0/sobjects/Task" {
				t.Errorf("path %s", r.Path)
			}
		}
	}
	if posts != 1 {
		t.Errorf("%d Task posts, want 1", posts)
	}
	if _, err := c.CreateTask(context.Background(), salesforce.TaskInput{WhatID: "001ZZZ", Subject: "x"}); err == nil {
		t.Error("a task on an unknown record succeeded")
	}
}

func TestRefusesPrivateInstanceWithoutPermission(t *testing.T) {
	fake := salesforcetest.New(t)
	c, err := salesforce.New(salesforce.Config{URL: fake.URL, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret},
		outbound.New(outbound.Policy{}))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Accounts(context.Background(), func(crm.AccountPage) error { return nil })
	var re *outbound.RefusedError
	if !errors.As(err, &re) || len(fake.Requests()) != 0 {
		t.Fatalf("err = %v; requests %d", err, len(fake.Requests()))
	}
}

func TestFindTaskByMarkerWithEscapedSubject(t *testing.T) {
	fake := salesforcetest.New(t)
	const acct = "001A00000000001AAA"
	fake.AddAccount(salesforcetest.Record{"Id": acct, "Name": "Acme"})
	c := client(t, fake)
	ctx := context.Background()
	subject := `It's a "quoted" \ idea` + "\n" + `' OR Subject != '`
	first, err := c.CreateTask(ctx, salesforce.TaskInput{WhatID: acct, Subject: subject, Description: "x\n\ncrowdwise-writeback: 123"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CreateTask(ctx, salesforce.TaskInput{WhatID: acct, Subject: subject, Description: "y\n\ncrowdwise-writeback: 12"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTask(ctx, salesforce.TaskInput{WhatID: acct, Subject: "Other", Description: "crowdwise-writeback: 7"}); err != nil {
		t.Fatal(err)
	}
	for marker, want := range map[string]string{"crowdwise-writeback: 12": second, "crowdwise-writeback: 123": first, "crowdwise-writeback: 7": ""} {
		got, err := c.FindTask(ctx, acct, subject, marker)
		if err != nil || got != want {
			t.Errorf("FindTask(%q) = %q, %v; want %q", marker, got, err, want)
		}
	}
	before := len(fake.Requests())
	for _, bad := range []string{"", "001A", "001A00000000001' OR Id != '", "001A00000000001AAAX"} {
		if _, err := c.FindTask(ctx, bad, subject, "crowdwise-writeback: 12"); err == nil {
			t.Errorf("FindTask accepted the record id %q", bad)
		}
	}
	if n := len(fake.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for invalid ids", n)
	}
}
