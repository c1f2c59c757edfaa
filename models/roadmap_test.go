package models_test

import (
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// The roadmap has an Under review column before Planned and In progress,
// each by votes; Shipped lists the newest first, whatever their votes.
func TestRoadmapColumnsAndShippedNewestFirst(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	ann, bob, cal := newUser(t, db, "Ann"), newUser(t, db, "Bob"), newUser(t, db, "Cal")
	review := newIdea(t, db, ann, "An idea under review")
	popular := newIdea(t, db, ann, "Shipped long ago, many votes")
	newest := newIdea(t, db, ann, "Shipped two days ago")
	middle := newIdea(t, db, ann, "Shipped five days ago")
	for _, u := range []*models.User{bob, cal} {
		if _, err := models.Vote(ctx, db, u, popular.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.SetStatus(ctx, db, pm, review.ID, models.StatusInput{Status: models.StatusUnderReview}); err != nil {
		t.Fatal(err)
	}
	for id, age := range map[int64]string{popular.ID: "10 days", newest.ID: "2 days", middle.ID: "5 days"} {
		if _, err := models.SetStatus(ctx, db, pm, id, models.StatusInput{Status: models.StatusShipped}); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`UPDATE ideas SET shipped_at = now() - CAST(? AS interval) WHERE id = ?`, age, id).Error; err != nil {
			t.Fatal(err)
		}
	}
	cols, err := models.Roadmap(ctx, db, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, c := range cols {
		statuses = append(statuses, c.Status)
	}
	if strings.Join(statuses, ",") != "under_review,planned,in_progress,shipped" {
		t.Fatalf("columns: %v", statuses)
	}
	if len(cols[0].Ideas) != 1 || cols[0].Ideas[0].ID != review.ID || cols[0].Total != 1 {
		t.Errorf("under review: %+v", cols[0].Ideas)
	}
	var shipped []int64
	for _, i := range cols[3].Ideas {
		shipped = append(shipped, i.ID)
	}
	if len(shipped) != 3 || shipped[0] != newest.ID || shipped[1] != middle.ID || shipped[2] != popular.ID {
		t.Errorf("shipped order %v, want newest first: %d, %d, %d", shipped, newest.ID, middle.ID, popular.ID)
	}
}
