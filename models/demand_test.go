package models_test

import (
	"errors"
	"reflect"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// demandFixture is three accounts (USD, EUR, JPY) around one idea.
type demandFixture struct {
	db               *gorm.DB
	fx               models.FX
	acme, euro, yen  int64
	author, pm       *models.User
	idea             *models.Idea
	alice, bob, carl *models.User
}

func newDemandFixture(t *testing.T) *demandFixture {
	t.Helper()
	db := openDB(t)
	f := &demandFixture{db: db}
	var err error
	if f.fx, err = models.ParseFX("USD", "EUR=1.10"); err != nil {
		t.Fatal(err)
	}
	mk := func(ext, name, domain string, arr int64, cur, segment string) int64 {
		id, _, err := upsertAccount(t, db, models.AccountInput{ExternalID: ext, Name: name, Domains: []string{domain},
			ARRCents: arr, Currency: cur, Segment: segment})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.acme = mk("A", "Acme", "example.com", 100_000_00, "USD", "Enterprise")
	f.euro = mk("E", "Euro GmbH", "euro.test", 10_000_00, "EUR", "SMB")
	f.yen = mk("Y", "Yen KK", "yen.test", 5_000_000_00, "JPY", "Enterprise")
	for _, o := range []models.OpportunityInput{
		{ExternalID: "o1", AccountExternalID: "A", Name: "Acme expansion", AmountCents: 20_000_00, State: "open"},
		{ExternalID: "o2", AccountExternalID: "A", Name: "Acme add-on", AmountCents: 5_000_00, State: "open"},
		{ExternalID: "o3", AccountExternalID: "A", Name: "Acme renewal", AmountCents: 90_000_00, State: "won"},
		{ExternalID: "o4", AccountExternalID: "E", Name: "Euro upsell", AmountCents: 1_000_00, State: "open"},
	} {
		if _, _, err := models.UpsertOpportunity(db, models.SourceCSV, o); err != nil {
			t.Fatal(err)
		}
	}
	// The author signs in with a webmail-like domain of no account.
	f.author, err = models.DevSignIn(ctx, db, "author@nowhere.test", "Author", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.pm = newStaff(t, db, "Pam Manager", models.RoleProductManager)
	if err := db.Exec(`UPDATE users SET email = 'pam@staff.test' WHERE id = ?`, f.pm.ID).Error; err != nil {
		t.Fatal(err)
	}
	f.idea = newIdea(t, db, f.author, "Single sign-on for teams")
	f.alice = newUser(t, db, "Alice A") // alice.a@example.com → Acme
	f.bob = newUser(t, db, "Bob B")     // bob.b@example.com → Acme
	f.carl, err = models.DevSignIn(ctx, db, "carl@euro.test", "Carl", nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *demandFixture) vote(t *testing.T, u *models.User) {
	t.Helper()
	if _, err := models.Vote(ctx, f.db, u, f.idea.ID); err != nil {
		t.Fatal(err)
	}
}

func (f *demandFixture) demand(t *testing.T, ideaID int64) *models.Demand {
	t.Helper()
	d, err := models.IdeaDemand(ctx, f.db, f.fx, ideaID)
	if err != nil {
		t.Fatal(err)
	}
	arr, err := models.ARRAtStake(ctx, f.db, f.fx, []int64{ideaID})
	if err != nil {
		t.Fatal(err)
	}
	if arr[ideaID] != d.ARRAtStakeCents {
		t.Errorf("ARRAtStake %d disagrees with IdeaDemand %d", arr[ideaID], d.ARRAtStakeCents)
	}
	return d
}

func TestDemandCountsEachAccountOnceAndFlagsUnknownCurrency(t *testing.T) {
	f := newDemandFixture(t)
	if d := f.demand(t, f.idea.ID); d.Accounts != 0 || d.ARRAtStakeCents != 0 || d.Votes != 1 {
		t.Fatalf("no account yet: %+v", d)
	}
	// Two Acme members vote and staff link Acme: Acme counts once.
	f.vote(t, f.alice)
	f.vote(t, f.bob)
	f.vote(t, f.carl)
	if err := f.db.Exec(`INSERT INTO idea_accounts (idea_id, account_id, importance) VALUES (?, ?, 'critical'), (?, ?, 'nice_to_have')`,
		f.idea.ID, f.acme, f.idea.ID, f.yen).Error; err != nil {
		t.Fatal(err)
	}
	d := f.demand(t, f.idea.ID)
	if d.Votes != 4 || d.Accounts != 3 || d.LinkedAccounts != 2 || d.VotingAccounts != 2 {
		t.Fatalf("counts: %+v", d)
	}
	if want := int64(100_000_00 + 11_000_00); d.ARRAtStakeCents != want {
		t.Fatalf("ARR at stake %d, want %d (Acme once + Euro converted, Yen left out)", d.ARRAtStakeCents, want)
	}
	if want := int64(25_000_00 + 1_100_00); d.PipelineAtStakeCents != want || d.OpenOpportunities != 3 {
		t.Fatalf("pipeline %d over %d opportunities, want %d over 3", d.PipelineAtStakeCents, d.OpenOpportunities, want)
	}
	if !reflect.DeepEqual(d.Unconverted, []string{"JPY"}) || d.Currency != "USD" {
		t.Fatalf("unconverted %v currency %s", d.Unconverted, d.Currency)
	}
	via := map[int64]string{}
	for _, r := range d.AccountRows {
		via[r.AccountID] = r.Via
	}
	if want := map[int64]string{f.acme: "both", f.euro: "vote", f.yen: "link"}; !reflect.DeepEqual(via, want) {
		t.Fatalf("via %v, want %v", via, want)
	}
	if r := d.AccountRows[0]; r.AccountID != f.acme || r.Votes != 2 || r.Importance == nil || *r.Importance != "critical" {
		t.Fatalf("first row %+v", r)
	}
	seg := map[string]models.SegmentDemand{}
	for _, s := range d.BySegment {
		seg[s.Segment] = s
	}
	if e := seg["Enterprise"]; e.Accounts != 2 || e.Votes != 2 || e.ARRCents != 100_000_00 {
		t.Fatalf("Enterprise %+v", e)
	}
	if s := seg["SMB"]; s.Accounts != 1 || s.Votes != 1 || s.ARRCents != 11_000_00 {
		t.Fatalf("SMB %+v", s)
	}
	if _, err := models.IdeaDemand(ctx, f.db, f.fx, 1<<40); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("missing idea: %v", err)
	}
}

// TestDemandAfterErasureAndAccountDeletion: an account at stake only through
// a member who deletes their account drops out; a linked account stays
// (once) without its votes; a deleted account leaves every sum at once.
func TestDemandAfterErasureAndAccountDeletion(t *testing.T) {
	f := newDemandFixture(t)
	f.vote(t, f.alice)
	f.vote(t, f.carl)
	if _, err := models.CastProxyVote(ctx, f.db, f.pm, f.idea.ID, models.ProxyVoteInput{Email: "dan@example.com", Name: "Dan"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := models.LinkIdeaAccount(ctx, f.db, f.pm, f.idea.ID, f.acme, models.LinkInput{Importance: "critical"}); err != nil {
		t.Fatal(err)
	}
	if d := f.demand(t, f.idea.ID); d.Accounts != 2 || d.ARRAtStakeCents != 111_000_00 || d.AccountRows[0].Votes != 2 {
		t.Fatalf("before: %+v", d)
	}
	// Carl (Euro's only voter) erases his account: Euro leaves.
	if err := models.DeleteAccount(ctx, f.db, f.carl.ID); err != nil {
		t.Fatal(err)
	}
	if d := f.demand(t, f.idea.ID); d.Accounts != 1 || d.ARRAtStakeCents != 100_000_00 || d.Votes != 3 {
		t.Fatalf("after Carl's erasure: %+v", d)
	}
	// Alice too: Acme stays linked, with the proxy vote for Dan.
	if err := models.DeleteAccount(ctx, f.db, f.alice.ID); err != nil {
		t.Fatal(err)
	}
	d := f.demand(t, f.idea.ID)
	if d.Accounts != 1 || d.ARRAtStakeCents != 100_000_00 || d.AccountRows[0].Votes != 1 || d.AccountRows[0].Via != "both" {
		t.Fatalf("after Alice's erasure: %+v", d)
	}
	checkInvariants(t, f.db)
	// Deleting Acme removes it from the idea's demand, links and pipeline.
	mod := newStaff(t, f.db, "Moe", models.RoleModerator)
	if err := models.DeleteCRMAccount(ctx, f.db, mod, f.acme); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("moderator deletes an account: %v", err)
	}
	if err := models.DeleteCRMAccount(ctx, f.db, f.pm, f.acme); err != nil {
		t.Fatal(err)
	}
	if d := f.demand(t, f.idea.ID); d.Accounts != 0 || d.ARRAtStakeCents != 0 || d.PipelineAtStakeCents != 0 || d.Votes != 2 {
		t.Fatalf("after deleting Acme: %+v", d)
	}
	var audits int64
	f.db.Raw(`SELECT count(*) FROM audit_log WHERE action = 'crm_account.delete' AND target_id = ?`, f.acme).Scan(&audits)
	if audits != 1 {
		t.Fatal("account deletion not audited")
	}
}

// TestAccountDeletedBetweenMergeAndUnmerge: a dropped link of an account
// deleted meanwhile is not restored, and unmerge still succeeds.
func TestAccountDeletedBetweenMergeAndUnmerge(t *testing.T) {
	f := newDemandFixture(t)
	mod := newStaff(t, f.db, "Moe", models.RoleModerator)
	dup := newIdea(t, f.db, f.author, "SSO for teams, again")
	for _, id := range []int64{f.idea.ID, dup.ID} {
		if _, _, err := models.LinkIdeaAccount(ctx, f.db, f.pm, id, f.acme, models.LinkInput{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := models.LinkIdeaAccount(ctx, f.db, f.pm, id, f.euro, models.LinkInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.Merge(ctx, f.db, mod, dup.ID, f.idea.ID); err != nil {
		t.Fatal(err)
	}
	if err := models.DeleteCRMAccount(ctx, f.db, f.pm, f.acme); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Unmerge(ctx, f.db, mod, dup.ID); err != nil {
		t.Fatal(err)
	}
	if d := f.demand(t, dup.ID); d.Accounts != 1 || d.AccountRows[0].AccountID != f.euro {
		t.Fatalf("restored duplicate's demand: %+v", d)
	}
	checkInvariants(t, f.db)
}
