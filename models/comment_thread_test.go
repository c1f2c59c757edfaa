package models_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// A page of a thread reads its authors in a statement of their own: every comment gets
// its author's name and role now, an author who appears twice is named
// twice, and an erased account reads "deleted user" without a Team badge.
func TestThreadNamesEveryAuthor(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	bob := newUser(t, db, "Bob")
	pat := newStaff(t, db, "Pat", models.RoleProductManager)
	idea := newIdea(t, db, ann, "Authors in a thread")
	first := newComment(t, db, ann, idea.ID, "first")
	reply, err := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "reply", ParentID: &first.ID})
	if err != nil {
		t.Fatal(err)
	}
	newComment(t, db, pat, idea.ID, "team")
	newComment(t, db, ann, idea.ID, "again")
	gone := newStaff(t, db, "Gone", models.RoleModerator)
	newComment(t, db, gone, idea.ID, "by someone erased")
	if err := db.Exec(`UPDATE users SET deleted_at = now() WHERE id = ?`, gone.ID).Error; err != nil {
		t.Fatal(err)
	}
	thread, err := firstThreadPage(t, db, nil, idea.ID)
	if err != nil {
		t.Fatal(err)
	}
	type who struct {
		name string
		team bool
	}
	var got []who
	for _, c := range thread {
		got = append(got, who{c.AuthorName, c.ByTeam()})
	}
	want := []who{{"Ann", false}, {"Pat", true}, {"Ann", false}, {"deleted user", false}}
	if len(got) != len(want) {
		t.Fatalf("roots = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("root %d = %v, want %v", i, got[i], want[i])
		}
	}
	if len(thread[0].Replies) != 1 || thread[0].Replies[0].ID != reply.ID || thread[0].Replies[0].AuthorName != "Bob" {
		t.Errorf("reply = %+v", thread[0].Replies)
	}
}

// firstThreadPage is the top-level comments of the first page of an idea's
// discussion, with their replies, as viewer sees them.
func firstThreadPage(t *testing.T, db *gorm.DB, viewer *models.User, ideaID int64) ([]*models.Comment, error) {
	t.Helper()
	p, err := models.ThreadPageOf(ctx, db, viewer, ideaID, models.ThreadQuery{})
	if err != nil {
		return nil, err
	}
	return p.Roots, nil
}
