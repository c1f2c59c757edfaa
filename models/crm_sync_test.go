package models_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/hubspot"
	"github.com/crowdwise/crowdwise/integrations/hubspot/hubspottest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/salesforce"
	"github.com/crowdwise/crowdwise/integrations/salesforce/salesforcetest"
	"github.com/crowdwise/crowdwise/models"
)

func salesforceFake(t *testing.T) (*salesforcetest.Server, models.JobConfig) {
	fake := salesforcetest.New(t)
	fake.AddAccount(salesforcetest.Record{"Id": "001A", "Name": "Acme", "Website": "https://www.acme.test/", "AnnualRevenue": json.Number("120000.5"),
		"Type": "Enterprise", "Owner": salesforcetest.Record{"Name": "Olive Owner", "Email": "olive@vendor.test"}})
	fake.AddAccount(salesforcetest.Record{"Id": "001B", "Name": "Beta", "Website": "beta.test", "AnnualRevenue": json.Number("3.5E6"), "Type": "SMB"})
	fake.AddAccount(salesforcetest.Record{"Id": "001C", "Name": "Broken", "AnnualRevenue": "lots"})
	fake.AddAccount(salesforcetest.Record{"Id": "001D", "Name": "Gmail user", "Website": "gmail.com"})
	fake.AddOpportunity(salesforcetest.Record{"Id": "006A", "AccountId": "001A", "Name": "Acme renewal", "Amount": json.Number("50000"),
		"StageName": "Negotiation", "CloseDate": "2027-03-31", "IsClosed": false, "IsWon": false})
	fake.AddOpportunity(salesforcetest.Record{"Id": "006B", "AccountId": "001B", "Name": "Beta won", "Amount": json.Number("10"),
		"StageName": "Closed Won", "IsClosed": true, "IsWon": true})
	fake.AddOpportunity(salesforcetest.Record{"Id": "006C", "AccountId": "001C", "Name": "Of a skipped account", "IsClosed": false, "IsWon": false})
	c, err := salesforce.New(salesforce.Config{URL: fake.URL, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret},
		outbound.New(outbound.Policy{AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	return fake, models.JobConfig{CRM: []models.CRMSource{c}}
}

func hubspotFake(t *testing.T) (*hubspottest.Server, models.JobConfig) {
	fake := hubspottest.New(t)
	fake.AddOwner(hubspottest.Owner{ID: "7", Email: "olive@vendor.test", FirstName: "Olive", LastName: "Owner"})
	fake.AddCompany(hubspottest.Object{ID: "101", Properties: map[string]any{"name": "Acme", "domain": "acme.test",
		"annualrevenue": "120000.50", "industry": "Software", "hubspot_owner_id": "7"}})
	fake.AddCompany(hubspottest.Object{ID: "102", Properties: map[string]any{"name": "Beta", "domain": "beta.test", "hubspot_owner_id": "7"}})
	fake.AddCompany(hubspottest.Object{ID: "103", Properties: map[string]any{"name": "Broken", "annualrevenue": "-3"}})
	fake.AddDeal(hubspottest.Object{ID: "501", CompanyIDs: []string{"101"}, Properties: map[string]any{"dealname": "Acme renewal",
		"amount": "50000", "dealstage": "contractsent", "closedate": "2027-03-31T00:00:00Z", "hs_is_closed": "false", "hs_is_closed_won": "false"}})
	fake.AddDeal(hubspottest.Object{ID: "502", CompanyIDs: []string{"102"}, Properties: map[string]any{"dealname": "Beta lost",
		"amount": "10", "dealstage": "closedlost", "hs_is_closed": "true", "hs_is_closed_won": "false"}})
	c, err := hubspot.New(hubspot.Config{URL: fake.URL, Token: fake.Token}, outbound.New(outbound.Policy{AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	return fake, models.JobConfig{CRM: []models.CRMSource{c}}
}

func requestSync(t *testing.T, db *gorm.DB, actor *models.User, source string) *models.CRMSync {
	t.Helper()
	s, _, err := models.RequestCRMSync(ctx, db, actor, source, []string{source})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func accountBy(t *testing.T, db *gorm.DB, source, id string) models.CRMAccount {
	t.Helper()
	var a models.CRMAccount
	db.Where("source = ? AND external_id = ?", source, id).Find(&a)
	return a
}

func TestSalesforceSync(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	_, cfg := salesforceFake(t)
	s := requestSync(t, db, pm, models.SourceSalesforce)
	runJobs(t, db, cfg)
	s = getSync(t, db, s.ID)
	// 4 accounts (1 malformed) + 3 opportunities (1 of the skipped account).
	if s.State != models.SyncDone || s.Total != 7 || s.Done != 7 || s.Created != 5 || s.Skipped != 2 || len(s.Errors) != 2 ||
		s.StartedAt == nil || s.FinishedAt == nil {
		t.Fatalf("sync = %+v", s)
	}
	if !strings.Contains(s.Errors[0].Message, "001C") || !strings.Contains(s.Errors[1].Message, "006C") {
		t.Errorf("errors = %+v", s.Errors)
	}
	a := accountBy(t, db, "salesforce", "001A")
	if a.Name != "Acme" || a.ARRCents != 12000050 || a.Segment != "Enterprise" || len(a.Domains) != 1 || a.Domains[0] != "acme.test" ||
		a.OwnerName != "Olive Owner" || a.OwnerEmail != "olive@vendor.test" || a.Lifecycle != "customer" {
		t.Errorf("account = %+v", a)
	}
	if g := accountBy(t, db, "salesforce", "001D"); g.ID == 0 || len(g.Domains) != 0 {
		t.Errorf("a webmail website gives no domain: %+v", g)
	}
	var opps []models.CRMOpportunity
	db.Order("external_id").Find(&opps)
	if len(opps) != 2 || opps[0].State != "open" || opps[0].AmountCents != 5000000 || opps[1].State != "won" {
		t.Errorf("opportunities = %+v", opps)
	}
	// The same data again changes nothing.
	s = requestSync(t, db, pm, models.SourceSalesforce)
	runJobs(t, db, cfg)
	if s = getSync(t, db, s.ID); s.State != models.SyncDone || s.Created != 0 || s.Updated != 0 || s.Skipped != 2 {
		t.Fatalf("second sync = %+v", s)
	}
}

func TestHubSpotSync(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	fake, cfg := hubspotFake(t)
	s := requestSync(t, db, pm, models.SourceHubSpot)
	runJobs(t, db, cfg)
	s = getSync(t, db, s.ID)
	if s.State != models.SyncDone || s.Created != 4 || s.Skipped != 1 || len(s.Errors) != 1 || !strings.Contains(s.Errors[0].Message, "103") {
		t.Fatalf("sync = %+v", s)
	}
	a := accountBy(t, db, "hubspot", "101")
	if a.ARRCents != 12000050 || a.Segment != "Software" || a.OwnerName != "Olive Owner" || a.Domains[0] != "acme.test" {
		t.Errorf("account = %+v", a)
	}
	s = requestSync(t, db, pm, models.SourceHubSpot)
	runJobs(t, db, cfg)
	if s = getSync(t, db, s.ID); s.Created != 0 || s.Updated != 0 {
		t.Fatalf("second sync = %+v", s)
	}
	fake.SetCompanyProperty("102", "annualrevenue", "99")
	s = requestSync(t, db, pm, models.SourceHubSpot)
	runJobs(t, db, cfg)
	if s = getSync(t, db, s.ID); s.Created != 0 || s.Updated != 1 {
		t.Fatalf("sync after a change = %+v", s)
	}
}

func TestSyncCredentialsRejected(t *testing.T) {
	db := openDB(t)
	fake, cfg := hubspotFake(t)
	fake.Token = "another"
	s := requestSync(t, db, nil, models.SourceHubSpot)
	runJobs(t, db, cfg)
	if s = getSync(t, db, s.ID); s.State != models.SyncFailed || !strings.Contains(s.Message, "credentials rejected") {
		t.Fatalf("sync = %+v", s)
	}
	var left int64
	db.Raw(`SELECT count(*) FROM river_job WHERE state NOT IN ('completed')`).Scan(&left)
	if left != 0 {
		t.Errorf("%d jobs left to retry a rejected credential", left)
	}
}

func TestSyncKeepsWhatWasSavedBeforeAnError(t *testing.T) {
	db := openDB(t)
	fake, cfg := salesforceFake(t)
	fake.FailAfter(1, 1, 500, "") // the first page of accounts, then a 500
	s := requestSync(t, db, nil, models.SourceSalesforce)
	runJobs(t, db, cfg)
	s = getSync(t, db, s.ID)
	if s.State != models.SyncFailed || s.Created != 2 || !strings.Contains(s.Message, "500") {
		t.Fatalf("sync = %+v", s)
	}
	if a := accountBy(t, db, "salesforce", "001B"); a.ID == 0 {
		t.Error("the first page was not kept")
	}
}

func TestSyncHonoursRetryAfter(t *testing.T) {
	db := openDB(t)
	fake, cfg := salesforceFake(t)
	fake.FailAfter(1, 1, 429, "120") // the second page is rate limited
	s := requestSync(t, db, nil, models.SourceSalesforce)
	runJobs(t, db, cfg)
	s = getSync(t, db, s.ID)
	if s.State != models.SyncRunning || !strings.Contains(s.Message, "2m0s") || s.Created != 2 {
		t.Fatalf("rate-limited sync = %+v", s)
	}
	var wait float64
	db.Raw(`SELECT extract(epoch FROM scheduled_at - now()) FROM river_job WHERE kind = 'crm_sync' AND state = 'scheduled'`).Scan(&wait)
	if wait < 100 || wait > 121 {
		t.Fatalf("the job waits %.0fs, want about 120s", wait)
	}
	// While it waits, it is still the one sync of Salesforce.
	if again := requestSync(t, db, nil, models.SourceSalesforce); again.ID != s.ID {
		t.Errorf("a second sync %d while %d waits", again.ID, s.ID)
	}
	db.Exec(`UPDATE river_job SET scheduled_at = now(), state = 'available' WHERE kind = 'crm_sync'`) // as River's scheduler does when the wait is over
	runJobs(t, db, cfg)
	s = getSync(t, db, s.ID)
	if s.State != models.SyncDone || s.Created != 5 || s.Message != "" {
		t.Fatalf("resumed sync = %+v", s)
	}
}

func TestOneSyncPerSourceAcrossRequests(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	configured := []string{models.SourceSalesforce, models.SourceHubSpot}
	const n = 8
	ids := make([]int64, n)
	created := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, c, err := models.RequestCRMSync(ctx, db, pm, models.SourceSalesforce, configured)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], created[i] = s.ID, c
		}()
	}
	wg.Wait()
	firsts := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Errorf("request %d got sync %d, another got %d", i, ids[i], ids[0])
		}
		if created[i] {
			firsts++
		}
	}
	var rows, jobs int64
	db.Raw(`SELECT count(*) FROM crm_syncs WHERE source = 'salesforce'`).Scan(&rows)
	db.Raw(`SELECT count(*) FROM river_job WHERE kind = 'crm_sync'`).Scan(&jobs)
	if firsts != 1 || rows != 1 || jobs != 1 {
		t.Errorf("created=%d rows=%d jobs=%d, want 1 each", firsts, rows, jobs)
	}
	// Another source is independent.
	if h := requestSync(t, db, pm, models.SourceHubSpot); h.ID == ids[0] {
		t.Error("HubSpot shares Salesforce's run")
	}
	// Unconfigured or unknown sources are refused.
	for _, src := range []string{"csv", "pipedrive", models.SourceHubSpot} {
		if _, _, err := models.RequestCRMSync(ctx, db, pm, src, []string{models.SourceSalesforce}); err == nil {
			t.Errorf("source %q accepted", src)
		}
	}
}

func TestSyncLogListsRunsNewestFirst(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	a := requestSync(t, db, pm, models.SourceSalesforce)
	b := requestSync(t, db, pm, models.SourceHubSpot)
	if _, _, err := models.PreviewCSVImport(ctx, db, pm, "x.csv", []byte("external_id,name\nA,B\n")); err != nil {
		t.Fatal(err)
	}
	runs, p, err := models.ListSyncs(db, models.NewPage(1, 1))
	if err != nil || p.Total != 2 || len(runs) != 1 || runs[0].ID != b.ID {
		t.Fatalf("page 1 = %+v %+v %v", runs, p, err)
	}
	runs, _, _ = models.ListSyncs(db, models.NewPage(2, 1))
	if len(runs) != 1 || runs[0].ID != a.ID {
		t.Fatalf("page 2 = %+v", runs)
	}
	last, err := models.LastSyncs(db)
	if err != nil || last["salesforce"].ID != a.ID || last["hubspot"].ID != b.ID || len(last) != 2 {
		t.Errorf("last = %+v %v", last, err)
	}
}

// The periodic job (run by the elected leader) queues a sync of each
// configured CRM, which the queue then runs.
func TestPeriodicSyncRunsEveryConfiguredCRM(t *testing.T) {
	db := openDB(t)
	_, cfg := hubspotFake(t)
	cfg.Poll = 20 * time.Millisecond
	cfg.CRMSyncInterval = time.Hour
	q, err := models.NewQueue(db, cfg, models.QueueOptions{Periodic: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(stopCtx)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		var done int64
		db.Raw(`SELECT count(*) FROM crm_syncs WHERE source = 'hubspot' AND state = 'done' AND created = 4`).Scan(&done)
		if done == 1 {
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			var rows []models.CRMSync
			db.Raw(`SELECT * FROM crm_syncs`).Scan(&rows)
			t.Fatalf("no finished HubSpot sync from the schedule: %+v", rows)
		}
	}
	var salesforce int64
	db.Raw(`SELECT count(*) FROM crm_syncs WHERE source <> 'hubspot'`).Scan(&salesforce)
	if salesforce != 0 {
		t.Errorf("%d runs of unconfigured sources", salesforce)
	}
}

// A run whose job River gave up on (or someone cancelled) does not hold its
// source's one slot forever: the next request fails it and starts afresh.
func TestLostRunReleasesItsSource(t *testing.T) {
	db := openDB(t)
	lost := requestSync(t, db, nil, models.SourceSalesforce)
	db.Exec(`UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE kind = 'crm_sync'`)
	next := requestSync(t, db, nil, models.SourceSalesforce)
	if next.ID == lost.ID {
		t.Fatal("the lost run still holds Salesforce")
	}
	if s := getSync(t, db, lost.ID); s.State != models.SyncFailed || s.FinishedAt == nil || !strings.Contains(s.Message, "stopped") {
		t.Errorf("lost run = %+v", s)
	}
	// A live job keeps its run.
	if again := requestSync(t, db, nil, models.SourceSalesforce); again.ID != next.ID {
		t.Errorf("a live run was replaced: %d, want %d", again.ID, next.ID)
	}
}
