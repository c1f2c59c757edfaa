package handlers

import (
	"context"
	"runtime"
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
			got[i], _ = s.get(context.Background(), nil, idea)
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
