package handlers

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// similarCache keeps each idea page's "similar ideas" for a few minutes:
// the trigram search costs tens to hundreds of milliseconds on a large
// community, the answer changes slowly, and a slightly stale list is
// harmless. Visibility is not cached: a hit is filtered through one
// primary-key query, so an idea hidden or merged meanwhile never shows.
//
// When an entry expires, the requests asking for it at that moment share
// one computation (single-flight per idea) instead of each running the
// search: the p99 spikes on busy idea pages were every waiting request
// recomputing the same list at once.
type similarCache struct {
	// search finds the similar titles (models.SimilarTitles).
	search  func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error)
	group   singleflight.Group
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[int64]similarEntry
}

type similarEntry struct {
	at    time.Time
	title string
	ideas []models.SimilarIdea
}

func newSimilarCache(ttl time.Duration, max int) *similarCache {
	search := func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		return models.SimilarTitles(ctx, db, nil, title, limit)
	}
	return &similarCache{search: search, ttl: ttl, max: max, entries: map[int64]similarEntry{}}
}

// get returns up to 5 ideas similar to idea, other than idea itself.
func (s *similarCache) get(ctx context.Context, db *gorm.DB, idea *models.Idea) ([]models.SimilarIdea, error) {
	s.mu.Lock()
	e, ok := s.entries[idea.ID]
	s.mu.Unlock()
	if ok && e.title == idea.Title && time.Since(e.at) < s.ttl {
		return stillVisible(ctx, db, e.ideas)
	}
	key := strconv.FormatInt(idea.ID, 10) + "\x00" + idea.Title
	// The answer serves every waiter: one leaving early must not cancel it.
	v, err, _ := s.group.Do(key, func() (any, error) { return s.compute(context.WithoutCancel(ctx), db, idea) })
	if err != nil {
		return nil, err
	}
	return v.([]models.SimilarIdea), nil
}

// compute runs the search for idea and stores the answer.
func (s *similarCache) compute(ctx context.Context, db *gorm.DB, idea *models.Idea) ([]models.SimilarIdea, error) {
	all, err := s.search(ctx, db, idea.Title, 6)
	if err != nil {
		return nil, err
	}
	var out []models.SimilarIdea
	for _, x := range all {
		if x.ID != idea.ID && len(out) < 5 {
			out = append(out, x)
		}
	}
	s.mu.Lock()
	if len(s.entries) >= s.max {
		for k := range s.entries { // drop an arbitrary entry: cheap, and good enough for a cache this size
			delete(s.entries, k)
			break
		}
	}
	s.entries[idea.ID] = similarEntry{at: time.Now(), title: idea.Title, ideas: out}
	s.mu.Unlock()
	return out, nil
}

// stillVisible keeps the cached ideas that are still public.
func stillVisible(ctx context.Context, db *gorm.DB, ideas []models.SimilarIdea) ([]models.SimilarIdea, error) {
	if len(ideas) == 0 {
		return ideas, nil
	}
	ids := make([]int64, len(ideas))
	for i, x := range ideas {
		ids[i] = x.ID
	}
	visible, err := models.PublicIdeaIDs(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	out := ideas[:0:0]
	for _, x := range ideas {
		if visible[x.ID] {
			out = append(out, x)
		}
	}
	return out, nil
}
