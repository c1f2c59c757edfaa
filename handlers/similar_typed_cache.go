package handlers

import (
	"context"
	"strings"
	"time"

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
	search func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error)
	suggestionStore
}

func newTypedSimilarCache(ttl time.Duration, max int) *typedSimilarCache {
	search := func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		return models.Similar(ctx, db, nil, title, limit)
	}
	return &typedSimilarCache{search: search, suggestionStore: newSuggestionStore(ttl, max)}
}

// get returns up to limit suggestions for title, fresh for viewer.
func (s *typedSimilarCache) get(ctx context.Context, db *gorm.DB, viewer *models.User, title string, limit int) ([]models.SimilarIdea, error) {
	key := strings.ToLower(strings.Join(strings.Fields(title), " "))
	ideas, cached, err := s.suggestions(ctx, key, func(ctx context.Context) ([]models.SimilarIdea, error) {
		return s.search(ctx, db, title, limit)
	})
	if err != nil {
		return nil, err
	}
	if len(ideas) > limit {
		ideas = ideas[:limit]
	}
	if !cached && viewer == nil {
		// Searched during this request, for no one: already current, and
		// no vote of the viewer's to add. A title never asked before (most
		// typing pauses) saves a statement and its round trip.
		return ideas, nil
	}
	return models.FreshSimilar(ctx, db, viewer, ideas)
}
