package hubspot_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/crm"
	"github.com/crowdwise/crowdwise/integrations/hubspot"
	"github.com/crowdwise/crowdwise/integrations/hubspot/hubspottest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
)

func client(t *testing.T, fake *hubspottest.Server, token string) *hubspot.Client {
	t.Helper()
	c, err := hubspot.New(hubspot.Config{URL: fake.URL, Token: token, SegmentProperty: "segment"},
		outbound.New(outbound.Policy{AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seed(fake *hubspottest.Server) {
	fake.AddOwner(hubspottest.Owner{ID: "77", Email: "olive@vendor.com", FirstName: "Olive", LastName: "Owner"})
	fake.AddCompany(hubspottest.Object{ID: "101", Properties: map[string]any{"name": "Acme", "domain": "acme.com",
		"annualrevenue": "120000.50", "segment": "Enterprise", "hubspot_owner_id": "77"}})
	fake.AddCompany(hubspottest.Object{ID: "102", Properties: map[string]any{"name": "Beta", "domain": "beta.io",
		"annualrevenue": nil, "hubspot_owner_id": "77"}})
	fake.AddCompany(hubspottest.Object{ID: "103", Properties: map[string]any{"name": "Gamma", "domain": "gamma.dev",
		"annualrevenue": "5000", "segment": "SMB", "hubspot_owner_id": "404"}})
	fake.AddDeal(hubspottest.Object{ID: "501", CompanyIDs: []string{"101"}, Properties: map[string]any{"dealname": "Acme renewal",
		"amount": "50000", "dealstage": "contractsent", "closedate": "2027-03-31T12:00:00Z", "hs_is_closed": "false", "hs_is_closed_won": "false"}})
	fake.AddDeal(hubspottest.Object{ID: "502", CompanyIDs: []string{"102"}, Properties: map[string]any{"dealname": "Beta won",
		"amount": "1000.5", "dealstage": "closedwon", "closedate": nil, "hs_is_closed": "true", "hs_is_closed_won": "true"}})
	fake.AddDeal(hubspottest.Object{ID: "503", Properties: map[string]any{"dealname": "No company", "hs_is_closed": "false", "hs_is_closed_won": "false"}})
}

func TestCompaniesPagedWithOwnersOncePerRun(t *testing.T) {
	fake := hubspottest.New(t)
	seed(fake)
	var got []crm.Account
	pages := 0
	err := client(t, fake, fake.Token).Companies(context.Background(), func(p crm.AccountPage) error {
		pages++
		got = append(got, p.Accounts...)
		if len(p.Skipped) > 0 {
			t.Errorf("skipped %+v", p.Skipped)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 2 || len(got) != 3 {
		t.Fatalf("pages=%d companies=%d", pages, len(got))
	}
	if a := got[0]; a.ExternalID != "101" || a.Name != "Acme" || a.Website != "acme.com" || a.ARRCents != 12000050 ||
		a.Segment != "Enterprise" || a.OwnerName != "Olive Owner" || a.OwnerEmail != "olive@vendor.com" {
		t.Errorf("company = %+v", a)
	}
	if got[1].ARRCents != 0 || got[1].OwnerEmail != "olive@vendor.com" || got[2].OwnerName != "" {
		t.Errorf("companies = %+v", got[1:])
	}
	ownerCalls, listCalls := map[string]int{}, 0
	for _, r := range fake.Requests() {
		if r.Authorization != "Bearer "+fake.Token {
			t.Errorf("request without the token: %+v", r)
		}
		switch {
		case strings.HasPrefix(r.Path, "/crm/v3/owners/"):
			ownerCalls[r.Path]++
		case r.Path == "/crm/v3/objects/companies":
			q, _ := url.ParseQuery(r.Query)
			if q.Get("properties") != "name,domain,annualrevenue,segment,hubspot_owner_id" {
				t.Errorf("properties = %q", q.Get("properties"))
			}
			if listCalls == 1 && q.Get("after") != "2" {
				t.Errorf("second page after = %q", q.Get("after"))
			}
			listCalls++
		}
	}
	if ownerCalls["/crm/v3/owners/77"] != 1 || ownerCalls["/crm/v3/owners/404"] != 1 {
		t.Errorf("owner calls = %v, want each owner once", ownerCalls)
	}
}

func TestDealsWithCompanies(t *testing.T) {
	fake := hubspottest.New(t)
	seed(fake)
	var got []crm.Opportunity
	err := client(t, fake, fake.Token).Deals(context.Background(), func(p crm.OpportunityPage) error {
		got = append(got, p.Opportunities...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("deals = %+v (the one without a company is left out)", got)
	}
	if d := got[0]; d.ExternalID != "501" || d.AccountExternalID != "101" || d.AmountCents != 5000000 || d.Stage != "contractsent" ||
		d.CloseDate == nil || d.CloseDate.Format(time.DateOnly) != "2027-03-31" || d.Closed || d.Won {
		t.Errorf("deal = %+v", d)
	}
	if d := got[1]; !d.Closed || !d.Won || d.AmountCents != 100050 {
		t.Errorf("won deal = %+v", d)
	}
	for _, r := range fake.Requests() {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("associations") != "companies" || q.Get("properties") != "dealname,amount,dealstage,closedate,hs_is_closed,hs_is_closed_won" {
			t.Errorf("deals query = %v", q)
		}
	}
}

func TestMalformedCompanySkippedAndReported(t *testing.T) {
	fake := hubspottest.New(t)
	seed(fake)
	fake.AddCompany(hubspottest.Object{ID: "104", Properties: map[string]any{"name": "Broken", "annualrevenue": "lots"}})
	fake.AddCompany(hubspottest.Object{ID: "105", Properties: map[string]any{"name": 42}})
	var n int
	var skipped []crm.Skipped
	err := client(t, fake, fake.Token).Companies(context.Background(), func(p crm.AccountPage) error {
		n += len(p.Accounts)
		skipped = append(skipped, p.Skipped...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(skipped) != 2 || skipped[0].ExternalID != "104" || !strings.Contains(skipped[0].Message, "annualrevenue") ||
		skipped[1].ExternalID != "105" || !strings.Contains(skipped[1].Message, "name") {
		t.Fatalf("read %d, skipped %+v", n, skipped)
	}
}

func TestErrors(t *testing.T) {
	fake := hubspottest.New(t)
	seed(fake)
	err := client(t, fake, "pat-wrong").Companies(context.Background(), func(crm.AccountPage) error { return nil })
	if !errors.Is(err, crm.ErrCredentials) || err.Error() != "credentials rejected" {
		t.Fatalf("bad token: %v", err)
	}
	c := client(t, fake, fake.Token)
	fake.Fail(1, 429, "7")
	err = c.Companies(context.Background(), func(crm.AccountPage) error { return nil })
	var rl *crm.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("429: %v", err)
	}
	// A failure on the second page comes after the first page was handed over.
	pages := 0
	err = c.Companies(context.Background(), func(crm.AccountPage) error {
		pages++
		if pages == 1 {
			fake.Fail(1, 500, "")
		}
		return nil
	})
	var se *crm.StatusError
	if !errors.As(err, &se) || se.Status != 500 || pages != 1 {
		t.Fatalf("500 on page 2: err=%v pages=%d", err, pages)
	}
}

func TestCreateNoteOnce(t *testing.T) {
	fake := hubspottest.New(t)
	seed(fake)
	c := client(t, fake, fake.Token)
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	id, err := c.CreateNote(context.Background(), "101", "Shipped: SSO — https://ideas.example.com/ideas/7", at)
	if err != nil {
		t.Fatal(err)
	}
	notes := fake.Notes()
	if len(notes) != 1 || notes[0].ID != id {
		t.Fatalf("notes = %+v", notes)
	}
	n := notes[0]
	if n.Properties["hs_timestamp"] != "2026-12-01T08:30:00.000Z" || n.Properties["hs_note_body"] != "Shipped: SSO — https://ideas.example.com/ideas/7" {
		t.Errorf("properties = %v", n.Properties)
	}
	if len(n.Associations) != 1 || n.Associations[0].To.ID != "101" || len(n.Associations[0].Types) != 1 ||
		n.Associations[0].Types[0].AssociationCategory != "HUBSPOT_DEFINED" || n.Associations[0].Types[0].AssociationTypeID != 190 {
		t.Errorf("associations = %+v", n.Associations)
	}
	if _, err := c.CreateNote(context.Background(), "999", "x", at); err == nil {
		t.Error("a note on an unknown company succeeded")
	}
	fake.Fail(1, 401, "")
	if _, err := c.CreateNote(context.Background(), "101", "x", at); !errors.Is(err, crm.ErrCredentials) {
		t.Errorf("401: %v", err)
	}
	if len(fake.Notes()) != 1 {
		t.Errorf("notes = %d, want still 1", len(fake.Notes()))
	}
}

func TestPropertyNamesAreAllowListed(t *testing.T) {
	for _, bad := range []string{"annual revenue", "a&properties=x", "Name", "x,y", "ä"} {
		cfg := hubspot.Config{Token: "t", ARRProperty: bad}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	cfg := hubspot.Config{Token: "t"}
	if err := cfg.Validate(); err != nil || cfg.URL != "https://api.hubapi.com" || cfg.ARRProperty != "annualrevenue" || cfg.SegmentProperty != "industry" {
		t.Errorf("defaults %+v %v", cfg, err)
	}
}

func TestFindNoteByMarkerOnTheCompany(t *testing.T) {
	fake := hubspottest.New(t)
	seed(fake)
	c := client(t, fake, fake.Token)
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for _, body := range []string{"a\n\ncrowdwise-writeback: 123", "c 12 d", "e 12 f", "b\n\ncrowdwise-writeback: 12", "g\n\ncrowdwise-writeback: 12 h"} {
		id, err := c.CreateNote(ctx, "101", body, at)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// The same marker on another company is not this company's note.
	other, err := c.CreateNote(ctx, "102", "crowdwise-writeback: 9", at)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ company, token, marker, want string }{
		{"101", "12", "crowdwise-writeback: 12", ids[3]}, // on the second page (2 a page)
		{"101", "123", "crowdwise-writeback: 123", ids[0]},
		{"101", "9", "crowdwise-writeback: 9", ""},
		{"102", "9", "crowdwise-writeback: 9", other},
	} {
		got, err := c.FindNote(ctx, tc.company, tc.token, tc.marker)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("FindNote(%s, %q) = %q, want %q", tc.company, tc.marker, got, tc.want)
		}
	}
	searches := 0
	for _, r := range fake.Requests() {
		if r.Method == "POST" && r.Path == "/crm/v3/objects/notes/search" {
			searches++
			if !strings.Contains(r.Body, `"operator":"CONTAINS_TOKEN"`) || !strings.Contains(r.Body, `"propertyName":"associations.company"`) {
				t.Errorf("search body = %s", r.Body)
			}
		}
	}
	if searches < 4 {
		t.Errorf("%d searches, want at least 4", searches)
	}
}
