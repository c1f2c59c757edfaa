package models_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

func TestLockedCommentsRefuseMembersNotStaff(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	idea := newIdea(t, db, ann, "Locked discussion idea")
	first := newComment(t, db, bob, idea.ID, "before the lock")

	for _, u := range []*models.User{ann, pm} {
		if _, err := models.SetCommentsLocked(ctx, db, u, idea.ID, true); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%s locks comments: %v, want forbidden", u.Name, err)
		}
	}
	got, err := models.SetCommentsLocked(ctx, db, mod, idea.ID, true)
	if err != nil || !got.CommentsLocked {
		t.Fatalf("lock = %+v, %v", got, err)
	}
	if _, err := models.SetCommentsLocked(ctx, db, mod, idea.ID, true); err != nil {
		t.Fatal(err)
	}

	locked := func(what string, err error) {
		t.Helper()
		var p *models.Problem
		if !errors.As(err, &p) || !errors.Is(err, models.ErrForbidden) || !strings.Contains(p.Message, "locked") {
			t.Errorf("%s on a locked idea: %v, want 403 saying it is locked", what, err)
		}
	}
	_, err = models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "after the lock"})
	locked("member comment", err)
	_, err = models.CreateComment(ctx, db, ann, idea.ID, models.CommentInput{Body: "a reply", ParentID: &first.ID})
	locked("author reply", err)
	_, err = models.UpdateComment(ctx, db, bob, first.ID, "edited after the lock")
	locked("member edit", err)
	if _, err := models.DeleteComment(ctx, db, bob, first.ID); err != nil {
		t.Errorf("deleting one's own comment on a locked idea: %v", err)
	}
	for _, u := range []*models.User{mod, pm} {
		if _, err := models.CreateComment(ctx, db, u, idea.ID, models.CommentInput{Body: "team answer by " + u.Name}); err != nil {
			t.Errorf("%s comments on a locked idea: %v", u.Name, err)
		}
	}

	if got, err := models.SetCommentsLocked(ctx, db, mod, idea.ID, false); err != nil || got.CommentsLocked {
		t.Fatalf("unlock = %+v, %v", got, err)
	}
	if _, err := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "after the unlock"}); err != nil {
		t.Errorf("comment after unlock: %v", err)
	}
	if a := strings.Join(auditActions(t, db, mod.ID), ","); a != "idea.lock_comments,idea.unlock_comments" {
		t.Errorf("audit = %s", a)
	}
	checkCommentCounts(t, db)
}

func TestModeratorEditsSomeonesIdea(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	if err := db.Exec(`INSERT INTO categories (slug, name) VALUES ('mobile', 'Mobile')`).Error; err != nil {
		t.Fatal(err)
	}
	idea, err := models.CreateIdea(ctx, db, ann, models.IdeaInput{Title: "app crashes pls fix!!!", Body: "The **body** stays", Tags: []string{"crash"}})
	if err != nil {
		t.Fatal(err)
	}
	in := models.StaffEditInput{Title: "Mobile app crashes on start", Category: "mobile", Tags: []string{"crash, ios"}}
	if _, err := models.StaffEditIdea(ctx, db, bob, idea.ID, in); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("member edits another's idea: %v", err)
	}
	var ve *models.ValidationError
	if _, err := models.StaffEditIdea(ctx, db, mod, idea.ID, models.StaffEditInput{Title: "short", Category: "nope"}); !errors.As(err, &ve) ||
		ve.Fields["title"] == "" {
		t.Errorf("invalid edit: %v", err)
	}
	if _, err := models.StaffEditIdea(ctx, db, mod, idea.ID, models.StaffEditInput{Title: idea.Title, Category: "nope"}); !errors.As(err, &ve) ||
		ve.Fields["category"] == "" {
		t.Errorf("unknown category: %v", err)
	}

	got, err := models.StaffEditIdea(ctx, db, mod, idea.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Mobile app crashes on start" || got.Category != "mobile" || strings.Join(got.Tags, ",") != "crash,ios" ||
		got.Body != "The **body** stays" || got.AuthorID != ann.ID {
		t.Errorf("edited idea = %+v", got)
	}
	// Editing stays open to the author: the team did not respond yet.
	if !got.EditableBy(ann) {
		t.Error("a moderator's correction ended the author's editing")
	}
	var entry models.AuditEntry
	if err := db.Where("action = 'idea.edit'").Take(&entry).Error; err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	if err := json.Unmarshal(entry.Before, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(entry.After, &after); err != nil {
		t.Fatal(err)
	}
	if *entry.ActorID != mod.ID || *entry.TargetID != idea.ID ||
		!reflect.DeepEqual(before, map[string]any{"category": "general", "tags": []any{"crash"}, "title": "app crashes pls fix!!!"}) ||
		!reflect.DeepEqual(after, map[string]any{"category": "mobile", "tags": []any{"crash", "ios"}, "title": "Mobile app crashes on start"}) {
		t.Errorf("audit before %s after %s", entry.Before, entry.After)
	}
	var notes []struct {
		UserID                 int64
		Kind, Title, Body, URL string
	}
	db.Raw(`SELECT user_id, kind, title, body, url FROM notifications WHERE kind = 'edited'`).Scan(&notes)
	if len(notes) != 1 || notes[0].UserID != ann.ID || notes[0].Title != `A moderator edited your idea "Mobile app crashes on start"` ||
		notes[0].Body != "Title: \"app crashes pls fix!!!\" → \"Mobile app crashes on start\"\nCategory: general → mobile\nTags: crash → crash, ios" ||
		notes[0].URL != got.URL() {
		t.Errorf("notifications = %+v", notes)
	}

	// The same values again: nothing changes, nothing is recorded or sent.
	if _, err := models.StaffEditIdea(ctx, db, mod, idea.ID, in); err != nil {
		t.Fatal(err)
	}
	if n := len(auditActions(t, db, mod.ID)); n != 1 {
		t.Errorf("%d audit entries after an unchanged edit", n)
	}
	var count int64
	db.Raw(`SELECT count(*) FROM notifications WHERE kind = 'edited'`).Scan(&count)
	if count != 1 {
		t.Errorf("%d edit notifications after an unchanged edit", count)
	}
	// A moderator editing their own idea hears nothing from themself.
	own := newIdea(t, db, mod, "Moderator's own idea")
	if _, err := models.StaffEditIdea(ctx, db, mod, own.ID, models.StaffEditInput{Title: "Moderator's own idea, retitled"}); err != nil {
		t.Fatal(err)
	}
	db.Raw(`SELECT count(*) FROM notifications WHERE kind = 'edited'`).Scan(&count)
	if count != 1 {
		t.Errorf("the moderator was notified of their own edit")
	}
}

func TestModeratorDeletesAnIdeaAudited(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	idea := newIdea(t, db, ann, "An idea to delete")
	for _, u := range []*models.User{bob, pm} {
		if err := models.DeleteIdea(ctx, db, u, idea.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%s deletes another's idea: %v", u.Name, err)
		}
	}
	if !idea.DeletableBy(ann) || !idea.DeletableBy(mod) || idea.DeletableBy(bob) || idea.DeletableBy(pm) || idea.DeletableBy(nil) {
		t.Error("DeletableBy disagrees with DeleteIdea")
	}
	if err := models.DeleteIdea(ctx, db, mod, idea.ID); err != nil {
		t.Fatal(err)
	}
	if a := strings.Join(auditActions(t, db, mod.ID), ","); a != "idea.delete" {
		t.Errorf("audit = %q", a)
	}
	if _, err := models.IdeaByID(ctx, db, bob, idea.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("deleted idea for a member: %v", err)
	}
	// The author deleting their own is not a staff action.
	own := newIdea(t, db, ann, "Ann deletes this one")
	if err := models.DeleteIdea(ctx, db, ann, own.ID); err != nil {
		t.Fatal(err)
	}
	if a := auditActions(t, db, ann.ID); len(a) != 0 {
		t.Errorf("author's own delete audited: %v", a)
	}
}

func TestVotersForStaffOnly(t *testing.T) {
	db := openDB(t)
	ann, bob, cat := newUser(t, db, "Ann"), newUser(t, db, "Bob"), newUser(t, db, "Cat")
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	idea := newIdea(t, db, ann, "Who voted for this")
	dup := newIdea(t, db, cat, "Who voted for this too")
	if _, err := models.Vote(ctx, db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Merge(ctx, db, mod, dup.ID, idea.ID); err != nil {
		t.Fatal(err)
	}
	// Fixed times make the order certain: Cat's merged vote is newest.
	db.Exec(`UPDATE votes SET created_at = ? WHERE user_id = ?`, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), ann.ID)
	db.Exec(`UPDATE votes SET created_at = ? WHERE user_id = ?`, time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC), bob.ID)
	db.Exec(`UPDATE votes SET created_at = ? WHERE user_id = ?`, time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC), cat.ID)

	for _, u := range []*models.User{bob, nil} {
		if _, err := models.Voters(ctx, db, u, idea.ID, models.NewPage(1, 2)); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("voters for a member or anonymous: %v", err)
		}
	}
	p1, err := models.Voters(ctx, db, pm, idea.ID, models.NewPage(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	if p1.Page.Total != 3 || len(p1.Voters) != 2 || p1.Voters[0].Name != "Cat" || p1.Voters[1].Name != "Bob" ||
		p1.Voters[0].MergedFromTitle == nil || *p1.Voters[0].MergedFromTitle != dup.Title || p1.Voters[1].MergedFromTitle != nil ||
		!p1.Voters[1].VotedAt.Equal(time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("page 1 = %+v", p1)
	}
	p2, err := models.Voters(ctx, db, mod, idea.ID, models.NewPage(2, 2))
	if err != nil || len(p2.Voters) != 1 || p2.Voters[0].Name != "Ann" {
		t.Errorf("page 2 = %+v, %v", p2, err)
	}
	if _, err := models.Voters(ctx, db, mod, 999999, models.NewPage(1, 2)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("voters of a missing idea: %v", err)
	}
}

func TestTeamBadgeFollowsTheAuthorsRoleNow(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	pat := newStaff(t, db, "Pat", models.RoleProductManager)
	idea := newIdea(t, db, ann, "Badges on comments")
	newComment(t, db, ann, idea.ID, "member comment")
	newComment(t, db, pat, idea.ID, "team comment")
	team := func() map[string]bool {
		thread, err := firstThreadPage(t, db, ann, idea.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, c := range thread {
			out[c.AuthorName] = c.ByTeam()
		}
		return out
	}
	if got := team(); got["Ann"] || !got["Pat"] {
		t.Errorf("team badges = %v", got)
	}
	asRole(t, db, pat, models.RoleMember)
	if got := team(); got["Pat"] {
		t.Errorf("a former staff member keeps the badge: %v", got)
	}
}
