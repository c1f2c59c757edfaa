package models_test

import (
	"errors"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestManualAccountsValidateAuditAndList(t *testing.T) {
	f := newDemandFixture(t)
	db := f.db
	var v *models.ValidationError
	if _, err := models.CreateManualAccount(ctx, db, f.pm, models.AccountInput{Name: "Webmail Inc", Domains: []string{"gmail.com"}}); !errors.As(err, &v) || v.Fields["domains"] == "" {
		t.Fatalf("webmail domain: %v", err)
	}
	if _, err := models.CreateManualAccount(ctx, db, f.pm, models.AccountInput{Name: "Copycat", Domains: []string{"example.com"}}); !errors.As(err, &v) || v.Fields["domains"] != "example.com already belongs to Acme." {
		t.Fatalf("taken domain: %v", err)
	}
	if _, err := models.CreateManualAccount(ctx, db, f.alice, models.AccountInput{Name: "Nope"}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("member creates an account: %v", err)
	}
	a, err := models.CreateManualAccount(ctx, db, f.pm, models.AccountInput{Name: "Zeta Labs", Domains: []string{"https://www.zeta.test/"},
		ARRCents: 30_000_00, Segment: "Mid-market"})
	if err != nil || a.ID == 0 || a.Source != "manual" || a.Domains[0] != "zeta.test" {
		t.Fatalf("create: %+v %v", a, err)
	}
	zed, err := models.DevSignIn(ctx, db, "zed@zeta.test", "Zed", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.UpdateManualAccount(ctx, db, f.pm, f.acme, models.AccountInput{Name: "Acme"}); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("editing a CSV account: %v", err)
	}
	if a, err = models.UpdateManualAccount(ctx, db, f.pm, a.ID, models.AccountInput{Name: "Zeta Labs GmbH", Domains: []string{"zeta.test"},
		ARRCents: 40_000_00, Currency: "eur", Segment: "Mid-market", Lifecycle: "prospect"}); err != nil || a.Currency != "EUR" {
		t.Fatalf("update: %+v %v", a, err)
	}
	var audits int64
	db.Raw(`SELECT count(*) FROM audit_log WHERE target_type = 'crm_account' AND target_id = ? AND action IN ('crm_account.create', 'crm_account.update')`, a.ID).Scan(&audits)
	if audits != 2 {
		t.Fatalf("%d audit entries, want 2", audits)
	}

	list := func(q models.AccountQuery) []string {
		t.Helper()
		q.Page = models.NewPage(1, 10)
		p, err := models.ListAccounts(ctx, db, f.fx, q)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range p.Accounts {
			names = append(names, r.Name)
		}
		return names
	}
	f.vote(t, f.alice)
	f.vote(t, zed)
	if got := list(models.AccountQuery{Sort: "arr"}); len(got) != 4 || got[0] != "Acme" || got[1] != "Zeta Labs GmbH" || got[3] != "Yen KK" {
		t.Fatalf("by ARR (EUR converted, JPY last): %v", got)
	}
	if got := list(models.AccountQuery{Sort: "name"}); got[0] != "Acme" || got[3] != "Zeta Labs GmbH" {
		t.Fatalf("by name: %v", got)
	}
	if got := list(models.AccountQuery{Sort: "ideas"}); len(got) != 4 || (got[0] != "Acme" && got[0] != "Zeta Labs GmbH") || (got[1] != "Acme" && got[1] != "Zeta Labs GmbH") {
		t.Fatalf("by ideas: %v", got)
	}
	if got := list(models.AccountQuery{Q: "eta lab"}); len(got) != 1 || got[0] != "Zeta Labs GmbH" {
		t.Fatalf("search: %v", got)
	}
	if got := list(models.AccountQuery{Q: "euro.test"}); len(got) != 1 || got[0] != "Euro GmbH" {
		t.Fatalf("search by domain: %v", got)
	}
	if got := list(models.AccountQuery{Segment: "Enterprise", Lifecycle: "customer"}); len(got) != 2 {
		t.Fatalf("segment filter: %v", got)
	}
	for _, bad := range []models.AccountQuery{{Sort: "arr_cents; DROP TABLE users"}, {Lifecycle: "lost"}} {
		if _, err := models.ListAccounts(ctx, db, f.fx, bad); !errors.As(err, &v) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// TestStaffMemberLinks: staff put a member into an account whatever their
// domain says, and taking a domain member out keeps them out.
func TestStaffMemberLinks(t *testing.T) {
	f := newDemandFixture(t)
	db := f.db
	members := func(account int64) int64 {
		_, p, err := models.AccountMembers(ctx, db, account, models.NewPage(1, 10))
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	if n := members(f.acme); n != 2 { // alice, bob (example.com, verified)
		t.Fatalf("Acme members %d, want 2", n)
	}
	if _, err := models.LinkMember(ctx, db, f.pm, f.euro, "ALICE.A@example.com"); err != nil {
		t.Fatal(err)
	}
	if members(f.acme) != 1 || members(f.euro) != 2 {
		t.Fatalf("after linking Alice to Euro: Acme %d Euro %d", members(f.acme), members(f.euro))
	}
	if err := models.RemoveMember(ctx, db, f.pm, f.acme, f.bob.ID); err != nil {
		t.Fatal(err)
	}
	if members(f.acme) != 0 {
		t.Fatal("Bob still in Acme after removal")
	}
	if err := models.RemoveMember(ctx, db, f.pm, f.acme, f.bob.ID); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	var v *models.ValidationError
	if _, err := models.LinkMember(ctx, db, f.pm, f.euro, "nobody@nowhere.test"); !errors.As(err, &v) {
		t.Fatalf("unknown member: %v", err)
	}
	var audits int64
	db.Raw(`SELECT count(*) FROM audit_log WHERE action IN ('crm_account.member_link', 'crm_account.member_unlink')`).Scan(&audits)
	if audits != 2 {
		t.Fatalf("%d member audit entries, want 2", audits)
	}
}
