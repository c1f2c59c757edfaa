package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// typedSimilarCache keeps the duplicate suggestions for a typed title
// (GET /api/v1/ideas/similar, asked on every typing pause) for a few
// minutes, keyed by the title as the search sees it (case and spacing do
// not matter). It holds only what is the same for everyone; each answer is
// brought up to date for its viewer by models.FreshSimilar (one
// primary-key query: still public, status, votes, the viewer's own vote),
// so a suggestion hidden or merged meanwhile never shows, on any replica.
// Requests for a title not cached share one search (single-flight).
type typedSimilarCache struct {
	// search finds the suggestions for everyone (models.Similar, no viewer).
	search  func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error)
	group   singleflight.Group
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]typedSimilarEntry
}

type typedSimilarEntry struct {
	at    time.Time
	ideas []models.SimilarIdea
}

func newTypedSimilarCache(ttl time.Duration, max int) *typedSimilarCache {
	search := func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		return models.Similar(ctx, db, nil, title, limit)
	}
	return &typedSimilarCache{search: search, ttl: ttl, max: max, entries: map[string]typedSimilarEntry{}}
}

// get returns up to limit suggestions for title, fresh for viewer.
func (s *typedSimilarCache) get(ctx context.Context, db *gorm.DB, viewer *models.User, title string, limit int) ([]models.SimilarIdea, error) {
	key := strings.ToLower(strings.Join(strings.Fields(title), " "))
	e, ok := s.lookup(key)
	if !ok {
		// The answer serves every waiter: one leaving early must not cancel it.
		v, err, _ := s.group.Do(key, func() (any, error) {
			// A search that finished just before this one began has the answer.
			if e, ok := s.lookup(key); ok {
				return e.ideas, nil
			}
			ideas, err := s.search(context.WithoutCancel(ctx), db, title, limit)
			if err != nil {
				return nil, err
			}
			s.store(key, ideas)
			return ideas, nil
		})
		if err != nil {
			return nil, err
		}
		e.ideas = v.([]models.SimilarIdea)
	}
	if len(e.ideas) > limit {
		e.ideas = e.ideas[:limit]
	}
	return models.FreshSimilar(ctx, db, viewer, e.ideas)
}

// lookup returns the entry for key if it has not expired.
func (s *typedSimilarCache) lookup(key string) (typedSimilarEntry, bool) {
	s.mu.Lock()
	e, ok := s.entries[key]
	s.mu.Unlock()
	return e, ok && time.Since(e.at) < s.ttl
}

func (s *typedSimilarCache) store(key string, ideas []models.SimilarIdea) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= s.max {
		for k := range s.entries { // drop an arbitrary entry: cheap, and good enough for a cache this size
			delete(s.entries, k)
			break
		}
	}
	s.entries[key] = typedSimilarEntry{at: time.Now(), ideas: ideas}
}
