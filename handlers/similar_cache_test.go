package handlers

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// When the similar ideas of a page are not cached, everyone asking at that
// moment shares one search: the search is held until all have asked, and
// runs once.
func TestSimilarCacheSearchesOnceForEveryoneWaiting(t *testing.T) {
	const n = 16
	s := newSimilarCache(time.Minute, 10)
	var searches, arrived atomic.Int32
	release := make(chan struct{})
	s.search = func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		searches.Add(1)
		<-release
		return []models.SimilarIdea{{ID: 2, Title: "Dark mode please"}}, nil
	}
	idea := &models.Idea{ID: 1, Title: "Dark mode"}
	var wg sync.WaitGroup
	got := make([][]models.SimilarIdea, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arrived.Add(1)
			got[i], _, _ = s.get(context.Background(), nil, idea, -1)
		}()
	}
	for arrived.Load() < n {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if searches.Load() != 1 {
		t.Errorf("%d searches for %d requests at once, want 1", searches.Load(), n)
	}
	for i, g := range got {
		if len(g) != 1 || g[0].ID != 2 {
			t.Errorf("request %d got %+v", i, g)
		}
	}
}

// An idea page whose similar ideas are not cached waits for them no longer
// than SimilarWait: it says they are still being looked for, the search
// finishes in the background and a later view shows them. No more than
// similarBackground searches are left running at once (two views of one
// idea share one): a page viewed while all are busy starts none.
func TestIdeaPageDoesNotWaitForASlowSimilarSearch(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.SimilarWait = 10 * time.Millisecond })
	ann, _ := app.signIn(t, "ann@example.com")
	ideas := []apiIdea{app.postIdea(t, ann, "Dark mode for the editor"), app.postIdea(t, ann, "Offline mode for the app"),
		app.postIdea(t, ann, "Export reports as PDF files")}
	dup := app.postIdea(t, ann, "Dark mode for the editor please")
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before the server closes
	var searches atomic.Int32
	app.h.similar.search = func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		searches.Add(1)
		<-release
		return []models.SimilarIdea{{ID: dup.ID, Title: dup.Title, Status: "open"}}, nil
	}
	visitor := app.client()
	visitor.Timeout = 5 * time.Second // a page that waits for the held search fails, not hangs
	page := func(i apiIdea) string {
		res, body := do(t, visitor, "GET", app.srv.URL+fmt.Sprintf("/ideas/%d/%s", i.ID, i.Slug), nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("idea page = %d", res.StatusCode)
		}
		return body
	}
	for _, i := range append([]apiIdea{ideas[0]}, ideas...) {
		if body := page(i); !strings.Contains(body, `id="similar-pending"`) || strings.Contains(body, dup.Title) {
			t.Errorf("%q: the page waited for its similar ideas", i.Title)
		}
	}
	if n := len(app.h.similar.slots); n != similarBackground {
		t.Errorf("%d searches left running for 4 views of 3 ideas, want %d", n, similarBackground)
	}
	releaseOnce.Do(func() { close(release) })
	for deadline := time.Now().Add(10 * time.Second); len(app.h.similar.slots) > 0; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the background searches never finished")
		}
	}
	if n := searches.Load(); n != similarBackground {
		t.Errorf("%d searches for 4 views of 3 ideas, want %d: a repeated view or the page viewed while all were busy started one", n, similarBackground)
	}
	if body := page(ideas[0]); !strings.Contains(body, dup.Title) || strings.Contains(body, `id="similar-pending"`) {
		t.Error("a later view does not show the similar idea the background search found")
	}
}
