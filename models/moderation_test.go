package models_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

func asRole(t *testing.T, db *gorm.DB, u *models.User, role string) *models.User {
	t.Helper()
	if err := db.Model(u).Update("role", role).Error; err != nil {
		t.Fatal(err)
	}
	u.Role = role
	return u
}

func newComment(t *testing.T, db *gorm.DB, author *models.User, ideaID int64, body string) *models.Comment {
	t.Helper()
	c, err := models.CreateComment(ctx, db, author, ideaID, models.CommentInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func moderate(t *testing.T, db *gorm.DB, actor *models.User, in models.ModerationInput) *models.ModerationResult {
	t.Helper()
	res, err := models.Moderate(ctx, db, actor, in)
	if err != nil {
		t.Fatalf("%s %v: %v", in.Action, in.Items, err)
	}
	return res
}

func ideaRef(id int64) models.ItemRef    { return models.ItemRef{Type: "idea", ID: id} }
func commentRef(id int64) models.ItemRef { return models.ItemRef{Type: "comment", ID: id} }

// checkCommentCounts asserts every idea's comment_count equals its visible,
// live, public comments.
func checkCommentCounts(t *testing.T, db *gorm.DB) {
	t.Helper()
	var bad []struct {
		ID           int64
		CommentCount int
		Actual       int
	}
	err := db.Raw(`SELECT i.id, i.comment_count, (SELECT count(*) FROM comments c WHERE c.idea_id = i.id
			AND c.moderation = 'visible' AND c.deleted_at IS NULL AND NOT c.staff_only) AS actual
		FROM ideas i`).Scan(&bad).Error
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		if b.CommentCount != b.Actual {
			t.Errorf("idea %d: comment_count %d, but %d visible comments", b.ID, b.CommentCount, b.Actual)
		}
	}
}

func auditActions(t *testing.T, db *gorm.DB, actorID int64) []string {
	t.Helper()
	var actions []string
	if err := db.Raw(`SELECT action FROM audit_log WHERE actor_id = ? ORDER BY id`, actorID).Scan(&actions).Error; err != nil {
		t.Fatal(err)
	}
	return actions
}

func TestFlagOncePerMemberAndItem(t *testing.T) {
	db := openDB(t)
	ann, bob, cat := newUser(t, db, "Ann"), newUser(t, db, "Bob"), newUser(t, db, "Cat")
	idea := newIdea(t, db, ann, "Flag me if you can")
	cm := newComment(t, db, ann, idea.ID, "a comment worth flagging")

	f, err := models.FlagContent(ctx, db, bob, "idea", idea.ID, models.FlagInput{Reason: "spam", Note: "  buy now  "})
	if err != nil || f.Reason != "spam" || f.Note != "buy now" || f.UserID != bob.ID || f.IdeaURL != idea.URL() {
		t.Fatalf("first flag: %+v %v", f, err)
	}
	if _, err := models.FlagContent(ctx, db, bob, "idea", idea.ID, models.FlagInput{Reason: "abusive"}); !errors.Is(err, models.ErrConflict) {
		t.Errorf("second flag by the same member: %v, want conflict", err)
	}
	if _, err := models.FlagContent(ctx, db, cat, "idea", idea.ID, models.FlagInput{Reason: "abusive"}); err != nil {
		t.Errorf("flag by another member: %v", err)
	}
	if _, err := models.FlagContent(ctx, db, bob, "comment", cm.ID, models.FlagInput{Reason: "off_topic"}); err != nil {
		t.Errorf("flag on a comment: %v", err)
	}
	if _, err := models.FlagContent(ctx, db, ann, "idea", idea.ID, models.FlagInput{Reason: "spam"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("flag on own idea: %v, want forbidden", err)
	}
	for _, in := range []models.FlagInput{{Reason: "boring"}, {Reason: ""}, {Reason: "other", Note: strings.Repeat("n", 501)}, {Reason: "other", Note: "nul\x00"}} {
		var ve *models.ValidationError
		if _, err := models.FlagContent(ctx, db, cat, "comment", cm.ID, in); !errors.As(err, &ve) {
			t.Errorf("flag %+v: %v, want a validation error", in, err)
		}
	}
	if _, err := models.FlagContent(ctx, db, bob, "idea", 999999, models.FlagInput{Reason: "spam"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("flag on a missing idea: %v", err)
	}
	if _, err := models.FlagContent(ctx, db, nil, "idea", idea.ID, models.FlagInput{Reason: "spam"}); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("anonymous flag: %v", err)
	}
	// Members cannot flag what they cannot see.
	hidden := newIdea(t, db, ann, "Already hidden idea")
	db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE id = ?`, hidden.ID)
	if _, err := models.FlagContent(ctx, db, bob, "idea", hidden.ID, models.FlagInput{Reason: "spam"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("flag on a hidden idea: %v, want not found", err)
	}
	// The database itself allows one flag per member and item.
	err = db.Exec(`INSERT INTO flags (target_type, target_id, user_id, reason) VALUES ('idea', ?, ?, 'other')`, idea.ID, bob.ID).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate flag row: %v", err)
	}
	var n int64
	db.Table("flags").Count(&n)
	if n != 3 {
		t.Errorf("%d flags stored, want 3", n)
	}
}

func TestModerationQueueAndActions(t *testing.T) {
	db := openDB(t)
	ann, bob, cat := newUser(t, db, "Ann"), newUser(t, db, "Bob"), newUser(t, db, "Cat")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	idea := newIdea(t, db, ann, "Queue this idea please")
	quiet := newIdea(t, db, ann, "Nobody flags this one")
	cm := newComment(t, db, ann, idea.ID, "rude words here")
	models.FlagContent(ctx, db, bob, "idea", idea.ID, models.FlagInput{Reason: "spam", Note: "looks like an ad"})
	models.FlagContent(ctx, db, cat, "idea", idea.ID, models.FlagInput{Reason: "spam"})
	models.FlagContent(ctx, db, cat, "comment", cm.ID, models.FlagInput{Reason: "abusive"})

	if _, err := models.ModerationQueue(ctx, db, bob, "", models.NewPage(1, 10)); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("queue as member: %v", err)
	}
	if _, err := models.ModerationQueue(ctx, db, mod, "everything; DROP TABLE flags", models.NewPage(1, 10)); err == nil {
		t.Error("unknown queue filter accepted")
	}
	q, err := models.ModerationQueue(ctx, db, mod, "", models.NewPage(1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if q.Page.Total != 2 || len(q.Items) != 2 {
		t.Fatalf("queue: %+v", q)
	}
	first := q.Items[0]
	if first.Type != "idea" || first.ID != idea.ID || first.FlagCount != 2 || len(first.Reasons) != 1 ||
		first.Reasons[0] != (models.ReasonCount{Reason: "spam", Count: 2}) || len(first.Notes) != 1 || first.Notes[0].Note != "looks like an ad" {
		t.Errorf("first queue item: %+v", first)
	}
	if q.Items[1].Type != "comment" || q.Items[1].ID != cm.ID || q.Items[1].IdeaID != idea.ID || q.Items[1].Reasons[0].Label() == "" {
		t.Errorf("second queue item: %+v", q.Items[1])
	}
	if q, _ := models.ModerationQueue(ctx, db, mod, "pending", models.NewPage(1, 10)); q.Page.Total != 0 {
		t.Errorf("pending filter: %+v", q.Items)
	}
	if q, _ := models.ModerationQueue(ctx, db, mod, "all", models.NewPage(2, 1)); len(q.Items) != 1 || q.Items[0].ID != cm.ID {
		t.Errorf("page 2 of 1: %+v", q.Items)
	}

	// Members cannot moderate, even calling the model directly.
	if _, err := models.Moderate(ctx, db, bob, models.ModerationInput{Action: "hide", Items: []models.ItemRef{ideaRef(quiet.ID)}, Reason: "x"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("hide by a member: %v", err)
	}
	bad := []models.ModerationInput{
		{Action: "delete", Items: []models.ItemRef{ideaRef(idea.ID)}},
		{Action: "hide", Items: []models.ItemRef{ideaRef(idea.ID)}}, // no reason
		{Action: "approve"}, // nothing selected
		{Action: "approve", Items: []models.ItemRef{{Type: "user", ID: 1}}},
		{Action: "ban", Items: []models.ItemRef{ideaRef(idea.ID)}, Reason: "spam"}, // neither until nor permanent
		{Action: "ban", Items: []models.ItemRef{ideaRef(idea.ID)}, Reason: "spam", Until: ptr(time.Now().Add(-time.Hour))},
	}
	for _, in := range bad {
		var ve *models.ValidationError
		if _, err := models.Moderate(ctx, db, mod, in); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a validation error", in, err)
		}
	}
	if _, err := models.Moderate(ctx, db, mod, models.ModerationInput{Action: "approve", Items: []models.ItemRef{ideaRef(999999)}}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}

	// Hide both in one action: flags resolved, queue empty, counts right.
	res := moderate(t, db, mod, models.ModerationInput{Action: "hide", Items: []models.ItemRef{ideaRef(idea.ID), commentRef(cm.ID)}, Reason: "Advertising is not allowed."})
	if len(res.Items) != 2 || res.Items[0].FlagsResolved != 2 || res.Items[1].FlagsResolved != 1 || res.Items[0].Moderation != "hidden" {
		t.Errorf("hide result: %+v", res)
	}
	if q, _ := models.ModerationQueue(ctx, db, mod, "", models.NewPage(1, 10)); q.Page.Total != 0 {
		t.Errorf("queue after hiding: %+v", q.Items)
	}
	var open int64
	db.Raw(`SELECT count(*) FROM flags WHERE resolved_at IS NULL OR resolved_by <> ?`, mod.ID).Scan(&open)
	if open != 0 {
		t.Errorf("%d flags still open", open)
	}
	var reason string
	db.Raw(`SELECT moderation_reason FROM ideas WHERE id = ?`, idea.ID).Scan(&reason)
	if reason != "Advertising is not allowed." {
		t.Errorf("stored reason %q", reason)
	}
	checkCommentCounts(t, db)
	// The author hears about each hidden item, with the reason, in the same transaction.
	var told int64
	db.Raw(`SELECT count(*) FROM notifications WHERE user_id = ? AND kind = 'hidden' AND body = 'Advertising is not allowed.'`, ann.ID).Scan(&told)
	if told != 2 {
		t.Errorf("%d hidden notifications for the author, want 2", told)
	}

	moderate(t, db, mod, models.ModerationInput{Action: "restore", Items: []models.ItemRef{ideaRef(idea.ID), commentRef(cm.ID)}})
	db.Raw(`SELECT moderation_reason FROM ideas WHERE id = ?`, idea.ID).Scan(&reason)
	if got, _ := models.IdeaByID(ctx, db, bob, idea.ID); got == nil || got.Moderation != "visible" || got.CommentCount != 1 || reason != "" {
		t.Errorf("after restore: %+v, reason %q", got, reason)
	}
	checkCommentCounts(t, db)
	want := []string{"idea.hide", "comment.hide", "idea.restore", "comment.restore"}
	if got := auditActions(t, db, mod.ID); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit = %v, want %v", got, want)
	}
	// Restoring what is already visible changes nothing and records nothing.
	moderate(t, db, mod, models.ModerationInput{Action: "restore", Items: []models.ItemRef{ideaRef(quiet.ID)}})
	if got := auditActions(t, db, mod.ID); len(got) != 4 {
		t.Errorf("a no-op was audited: %v", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestHiddenContentDisappears: hidden ideas and comments leave every list,
// search, similar result, count and thread, except for their author and staff.
func TestHiddenContentDisappears(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	pm := asRole(t, db, newUser(t, db, "Pat"), models.RoleProductManager)
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	idea := newIdea(t, db, ann, "Zeppelin delivery tracking")
	host := newIdea(t, db, ann, "Keyboard shortcuts everywhere")
	c1 := newComment(t, db, bob, host.ID, "kumquat marmalade offer")
	newComment(t, db, ann, host.ID, "a normal reply")

	moderate(t, db, mod, models.ModerationInput{Action: "hide", Items: []models.ItemRef{ideaRef(idea.ID), commentRef(c1.ID)}, Reason: "Off topic."})

	list, _ := models.ListIdeas(ctx, db, ann, models.ListQuery{Page: models.NewPage(1, 10)})
	if list.Page.Total != 1 || list.Ideas[0].ID != host.ID {
		t.Errorf("list shows the hidden idea: %+v", list.Ideas)
	}
	if res, _ := models.Search(ctx, db, bob, "zeppelin", models.NewPage(1, 10)); len(res.Hits) != 0 || res.Page.Total != 0 {
		t.Errorf("search finds the hidden idea: %+v", res.Hits)
	}
	// Staff find it, to restore it.
	if res, _ := models.Search(ctx, db, mod, "zeppelin", models.NewPage(1, 10)); len(res.Hits) != 1 || res.Hits[0].Moderation != "hidden" {
		t.Errorf("staff search does not find the hidden idea: %+v", res.Hits)
	}
	if res, _ := models.Search(ctx, db, nil, "kumquat", models.NewPage(1, 10)); len(res.Hits) != 0 {
		t.Errorf("search finds the hidden comment: %+v", res.Hits)
	}
	if sim, _ := models.Similar(ctx, db, nil, "Zeppelin delivery", 5); len(sim) != 0 {
		t.Errorf("similar suggests the hidden idea: %+v", sim)
	}
	if _, err := models.IdeaByID(ctx, db, bob, idea.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("hidden idea for another member: %v", err)
	}
	if _, err := models.IdeaByID(ctx, db, nil, idea.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("hidden idea for anonymous: %v", err)
	}
	for who, u := range map[string]*models.User{"author": ann, "moderator": mod, "product manager": pm} {
		if got, err := models.IdeaByID(ctx, db, u, idea.ID); err != nil || got.Moderation != "hidden" {
			t.Errorf("hidden idea for its %s: %+v %v", who, got, err)
		}
	}
	if got, _ := models.IdeaByID(ctx, db, ann, host.ID); got.CommentCount != 1 {
		t.Errorf("comment_count = %d after hiding one of two", got.CommentCount)
	}
	count := func(viewer *models.User) int {
		thread, err := firstThreadPage(t, db, viewer, host.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(thread)
	}
	if count(nil) != 1 || count(ann) != 1 || count(bob) != 2 || count(mod) != 2 {
		t.Errorf("thread sizes: anonymous %d, other member %d, author %d, staff %d", count(nil), count(ann), count(bob), count(mod))
	}
	// Hidden content takes no votes and no comments from others.
	if _, err := models.Vote(ctx, db, bob, idea.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("vote on hidden idea: %v", err)
	}
	if _, err := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "hello"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("comment on hidden idea: %v", err)
	}
	checkCommentCounts(t, db)
}

// TestCommentCountThroughModeration moves comments through every state,
// with deleted and staff-only comments around, and checks comment_count
// after each step.
func TestCommentCountThroughModeration(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	idea := newIdea(t, db, ann, "Counting comments right")
	a := newComment(t, db, bob, idea.ID, "first")
	b := newComment(t, db, bob, idea.ID, "second")
	c := newComment(t, db, ann, idea.ID, "third")
	staff := newComment(t, db, mod, idea.ID, "internal note")
	db.Exec(`UPDATE comments SET staff_only = true WHERE id = ?`, staff.ID)
	db.Exec(`UPDATE ideas SET comment_count = comment_count - 1 WHERE id = ?`, idea.ID) // as the staff-note feature would
	if _, err := models.DeleteComment(ctx, db, ann, c.ID); err != nil {
		t.Fatal(err)
	}
	checkCommentCounts(t, db)
	steps := []models.ModerationInput{
		{Action: "hide", Items: []models.ItemRef{commentRef(a.ID)}, Reason: "rude"},
		{Action: "hide", Items: []models.ItemRef{commentRef(a.ID)}, Reason: "rude"}, // twice: no double decrement
		{Action: "spam", Items: []models.ItemRef{commentRef(a.ID)}},
		{Action: "hide", Items: []models.ItemRef{commentRef(c.ID), commentRef(staff.ID)}, Reason: "cleanup"}, // deleted and staff-only
		{Action: "restore", Items: []models.ItemRef{commentRef(a.ID), commentRef(c.ID), commentRef(staff.ID)}},
		{Action: "spam", Items: []models.ItemRef{commentRef(b.ID)}, AlsoHideAuthor: true},
		{Action: "approve", Items: []models.ItemRef{commentRef(a.ID), commentRef(b.ID)}},
	}
	for i, in := range steps {
		moderate(t, db, mod, in)
		var got models.Idea
		db.Table("ideas").Where("id = ?", idea.ID).Take(&got)
		t.Logf("step %d %s: comment_count %d", i, in.Action, got.CommentCount)
		checkCommentCounts(t, db)
	}
	var final models.Idea
	db.Table("ideas").Where("id = ?", idea.ID).Take(&final)
	if final.CommentCount != 2 {
		t.Errorf("comment_count = %d, want 2 (a and b visible again)", final.CommentCount)
	}
	if final.Score < -1e8 {
		t.Errorf("score collapsed to %v", final.Score)
	}
}

func TestSpamAlsoHidesAuthorContent(t *testing.T) {
	db := openDB(t)
	ann, spammer := newUser(t, db, "Ann"), newUser(t, db, "Spammer")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	own := newIdea(t, db, ann, "A real customer idea")
	ad := newIdea(t, db, spammer, "Cheap watches for sale")
	ad2 := newIdea(t, db, spammer, "Even cheaper watches here")
	c1 := newComment(t, db, spammer, own.ID, "visit my shop")
	c2 := newComment(t, db, spammer, own.ID, "visit my other shop")
	keep := newComment(t, db, ann, own.ID, "stay on topic")

	res := moderate(t, db, mod, models.ModerationInput{Action: "spam", Items: []models.ItemRef{ideaRef(ad.ID)}, AlsoHideAuthor: true})
	if res.Hidden != 3 || res.Items[0].Moderation != "spam" {
		t.Errorf("spam result: %+v", res)
	}
	states := map[string]string{}
	rows, _ := db.Raw(`SELECT 'idea:' || id, moderation FROM ideas UNION ALL SELECT 'comment:' || id, moderation FROM comments`).Rows()
	for rows.Next() {
		var k, v string
		rows.Scan(&k, &v)
		states[k] = v
	}
	rows.Close()
	want := map[string]string{
		ideaRef(own.ID).String(): "visible", ideaRef(ad.ID).String(): "spam", ideaRef(ad2.ID).String(): "hidden",
		commentRef(c1.ID).String(): "hidden", commentRef(c2.ID).String(): "hidden", commentRef(keep.ID).String(): "visible",
	}
	for k, v := range want {
		if states[k] != v {
			t.Errorf("%s is %q, want %q", k, states[k], v)
		}
	}
	checkCommentCounts(t, db)
	if n := len(auditActions(t, db, mod.ID)); n != 4 {
		t.Errorf("%d audit entries, want one per changed item (4)", n)
	}
	// Staff content is never swept up.
	staffIdea := newIdea(t, db, mod, "Official announcement here")
	if _, err := models.Moderate(ctx, db, mod, models.ModerationInput{Action: "spam", Items: []models.ItemRef{ideaRef(staffIdea.ID)}, AlsoHideAuthor: true}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("spam sweep of staff content: %v", err)
	}
}

func TestFirstPostApproval(t *testing.T) {
	db := openDB(t)
	db.Exec(`UPDATE site_settings SET first_post_approval = true`)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	host := newIdea(t, db, mod, "Staff never wait for approval")
	if host.Moderation != "visible" {
		t.Fatalf("staff idea is %s", host.Moderation)
	}
	first := newIdea(t, db, ann, "My very first idea")
	if first.Moderation != "pending" {
		t.Fatalf("first idea is %s, want pending", first.Moderation)
	}
	again := newIdea(t, db, ann, "Second while first waits")
	if again.Moderation != "pending" {
		t.Errorf("second idea before approval is %s, want pending", again.Moderation)
	}
	if l, _ := models.ListIdeas(ctx, db, bob, models.ListQuery{Page: models.NewPage(1, 10)}); l.Page.Total != 1 {
		t.Errorf("pending ideas listed: %+v", l.Ideas)
	}
	if _, err := models.IdeaByID(ctx, db, bob, first.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("pending idea for another member: %v", err)
	}
	pc := newComment(t, db, bob, host.ID, "first comment from Bob")
	if pc.Moderation != "pending" {
		t.Errorf("first comment is %s", pc.Moderation)
	}
	got, _ := models.IdeaByID(ctx, db, mod, host.ID)
	if got.CommentCount != 0 {
		t.Errorf("pending comment counted: %d", got.CommentCount)
	}
	q, _ := models.ModerationQueue(ctx, db, mod, "pending", models.NewPage(1, 10))
	if q.Page.Total != 3 {
		t.Errorf("pending queue has %d items, want 3", q.Page.Total)
	}

	moderate(t, db, mod, models.ModerationInput{Action: "approve", Items: []models.ItemRef{ideaRef(first.ID), commentRef(pc.ID)}})
	if got, err := models.IdeaByID(ctx, db, bob, first.ID); err != nil || got.Moderation != "visible" {
		t.Errorf("approved idea: %+v %v", got, err)
	}
	got, _ = models.IdeaByID(ctx, db, mod, host.ID)
	if got.CommentCount != 1 {
		t.Errorf("comment_count after approval = %d, want 1", got.CommentCount)
	}
	checkCommentCounts(t, db)
	// Once one post is approved, the member posts straight away.
	if next := newIdea(t, db, ann, "Now trusted member idea"); next.Moderation != "visible" {
		t.Errorf("post after approval is %s", next.Moderation)
	}
	if next := newComment(t, db, bob, host.ID, "second comment from Bob"); next.Moderation != "visible" {
		t.Errorf("comment after approval is %s", next.Moderation)
	}
	if got := auditActions(t, db, mod.ID); strings.Join(got, ",") != "idea.approve,comment.approve" {
		t.Errorf("audit = %v", got)
	}
	// Off by default: a fresh member's first post is visible at once.
	db.Exec(`UPDATE site_settings SET first_post_approval = false`)
	if i := newIdea(t, db, newUser(t, db, "Dee"), "Approval is off again"); i.Moderation != "visible" {
		t.Errorf("with approval off: %s", i.Moderation)
	}
}
