package handlers

import (
	"fmt"
	"strings"
	"testing"
)

func TestRoadmapPageHasUnderReviewColumn(t *testing.T) {
	app := newTestApp(t)
	member, _ := app.signIn(t, "ann@example.com")
	pm, _ := app.signInAs(t, "pm@example.com", "product_manager")
	idea := app.postIdea(t, member, "Being looked at by the team")
	app.api(t, pm, "POST", fmt.Sprintf("/api/v1/ideas/%d/status", idea.ID), `{"status":"under_review"}`)
	_, page := do(t, app.client(), "GET", app.srv.URL+"/roadmap", nil)
	cols := []string{`id="col-under_review"`, `id="col-planned"`, `id="col-in_progress"`, `id="col-shipped"`}
	at := -1
	for _, c := range cols {
		i := strings.Index(page, c)
		if i < at {
			t.Fatalf("columns missing or out of order at %s", c)
		}
		at = i
	}
	review := page[strings.Index(page, cols[0]):strings.Index(page, cols[1])]
	if !strings.Contains(review, "Being looked at by the team") || !strings.Contains(review, "Most votes first") {
		t.Error("the Under review column lacks the idea or its order")
	}
	if !strings.Contains(page[strings.Index(page, cols[3]):], "newest first") {
		t.Error("the Shipped column does not say it is newest first")
	}
}
