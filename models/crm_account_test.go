package models_test

import (
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

func upsertAccount(t *testing.T, db *gorm.DB, in models.AccountInput) (int64, models.Outcome, error) {
	t.Helper()
	if err := in.Validate(models.SourceCSV); err != nil {
		return 0, models.Unchanged, err
	}
	return models.UpsertAccount(db, models.SourceCSV, in)
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.Example.com/about":  "example.com",
		"example.com.":                   "example.com",
		"http://shop.example.co.uk:8080": "shop.example.co.uk",
		"a@example.org":                  "example.org",
		"not a domain":                   "",
		"localhost":                      "",
		"":                               "",
	} {
		if got := models.NormalizeDomain(in); got != want {
			t.Errorf("NormalizeDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUpsertAccountIsIdempotentAndDomainsAreExclusive(t *testing.T) {
	db := openDB(t)
	in := models.AccountInput{ExternalID: "A1", Name: "Acme", Domains: []string{"acme.test", "https://www.acme-corp.test/"}, ARRCents: 12_000_00}
	id, out, err := upsertAccount(t, db, in)
	if err != nil || out != models.Created {
		t.Fatalf("first upsert: %v %v", out, err)
	}
	again, out, err := upsertAccount(t, db, in)
	if err != nil || out != models.Unchanged || again != id {
		t.Fatalf("same row again: id %d out %v err %v, want %d Unchanged", again, out, err, id)
	}
	in.ARRCents = 15_000_00
	if _, out, err := upsertAccount(t, db, in); err != nil || out != models.Updated {
		t.Fatalf("changed ARR: %v %v", out, err)
	}
	var acc models.CRMAccount
	if err := db.First(&acc, id).Error; err != nil {
		t.Fatal(err)
	}
	if acc.ARRCents != 15_000_00 || len(acc.Domains) != 2 || acc.Domains[1] != "acme-corp.test" || acc.Lifecycle != "customer" || acc.Currency != "USD" {
		t.Fatalf("stored account: %+v", acc)
	}

	// Another account may not take acme.test, neither through the check
	// nor by racing past it to the database.
	_, _, err = upsertAccount(t, db, models.AccountInput{ExternalID: "B1", Name: "Beta", Domains: []string{"acme.test"}})
	var v *models.ValidationError
	if !errors.As(err, &v) || v.Fields["domains"] == "" {
		t.Fatalf("second owner of acme.test: %v", err)
	}
	err = db.Exec(`INSERT INTO crm_accounts (name, domains, source) VALUES ('Sneaky', '{acme.test}', 'manual')`).Error
	if err == nil {
		t.Fatal("database accepted a domain that already belongs to another account")
	}

	// Dropping a domain frees it.
	in.Domains = []string{"acme-corp.test"}
	if _, _, err := upsertAccount(t, db, in); err != nil {
		t.Fatal(err)
	}
	if _, out, err := upsertAccount(t, db, models.AccountInput{ExternalID: "B1", Name: "Beta", Domains: []string{"acme.test"}}); err != nil || out != models.Created {
		t.Fatalf("freed domain: %v %v", out, err)
	}
}

func TestAccountInputRefusesWebmailAndBadFields(t *testing.T) {
	in := models.AccountInput{ExternalID: "X", Name: " ", Domains: []string{"Gmail.com"}, ARRCents: -1, Currency: "dollars", Lifecycle: "lead", OwnerEmail: "nope"}
	err := in.Validate(models.SourceCSV)
	var v *models.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("want validation error, got %v", err)
	}
	for _, f := range []string{"name", "domains", "arr", "currency", "lifecycle", "owner_email"} {
		if v.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, v.Fields)
		}
	}
}

func TestMembershipByVerifiedDomainOrStaffLink(t *testing.T) {
	db := openDB(t)
	acme, _, err := upsertAccount(t, db, models.AccountInput{ExternalID: "A", Name: "Acme", Domains: []string{"example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := upsertAccount(t, db, models.AccountInput{ExternalID: "O", Name: "Other", Domains: []string{"other.test"}})
	if err != nil {
		t.Fatal(err)
	}
	verified := newUser(t, db, "Vera Fied") // vera.fied@example.com, verified
	unverified := newUser(t, db, "Una Verified")
	if err := db.Exec(`UPDATE users SET email_verified = false WHERE id = ?`, unverified.ID).Error; err != nil {
		t.Fatal(err)
	}
	membership := func(userID int64) int64 {
		t.Helper()
		var id int64
		if err := db.Raw(`SELECT coalesce(max(account_id), 0) FROM crm_memberships WHERE user_id = ?`, userID).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := membership(verified.ID); got != acme {
		t.Fatalf("verified example.com member in account %d, want %d", got, acme)
	}
	if got := membership(unverified.ID); got != 0 {
		t.Fatalf("unverified email gave membership in %d", got)
	}
	// A staff link wins over the domain, and a link to no account removes it.
	if err := db.Exec(`INSERT INTO crm_account_members (user_id, account_id) VALUES (?, ?)`, verified.ID, other).Error; err != nil {
		t.Fatal(err)
	}
	if got := membership(verified.ID); got != other {
		t.Fatalf("explicit link: account %d, want %d", got, other)
	}
	if err := db.Exec(`UPDATE crm_account_members SET account_id = NULL WHERE user_id = ?`, verified.ID).Error; err != nil {
		t.Fatal(err)
	}
	if got := membership(verified.ID); got != 0 {
		t.Fatalf("unlinked member still in account %d", got)
	}
}
