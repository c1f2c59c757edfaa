package models_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

func TestListAuditFilters(t *testing.T) {
	db := openDB(t)
	admin := asRole(t, db, newUser(t, db, "Ada Admin"), models.RoleAdmin)
	mod := asRole(t, db, newUser(t, db, "Morgan Mod"), models.RoleModerator)
	ann := newUser(t, db, "Ann")
	idea := newIdea(t, db, ann, "Audit trail idea")
	moderate(t, db, mod, models.ModerationInput{Action: "hide", Items: []models.ItemRef{ideaRef(idea.ID)}, Reason: "test"})
	moderate(t, db, mod, models.ModerationInput{Action: "restore", Items: []models.ItemRef{ideaRef(idea.ID)}})
	if _, err := models.BanUser(ctx, db, mod, ann.ID, models.BanInput{Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	s, _ := models.Settings(ctx, db)
	if _, err := models.UpdateSettings(ctx, db, admin, s.Input()); err != nil {
		t.Fatal(err)
	}
	// An old entry, for the date filters.
	db.Exec(`INSERT INTO audit_log (actor_id, action, target_type, target_id, created_at) VALUES (?, 'idea.hide', 'idea', ?, '2020-03-04 12:00:00+00')`, mod.ID, idea.ID)

	list := func(q models.AuditQuery) []models.AuditRow {
		t.Helper()
		q.Page = models.NewPage(1, models.AuditPerPage)
		p, err := models.ListAudit(ctx, db, admin, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if int(p.Page.Total) != len(p.Rows) {
			t.Errorf("%+v: total %d, %d rows", q, p.Page.Total, len(p.Rows))
		}
		return p.Rows
	}
	all := list(models.AuditQuery{})
	if len(all) != 5 || all[0].Action != "settings.update" || all[0].ActorName != "Ada Admin" || all[4].CreatedAt.Year() != 2020 {
		t.Fatalf("all, newest first: %+v", all)
	}
	cases := []struct {
		q    models.AuditQuery
		want int
	}{
		{models.AuditQuery{Actor: fmt.Sprint(mod.ID)}, 4},
		{models.AuditQuery{Actor: "morgan"}, 4},
		{models.AuditQuery{Actor: "100%_"}, 0},
		{models.AuditQuery{Action: "idea"}, 3},
		{models.AuditQuery{Action: "idea.hide"}, 2},
		{models.AuditQuery{Action: "user.ban"}, 1},
		{models.AuditQuery{TargetType: "idea", TargetID: fmt.Sprint(idea.ID)}, 3},
		{models.AuditQuery{TargetType: "user", TargetID: fmt.Sprint(ann.ID)}, 1},
		{models.AuditQuery{From: "2020-03-04", To: "2020-03-04"}, 1},
		{models.AuditQuery{From: time.Now().UTC().Format("2006-01-02")}, 4},
		{models.AuditQuery{To: "2020-03-03"}, 0},
	}
	for _, c := range cases {
		if got := list(c.q); len(got) != c.want {
			t.Errorf("%+v: %d rows, want %d", c.q, len(got), c.want)
		}
	}
	for _, q := range []models.AuditQuery{
		{Action: "idea.hide'; DELETE FROM audit_log; --"}, {TargetType: "Idea Type"}, {TargetID: "abc"},
		{From: "yesterday"}, {From: "2020-02-01", To: "2020-01-01"},
	} {
		var ve *models.ValidationError
		if _, err := models.ListAudit(ctx, db, admin, q); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a validation error", q, err)
		}
	}
	if _, err := models.ListAudit(ctx, db, mod, models.AuditQuery{}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("audit as moderator: %v", err)
	}
	p, _ := models.ListAudit(ctx, db, admin, models.AuditQuery{Page: models.NewPage(2, 2)})
	if len(p.Rows) != 2 || p.Rows[0].ID != all[2].ID {
		t.Errorf("page 2 of 2: %+v", p.Rows)
	}
	// The log stays append-only.
	if err := db.Exec(`UPDATE audit_log SET action = 'x'`).Error; err == nil {
		t.Error("audit_log accepted an UPDATE")
	}
}
