package handlers

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
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

// Columns and a changelog longer than models.CountCap say "1,000+" (they
// no longer count every idea): the roadmap's Planned and Shipped headings
// and Planned's "See all" link, the changelog's pager; a short column
// still shows its exact count.
func TestRoadmapAndChangelogCapTheirCounts(t *testing.T) {
	app := newTestApp(t)
	_, ann := app.signIn(t, "ann@example.com")
	for _, status := range []string{"planned", "shipped", "in_progress"} {
		n := models.CountCap + 30
		if status == "in_progress" {
			n = 2
		}
		if err := app.db.Exec(`INSERT INTO ideas (title, category_id, author_id, status, vote_count, shipped_at)
			SELECT 'Generated idea ' || g, (SELECT id FROM categories ORDER BY id LIMIT 1), ?, CAST(? AS text), g % 5,
				CASE WHEN ? = 'shipped' THEN now() - g * interval '1 minute' END
			FROM generate_series(1, ?) g`, ann.ID, status, status, n).Error; err != nil {
			t.Fatal(err)
		}
	}
	res, body := do(t, app.client(), "GET", app.srv.URL+"/roadmap", nil)
	page := html.UnescapeString(body)
	column := func(status string) string {
		start := strings.Index(page, `id="col-`+status+`"`)
		end := strings.Index(page[start:], "</section>")
		return page[start : start+end]
	}
	if res.StatusCode != 200 || !strings.Contains(column("planned"), "1,000+") || !strings.Contains(column("planned"), "See all 1,000+ →") ||
		!strings.Contains(column("shipped"), "1,000+") || !strings.Contains(column("in_progress"), `<span class="muted">2</span>`) {
		t.Errorf("GET /roadmap = %d, want Planned and Shipped 1,000+, In progress 2", res.StatusCode)
	}
	res, body = do(t, app.client(), "GET", app.srv.URL+"/changelog", nil)
	if res.StatusCode != 200 || !strings.Contains(html.UnescapeString(body), "Page 1 of 50+") {
		t.Errorf("GET /changelog = %d, want Page 1 of 50+", res.StatusCode)
	}
	// "Next" seeks from the page's last entry, and shows what page 2 does.
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil || !strings.Contains(next[1], "after=") || !strings.Contains(next[1], "page=2") {
		t.Fatalf("no cursor next link: %v", next)
	}
	entries := regexp.MustCompile(`href="/ideas/\d+/`)
	_, byCursor := do(t, app.client(), "GET", app.srv.URL+html.UnescapeString(next[1]), nil)
	_, byPage := do(t, app.client(), "GET", app.srv.URL+"/changelog?page=2", nil)
	got, want := entries.FindAllString(byCursor, -1), entries.FindAllString(byPage, -1)
	if len(got) != 20 || strings.Join(got, ",") != strings.Join(want, ",") || !strings.Contains(html.UnescapeString(byCursor), "Page 2 of 50+") {
		t.Errorf("cursor page 2 shows %v, page 2 shows %v", got, want)
	}
}
