package handlers

import (
	"context"
	"errors"
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
	search func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error)
	suggestionStore
	// slots bounds the searches an idea page leaves running in the
	// background (see get).
	slots chan struct{}
}

// similarBackground is how many searches idea pages may leave running at
// once: a crawler walking the long tail of a big community must not pile
// up searches of up to a second each.
const similarBackground = 2

func newSimilarCache(ttl time.Duration, max int) *similarCache {
	search := func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		return models.SimilarTitles(ctx, db, nil, title, limit)
	}
	return &similarCache{search: search, suggestionStore: newSuggestionStore(ttl, max), slots: make(chan struct{}, similarBackground)}
}

// get returns up to 5 ideas similar to idea, other than idea itself,
// waiting at most wait for a search that is not cached (wait < 0: as long
// as it takes). ready is false when the list is not ready: the search then
// goes on in the background (at most similarBackground at once; none is
// started while all are busy) and fills the cache for a later view. At a
// million ideas the search of a title no one asked for takes 0.2–1 s,
// which every first view of an idea page waited for.
func (s *similarCache) get(ctx context.Context, db *gorm.DB, idea *models.Idea, wait time.Duration) (ideas []models.SimilarIdea, ready bool, err error) {
	return s.within(ctx, db, idea, 5, wait)
}

// around returns up to n ideas similar to idea, other than idea itself
// (the idea page shows 5, the merge picker 10), waiting for the search.
func (s *similarCache) around(ctx context.Context, db *gorm.DB, idea *models.Idea, n int) ([]models.SimilarIdea, error) {
	ideas, _, err := s.within(ctx, db, idea, n, -1)
	return ideas, err
}

// within is around waiting at most wait (wait < 0: as long as it takes);
// only a search nobody waits for takes one of the background slots.
func (s *similarCache) within(ctx context.Context, db *gorm.DB, idea *models.Idea, n int, wait time.Duration) ([]models.SimilarIdea, bool, error) {
	slots := s.slots
	if wait < 0 {
		slots = nil
	}
	ideas, cached, ready, err := s.suggestionsWithin(ctx, similarKey(idea, n), wait, slots, func(ctx context.Context) ([]models.SimilarIdea, error) {
		all, err := s.search(ctx, db, idea.Title, n+1)
		if err != nil {
			return nil, err
		}
		var out []models.SimilarIdea
		for _, x := range all {
			if x.ID != idea.ID && len(out) < n {
				out = append(out, x)
			}
		}
		return out, nil
	})
	if err != nil || !ready || !cached {
		return ideas, ready, err // just searched: visible now
	}
	ideas, err = stillVisible(ctx, db, ideas)
	return ideas, err == nil, err
}

// similarKey is the cache key of idea's n similar ideas: it holds the
// title, so a renamed idea is searched afresh.
func similarKey(idea *models.Idea, n int) string {
	return strconv.FormatInt(idea.ID, 10) + "\x00" + strconv.Itoa(n) + "\x00" + idea.Title
}

// suggestionStore is what both suggestion caches share: answers kept for
// ttl (at most max of them), and one computation for everyone asking for
// a key that is not cached (single-flight).
type suggestionStore struct {
	group   singleflight.Group
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]suggestionEntry
}

type suggestionEntry struct {
	at    time.Time
	ideas []models.SimilarIdea
}

func newSuggestionStore(ttl time.Duration, max int) suggestionStore {
	return suggestionStore{ttl: ttl, max: max, entries: map[string]suggestionEntry{}}
}

// suggestions returns the answer for key and whether it came from the
// cache; one not cached is computed and stored.
func (s *suggestionStore) suggestions(ctx context.Context, key string, compute func(context.Context) ([]models.SimilarIdea, error)) (ideas []models.SimilarIdea, cached bool, err error) {
	ideas, cached, _, err = s.suggestionsWithin(ctx, key, -1, nil, compute)
	return ideas, cached, err
}

// errSuggestionsBusy: every background slot was taken, so no computation
// was started.
var errSuggestionsBusy = errors.New("every background search is busy")

// suggestionsWithin is suggestions waiting at most wait for a computation
// (wait < 0: as long as it takes); ready is false when no answer came in
// time. Everyone asking for a key that is not cached shares one
// computation, which goes on after they stop waiting and stores its
// answer; with slots it first takes one of them, and is not started at
// all when they are all taken.
func (s *suggestionStore) suggestionsWithin(ctx context.Context, key string, wait time.Duration, slots chan struct{},
	compute func(context.Context) ([]models.SimilarIdea, error)) (ideas []models.SimilarIdea, cached, ready bool, err error) {
	if ideas, ok := s.lookup(key); ok {
		return ideas, true, true, nil
	}
	answer := s.group.DoChan(key, func() (any, error) {
		// A computation that finished just before this one began has the answer.
		if ideas, ok := s.lookup(key); ok {
			return ideas, nil
		}
		if slots != nil {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			default:
				return nil, errSuggestionsBusy
			}
		}
		// The answer serves every waiter: one leaving early must not cancel it.
		ideas, err := compute(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		s.store(key, ideas)
		return ideas, nil
	})
	var timeout <-chan time.Time
	if wait >= 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case r := <-answer:
		switch {
		case errors.Is(r.Err, errSuggestionsBusy):
			return nil, false, false, nil
		case r.Err != nil:
			return nil, false, false, r.Err
		}
		return r.Val.([]models.SimilarIdea), false, true, nil
	case <-timeout:
		return nil, false, false, nil
	}
}

// lookup returns the answer for key if it has not expired.
func (s *suggestionStore) lookup(key string) ([]models.SimilarIdea, bool) {
	s.mu.Lock()
	e, ok := s.entries[key]
	s.mu.Unlock()
	return e.ideas, ok && time.Since(e.at) < s.ttl
}

func (s *suggestionStore) store(key string, ideas []models.SimilarIdea) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= s.max {
		for k := range s.entries { // drop an arbitrary entry: cheap, and good enough for a cache this size
			delete(s.entries, k)
			break
		}
	}
	s.entries[key] = suggestionEntry{at: time.Now(), ideas: ideas}
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
