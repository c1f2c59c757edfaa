package models_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/hubspot"
	"github.com/crowdwise/crowdwise/integrations/hubspot/hubspottest"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/salesforce"
	"github.com/crowdwise/crowdwise/integrations/salesforce/salesforcetest"
	"github.com/crowdwise/crowdwise/models"
)

// Salesforce record ids are 15 or 18 alphanumerics; FindTask checks them.
const sfAcme, sfGlobex = "001A00000000001AAA", "001B00000000001AAA"

// withCRMs starts the Salesforce and HubSpot fakes, links the env's idea to
// two Salesforce accounts (one owner) and one HubSpot company (another
// owner), and configures write-back to both.
func withCRMs(t *testing.T, e *backlogEnv) (*salesforcetest.Server, *hubspottest.Server) {
	t.Helper()
	sf := salesforcetest.New(t)
	sfc, err := salesforce.New(salesforce.Config{URL: sf.URL, ClientID: sf.ClientID, ClientSecret: sf.ClientSecret},
		outbound.New(outbound.Policy{AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	sf.AddAccount(salesforcetest.Record{"Id": sfAcme, "Name": "Acme"})
	sf.AddAccount(salesforcetest.Record{"Id": sfGlobex, "Name": "Globex"})
	hs := hubspottest.New(t)
	hs.AddCompany(hubspottest.Object{ID: "101", Properties: map[string]any{"name": "Initech"}})
	hsc, err := hubspot.New(hubspot.Config{URL: hs.URL, Token: hs.Token}, outbound.New(outbound.Policy{AllowPrivate: true}))
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.Backlog.CRM = []models.CRMWriter{models.SalesforceWriter(sfc), models.HubSpotWriter(hsc)}
	accounts := []struct {
		source string
		in     models.AccountInput
	}{
		{models.SourceSalesforce, models.AccountInput{ExternalID: sfAcme, Name: "Acme", ARRCents: 12_000_000, Currency: "USD", Lifecycle: "customer", OwnerEmail: "olive@vendor.com"}},
		{models.SourceSalesforce, models.AccountInput{ExternalID: sfGlobex, Name: "Globex", ARRCents: 5_000_000, Currency: "USD", Lifecycle: "customer", OwnerEmail: "olive@vendor.com"}},
		{models.SourceHubSpot, models.AccountInput{ExternalID: "101", Name: "Initech", ARRCents: 3_000_000, Currency: "USD", Lifecycle: "customer", OwnerEmail: "hank@vendor.com"}},
	}
	err = e.db.Transaction(func(tx *gorm.DB) error {
		for _, a := range accounts {
			id, _, err := models.UpsertAccount(tx, a.source, a.in)
			if err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO idea_accounts (idea_id, account_id) VALUES (?, ?)`, e.idea.ID, id).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sf, hs
}

func TestShippedIdeaWritesOneTaskPerAccountOneNotePerCompanyAndMailsEachOwnerOnce(t *testing.T) {
	e := newBacklogEnv(t)
	sf, hs := withCRMs(t, e)
	item, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnDone); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.run(t) // nothing is left to write twice

	shipped := map[string]int{}
	for _, task := range sf.Tasks() {
		if subj := fmt.Sprint(task["Subject"]); subj == "Crowdwise: Export to CSV is now Shipped" {
			if task["Status"] != "Completed" || !strings.Contains(fmt.Sprint(task["Description"]), "/ideas/") {
				t.Errorf("task = %v", task)
			}
			shipped[fmt.Sprint(task["WhatId"])]++
		}
	}
	if shipped[sfAcme] != 1 || shipped[sfGlobex] != 1 || len(shipped) != 2 {
		t.Errorf("shipped tasks per account = %v, want one each for Acme and Globex", shipped)
	}
	notes := 0
	for _, n := range hs.Notes() {
		if strings.Contains(n.Properties["hs_note_body"], "is now Shipped") {
			notes++
			if len(n.Associations) != 1 || n.Associations[0].To.ID != "101" || n.Associations[0].Types[0].AssociationTypeID != 190 {
				t.Errorf("note associations = %+v", n.Associations)
			}
		}
	}
	if notes != 1 {
		t.Errorf("%d shipped notes in HubSpot, want 1", notes)
	}
	owners := map[string][]string{}
	for to, msgs := range e.inbox(t) {
		for _, m := range msgs {
			if strings.Contains(m.Subject(), "is now Shipped") && strings.HasSuffix(to, "@vendor.com") {
				owners[to] = append(owners[to], m.Text)
			}
		}
	}
	if len(owners["olive@vendor.com"]) != 1 || len(owners["hank@vendor.com"]) != 1 {
		t.Fatalf("owner emails = %v, want one each", owners)
	}
	if olive := owners["olive@vendor.com"][0]; !strings.Contains(olive, "Acme") || !strings.Contains(olive, "Globex") || strings.Contains(olive, "Initech") {
		t.Errorf("Olive's email lists the wrong accounts:\n%s", olive)
	}
}

func TestWriteBackFailureIsKeptAndRetried(t *testing.T) {
	e := newBacklogEnv(t)
	_, hs := withCRMs(t, e)
	hs.Fail(1, 500, "")
	if _, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal}); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	log, err := models.BacklogIntegrations(ctx, e.db, e.pm, models.NewPage(1, 20), models.NewPage(1, 20))
	if err != nil {
		t.Fatal(err)
	}
	var failed *models.WriteBackRow
	for i, w := range log.WriteBacks {
		if w.Target == models.SourceHubSpot {
			failed = &log.WriteBacks[i]
		}
	}
	if failed == nil || failed.State != "pending" || failed.LastError == "" || failed.Attempts != 1 {
		t.Fatalf("HubSpot write-back after a 500 = %+v; want pending with the error shown", failed)
	}
	e.db.Exec(`UPDATE river_job SET state = 'available', scheduled_at = now() WHERE state = 'scheduled'`)
	e.run(t)
	var state string
	e.db.Raw(`SELECT state FROM crm_writebacks WHERE id = ?`, failed.ID).Scan(&state)
	if state != "done" || len(hs.Notes()) != 1 {
		t.Fatalf("after the retry state = %s, notes = %d; want done and one note", state, len(hs.Notes()))
	}
}

// crashAfterWrite dies (panics) once per account right after the CRM took
// the Task or note, before the job's transaction commits: as if the process
// died between the CRM's answer and our commit.
type crashAfterWrite struct {
	models.CRMWriter
	mu      sync.Mutex
	crashed map[string]bool
}

func (c *crashAfterWrite) WriteBack(ctx context.Context, account string, n models.WriteBackNote) error {
	err := c.CRMWriter.WriteBack(ctx, account, n)
	c.mu.Lock()
	crash := err == nil && !c.crashed[account]
	c.crashed[account] = true
	c.mu.Unlock()
	if crash {
		panic("process died after the CRM answered")
	}
	return err
}

func TestWriteBackAfterCrashAdoptsTheTaskAndNoteByMarker(t *testing.T) {
	e := newBacklogEnv(t)
	sf, hs := withCRMs(t, e)
	crash := map[string]bool{}
	for i, w := range e.cfg.Backlog.CRM {
		e.cfg.Backlog.CRM[i] = &crashAfterWrite{CRMWriter: w, crashed: crash}
	}
	if _, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal}); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if len(crash) != 3 || len(sf.Tasks()) != 2 || len(hs.Notes()) != 1 {
		t.Fatalf("before the retry: crashed on %v, %d tasks, %d notes; want every write made and crashed", crash, len(sf.Tasks()), len(hs.Notes()))
	}
	var pending int64
	e.db.Raw(`SELECT count(*) FROM crm_writebacks WHERE state = 'pending'`).Scan(&pending)
	if pending != 3 {
		t.Fatalf("%d write-backs pending after the crash, want 3 (the rolled-back jobs)", pending)
	}
	e.retryNow(t)
	e.run(t)
	tasks := map[string]int{}
	for _, task := range sf.Tasks() {
		tasks[fmt.Sprint(task["WhatId"])]++
		if !strings.Contains(fmt.Sprint(task["Description"]), "crowdwise-writeback: ") {
			t.Errorf("task without its marker: %v", task)
		}
	}
	if tasks[sfAcme] != 1 || tasks[sfGlobex] != 1 || len(tasks) != 2 {
		t.Errorf("tasks per account after the retry = %v, want one each", tasks)
	}
	if n := len(hs.Notes()); n != 1 {
		t.Errorf("HubSpot holds %d notes after the retry, want 1", n)
	}
	var done int64
	e.db.Raw(`SELECT count(*) FROM crm_writebacks WHERE state = 'done'`).Scan(&done)
	if done != 3 {
		t.Errorf("%d write-backs done after the retry, want 3", done)
	}
	searches := 0
	for _, r := range hs.Requests() {
		if r.Path == "/crm/v3/objects/notes/search" {
			searches++
		}
	}
	if searches != 2 {
		t.Errorf("%d HubSpot note searches, want 2 (one before each write attempt)", searches)
	}
}
