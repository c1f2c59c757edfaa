package handlers

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// The merge picker offers the idea's similar titles from the idea pages'
// cache: the search costs seconds at a million ideas and ran on every
// visit. A candidate hidden since is still left out, and the idea itself
// never appears.
func TestMergePickerSearchesOncePerIdea(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	src := app.postIdea(t, ann, "Dark mode for the editor")
	dup := app.postIdea(t, ann, "Dark mode for the editor please")
	gone := app.postIdea(t, ann, "Dark mode for the editor now")
	mod, _ := app.signInAs(t, "mod@example.com", "moderator")
	var searches atomic.Int32
	app.h.similar.search = func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		searches.Add(1)
		return models.SimilarTitles(ctx, db, nil, title, limit)
	}
	path := app.srv.URL + fmt.Sprintf("/ideas/%d/merge", src.ID)
	for visit := 1; visit <= 3; visit++ {
		if visit == 3 {
			if err := app.db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE id = ?`, gone.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		res, page := do(t, mod, "GET", path, nil)
		if res.StatusCode != 200 || !strings.Contains(page, dup.Title) || strings.Contains(page, fmt.Sprintf(`href="/ideas/%d"`, src.ID)) ||
			strings.Contains(page, gone.Title) != (visit < 3) {
			t.Errorf("visit %d: %d, candidates wrong:\n%s", visit, res.StatusCode, page)
		}
	}
	if n := searches.Load(); n != 1 {
		t.Errorf("%d searches for 3 visits, want 1", n)
	}
}
