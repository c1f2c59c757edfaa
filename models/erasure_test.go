package models_test

import (
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// TestErasedVotesStayErasedThroughUnmerge: a merge keeps the votes and
// follows it dropped so unmerge can restore them; a member who deleted their
// account in between must not get them back, and the counters must match
// the rows throughout.
func TestErasedVotesStayErasedThroughUnmerge(t *testing.T) {
	db := openDB(t)
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	ann, zed, amy := newUser(t, db, "Ann"), newUser(t, db, "Zed"), newUser(t, db, "Amy")
	a := newIdea(t, db, ann, "Export reports as CSV")
	b := newIdea(t, db, ann, "CSV export for reports")
	for _, i := range []*models.Idea{a, b} {
		for _, u := range []*models.User{zed, amy} {
			if _, err := models.Vote(ctx, db, u, i.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := models.SetFollow(ctx, db, u, i.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := models.Merge(ctx, db, mod, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := models.DeleteAccount(ctx, db, zed.ID); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, db)
	if _, err := models.Unmerge(ctx, db, mod, a.ID); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, db)
	for _, table := range []string{"votes", "follows"} {
		var n int64
		db.Table(table).Where("user_id = ?", zed.ID).Count(&n)
		if n != 0 {
			t.Errorf("unmerge gave the deleted account %d %s back", n, table)
		}
		db.Table(table).Where("user_id = ?", amy.ID).Count(&n)
		if n != 2 {
			t.Errorf("Amy has %d %s after unmerge, want 2", n, table)
		}
	}
	for _, i := range []*models.Idea{a, b} {
		got, err := models.IdeaByID(ctx, db, mod, i.ID)
		if err != nil || got.VoteCount != 2 || got.FollowerCount != 2 {
			t.Errorf("idea %d after unmerge: %+v %v, want Ann's and Amy's votes and follows", i.ID, got, err)
		}
	}
}
