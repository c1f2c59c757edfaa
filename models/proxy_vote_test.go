package models_test

import (
	"errors"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestProxyVotesCountLikeVotesAndPlaceholdersAreReused(t *testing.T) {
	f := newDemandFixture(t)
	db := f.db
	mod := newStaff(t, db, "Moe Derator", models.RoleModerator)
	if _, err := models.CastProxyVote(ctx, db, mod, f.idea.ID, models.ProxyVoteInput{UserID: f.alice.ID}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("moderator proxy vote: %v, want forbidden", err)
	}
	for _, bad := range []models.ProxyVoteInput{{}, {Email: "not-an-email", Name: "X"}, {Email: "x@acme.test"}, {UserID: 1 << 40},
		{UserID: f.alice.ID, Email: "x@example.com", Name: "X"}} {
		var v *models.ValidationError
		if _, err := models.CastProxyVote(ctx, db, f.pm, f.idea.ID, bad); !errors.As(err, &v) {
			t.Errorf("proxy vote %+v: %v, want a validation error", bad, err)
		}
	}
	// For a member.
	r, err := models.CastProxyVote(ctx, db, f.pm, f.idea.ID, models.ProxyVoteInput{UserID: f.alice.ID})
	if err != nil || !r.Created || r.VoteCount != 2 || r.Placeholder {
		t.Fatalf("proxy vote for Alice: %+v %v", r, err)
	}
	// For a contact at Euro GmbH: a placeholder, reused the second time.
	r, err = models.CastProxyVote(ctx, db, f.pm, f.idea.ID, models.ProxyVoteInput{Email: "dora@euro.test", Name: "Dora"})
	if err != nil || !r.Created || !r.Placeholder || r.VoteCount != 3 {
		t.Fatalf("proxy vote for a contact: %+v %v", r, err)
	}
	dora := r.UserID
	other := newIdea(t, db, f.author, "Another idea for Dora")
	r2, err := models.CastProxyVote(ctx, db, f.pm, other.ID, models.ProxyVoteInput{Email: "DORA@euro.test", Name: "Dora E."})
	if err != nil || r2.UserID != dora {
		t.Fatalf("second proxy vote for the contact: %+v %v, want placeholder %d again", r2, err, dora)
	}
	// An email of a verified member votes for that member.
	r3, err := models.CastProxyVote(ctx, db, f.pm, other.ID, models.ProxyVoteInput{Email: "bob.b@example.com", Name: "Bobby"})
	if err != nil || r3.UserID != f.bob.ID || r3.Placeholder {
		t.Fatalf("proxy vote by a member's email: %+v %v, want Bob", r3, err)
	}
	checkInvariants(t, db)
	// Dora's domain puts her in Euro GmbH: the account is at stake.
	d := f.demand(t, f.idea.ID)
	if d.Accounts != 2 || d.ARRAtStakeCents != 100_000_00+11_000_00 || d.Votes != 3 {
		t.Fatalf("demand with proxy votes: %+v", d)
	}
	voters, err := models.Voters(ctx, db, f.pm, f.idea.ID, models.NewPage(1, 10))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, v := range voters.Voters {
		if v.UserID == dora {
			seen++
			if v.CastByName == nil || *v.CastByName != f.pm.Name || !v.Placeholder || v.AccountName == nil || *v.AccountName != "Euro GmbH" {
				t.Errorf("Dora's row: %+v", v)
			}
		}
		if v.UserID == f.author.ID && v.CastByID != nil {
			t.Errorf("the author's own vote shows as a proxy vote")
		}
	}
	if seen != 1 {
		t.Fatalf("Dora in the voters list %d times", seen)
	}
	// Staff remove a proxy vote, never a member's own.
	if _, err := models.RemoveProxyVote(ctx, db, f.pm, f.idea.ID, f.author.ID); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("removing the author's own vote: %v", err)
	}
	for range 2 { // the second time there is nothing to remove
		st, err := models.RemoveProxyVote(ctx, db, f.pm, f.idea.ID, dora)
		if err != nil || st.VoteCount != 2 {
			t.Fatalf("remove proxy vote: %+v %v", st, err)
		}
	}
	checkInvariants(t, db)
	var audits int64
	db.Raw(`SELECT count(*) FROM audit_log WHERE action IN ('vote.proxy_add', 'vote.proxy_remove') AND actor_id = ?`, f.pm.ID).Scan(&audits)
	if audits != 5 {
		t.Fatalf("%d proxy vote audit entries, want 5", audits)
	}
}

// TestPlaceholderTakenOverOnlyByVerifiedEmail: the first sign-in with the
// contact's verified address becomes the placeholder (keeping its votes);
// an unverified address never does, and a real member is never taken over.
func TestPlaceholderTakenOverOnlyByVerifiedEmail(t *testing.T) {
	f := newDemandFixture(t)
	db := f.db
	r, err := models.CastProxyVote(ctx, db, f.pm, f.idea.ID, models.ProxyVoteInput{Email: "Dora@Euro.test", Name: "Dora"})
	if err != nil {
		t.Fatal(err)
	}
	unverified, err := models.SignIn(ctx, db, models.Profile{Provider: "oidc", ProviderUserID: "u-1", Email: "dora@euro.test",
		EmailVerified: false, Name: "Not Dora"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if unverified.ID == r.UserID {
		t.Fatal("an unverified email took over the placeholder")
	}
	u, err := models.SignIn(ctx, db, models.Profile{Provider: "oidc", ProviderUserID: "dora-1", Email: "dora@euro.test",
		EmailVerified: true, Name: "Dora Explorer"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != r.UserID || u.Placeholder || !u.EmailVerified || u.Name != "Dora Explorer" {
		t.Fatalf("verified sign-in: %+v, want the placeholder %d taken over", u, r.UserID)
	}
	var votes int64
	db.Raw(`SELECT count(*) FROM votes WHERE user_id = ? AND idea_id = ?`, u.ID, f.idea.ID).Scan(&votes)
	if votes != 1 {
		t.Fatal("the vote cast for Dora did not come with the account")
	}
	again, err := models.SignIn(ctx, db, models.Profile{Provider: "oidc", ProviderUserID: "dora-1", Email: "dora@euro.test",
		EmailVerified: true, Name: "Dora Explorer"}, nil)
	if err != nil || again.ID != u.ID {
		t.Fatalf("second sign-in: %+v %v", again, err)
	}
	// A real member's address is not a placeholder: another provider with
	// the same verified email is refused as before, nothing is linked.
	if _, err := models.SignIn(ctx, db, models.Profile{Provider: "other", ProviderUserID: "x", Email: "alice.a@example.com",
		EmailVerified: true, Name: "Alice Twin"}, nil); !errors.Is(err, models.ErrEmailTaken) {
		t.Fatalf("second provider with a member's email: %v, want ErrEmailTaken", err)
	}
}
