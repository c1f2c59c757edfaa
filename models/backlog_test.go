package models_test

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// backlogEnv is notifyEnv (database, SMTP server, job config) with a
// product manager, an idea and two voters.
type backlogEnv struct {
	*notifyEnv
	pm, author *models.User
	voters     []*models.User
	idea       *models.Idea
}

func newBacklogEnv(t *testing.T) *backlogEnv {
	t.Helper()
	e := &backlogEnv{notifyEnv: newNotifyEnv(t)}
	e.pm = notifyUser(t, e.db, "Petra")
	if err := e.db.Model(e.pm).Update("role", models.RoleProductManager).Error; err != nil {
		t.Fatal(err)
	}
	e.pm.Role = models.RoleProductManager
	e.author = notifyUser(t, e.db, "Alice")
	var err error
	if e.idea, err = models.CreateIdea(ctx, e.db, e.author, models.IdeaInput{Title: "Export to CSV", Body: "Let us export."}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Victor", "Vera"} {
		v := notifyUser(t, e.db, name)
		if _, err := models.Vote(ctx, e.db, v, e.idea.ID); err != nil {
			t.Fatal(err)
		}
		e.voters = append(e.voters, v)
	}
	return e
}

func (e *backlogEnv) status(t *testing.T) string {
	t.Helper()
	var s string
	if err := e.db.Raw(`SELECT status FROM ideas WHERE id = ?`, e.idea.ID).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

// shippedMails counts the emails each voter got saying the idea shipped.
func (e *backlogEnv) shippedMails(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for to, msgs := range e.inbox(t) {
		for _, m := range msgs {
			if strings.Contains(m.Subject(), "is now Shipped") {
				out[to]++
			}
		}
	}
	return out
}

func lastStep(t *testing.T, db *gorm.DB, ideaID int64) models.StatusChange {
	t.Helper()
	h, err := models.StatusHistory(ctx, db, ideaID)
	if err != nil || len(h) == 0 {
		t.Fatalf("history = %v, %v", h, err)
	}
	return h[len(h)-1]
}

func TestBoardMoveShipsIdeaNamesSourceAndMailsVotersOnce(t *testing.T) {
	e := newBacklogEnv(t)
	item, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal})
	if err != nil {
		t.Fatal(err)
	}
	if item.State != models.ItemLinked || item.Category != models.ColumnBacklog {
		t.Fatalf("promoted item = %+v; want linked in backlog", item)
	}
	if s := e.status(t); s != models.StatusPlanned {
		t.Fatalf("after promotion status = %s, want planned (default mapping)", s)
	}
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnDone); err != nil {
		t.Fatal(err)
	}
	// The same move again is no change: no second step, no second email.
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnDone); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t); s != models.StatusShipped {
		t.Fatalf("after Done status = %s, want shipped", s)
	}
	step := lastStep(t, e.db, e.idea.ID)
	if step.ToStatus != models.StatusShipped || step.Source != "Built-in board card moved to Done" {
		t.Fatalf("last step = %+v; want shipped from the board", step)
	}
	e.run(t)
	got := e.shippedMails(t)
	for _, v := range e.voters {
		if got[*v.Email] != 1 {
			t.Errorf("%s got %d shipped emails, want 1 (all: %v)", *v.Email, got[*v.Email], got)
		}
	}
	if got[*e.pm.Email] != 0 {
		t.Errorf("the PM who moved the card was mailed about it")
	}
	var bell int64
	e.db.Raw(`SELECT count(*) FROM notifications WHERE idea_id = ? AND kind = ? AND title LIKE '%is now Shipped'`,
		e.idea.ID, models.KindStatusChange).Scan(&bell)
	if bell != int64(len(e.voters))+1 { // voters and the author, who follows their idea
		t.Errorf("%d shipped notifications, want %d", bell, len(e.voters)+1)
	}
}

func TestLockedStatusIgnoresTrackerAndHandSetStatusStaysUntilNextChange(t *testing.T) {
	e := newBacklogEnv(t)
	item, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal})
	if err != nil {
		t.Fatal(err)
	}
	// A hand-set status stays while the tracker says nothing new.
	if _, err := models.SetStatus(ctx, e.db, e.pm, e.idea.ID, models.StatusInput{Status: models.StatusUnderReview}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnBacklog); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t); s != models.StatusUnderReview {
		t.Fatalf("status = %s after a no-op move; the hand-set under_review must stay", s)
	}
	// The tracker's next change moves it.
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnInProgress); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t); s != models.StatusInProgress {
		t.Fatalf("status = %s, want in_progress", s)
	}
	// Locked: the card moves, the idea does not.
	if err := models.SetStatusLocked(ctx, e.db, e.pm, e.idea.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnDone); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t); s != models.StatusInProgress {
		t.Fatalf("locked idea moved to %s", s)
	}
	got, err := models.BacklogItemOf(ctx, e.db, e.pm, e.idea.ID, models.ProviderInternal)
	if err != nil || got.Category != models.ColumnDone {
		t.Fatalf("card = %+v, %v; want in done", got, err)
	}
	// Won't do maps to no automatic change by default.
	if err := models.SetStatusLocked(ctx, e.db, e.pm, e.idea.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnWontDo); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t); s != models.StatusInProgress {
		t.Fatalf("won't do moved the idea to %s; staff decide", s)
	}
}

func TestStatusMappingsEditableByAdminsOnly(t *testing.T) {
	e := newBacklogEnv(t)
	admin := notifyUser(t, e.db, "Ada")
	e.db.Model(admin).Update("role", models.RoleAdmin)
	admin.Role = models.RoleAdmin
	none := "none"
	if _, err := models.SetStatusMappings(ctx, e.db, e.pm, []models.StatusMapping{{Provider: "internal", Category: "done", IdeaStatus: &none}}); err == nil {
		t.Fatal("a product manager changed the mappings")
	}
	bad := "merged"
	if _, err := models.SetStatusMappings(ctx, e.db, admin, []models.StatusMapping{{Provider: "internal", Category: "done", IdeaStatus: &bad}}); err == nil {
		t.Fatal("mapping to merged accepted")
	}
	if _, err := models.SetStatusMappings(ctx, e.db, admin, []models.StatusMapping{{Provider: "github", Category: "next", IdeaStatus: &none}}); err == nil {
		t.Fatal("a category GitHub does not have accepted")
	}
	if _, err := models.SetStatusMappings(ctx, e.db, admin, []models.StatusMapping{{Provider: "internal", Category: "done", IdeaStatus: &none}}); err != nil {
		t.Fatal(err)
	}
	item, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnDone); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t); s != models.StatusPlanned {
		t.Fatalf("done mapped to none moved the idea to %s", s)
	}
}

func TestPromoteRulesAndMergeMovesItems(t *testing.T) {
	e := newBacklogEnv(t)
	if _, err := models.Promote(ctx, e.db, nil, e.voters[0], e.idea.ID, models.PromoteInput{Provider: "internal"}); err == nil {
		t.Fatal("a member promoted an idea")
	}
	for _, in := range []models.PromoteInput{{Provider: "jira"}, {Provider: "trello"}, {Provider: "internal", KeyOrURL: "X-1"}} {
		if _, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, in); err == nil {
			t.Errorf("Promote(%+v) with no such tracker configured succeeded", in)
		}
	}
	first, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: "internal"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: "internal"})
	if err != nil || again.ID != first.ID {
		t.Fatalf("promoting again = %+v, %v; want the same card", again, err)
	}
	mod := newStaff(t, e.db, "Mo", models.RoleModerator)
	target := newIdea(t, e.db, e.author, "CSV export of everything")
	if _, err := models.Merge(ctx, e.db, mod, e.idea.ID, target.ID); err != nil {
		t.Fatal(err)
	}
	if items, _ := models.IdeaBacklog(ctx, e.db, target.ID); len(items) != 1 {
		t.Fatalf("target has %d items after merge, want the source's 1", len(items))
	}
	if _, err := models.Unmerge(ctx, e.db, mod, e.idea.ID); err != nil {
		t.Fatal(err)
	}
	if items, _ := models.IdeaBacklog(ctx, e.db, e.idea.ID); len(items) != 1 {
		t.Fatalf("source has %d items after unmerge, want its 1 back", len(items))
	}
	if items, _ := models.IdeaBacklog(ctx, e.db, target.ID); len(items) != 0 {
		t.Fatalf("target kept %d items after unmerge", len(items))
	}
}

func TestBoardMovesRecordOutboundEvents(t *testing.T) {
	e := newBacklogEnv(t)
	admin := notifyUser(t, e.db, "Ada")
	e.db.Model(admin).Update("role", models.RoleAdmin)
	admin.Role = models.RoleAdmin
	u, events := "http://127.0.0.1:8999/hook", []string{"idea.promoted", "idea.status_changed"}
	if _, _, err := models.CreateWebhook(ctx, e.db, admin, allowPrivate, models.WebhookInput{URL: &u, Events: &events}); err != nil {
		t.Fatal(err)
	}
	item, err := models.Promote(ctx, e.db, nil, e.pm, e.idea.ID, models.PromoteInput{Provider: models.ProviderInternal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.MoveCard(ctx, e.db, e.pm, item.ID, models.ColumnDone); err != nil {
		t.Fatal(err)
	}
	var got []string
	e.db.Raw(`SELECT type FROM webhook_events ORDER BY created_at, type`).Scan(&got)
	want := "idea.promoted,idea.status_changed,idea.status_changed" // promoted (→ planned), then → shipped
	if strings.Join(got, ",") != want {
		t.Fatalf("events = %v, want %s", got, want)
	}
	var body string
	e.db.Raw(`SELECT body FROM webhook_events WHERE type = 'idea.status_changed' ORDER BY created_at DESC LIMIT 1`).Scan(&body)
	if !strings.Contains(body, `"to":"shipped"`) || strings.Contains(body, "Built-in board") {
		t.Errorf("status event body = %s", body)
	}
}
