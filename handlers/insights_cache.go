package handlers

import (
	"fmt"
	"sync"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// insightsCache keeps computed insights per filter for a couple of
// minutes: at 100k ideas the aggregates scan millions of votes (about a
// second or more), the picture changes slowly, and product managers flip
// between charts, CSV downloads and filters. The page says when its
// numbers were computed. Access is not cached: every request passes the
// role check first.
type insightsCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	entries map[string]insightsEntry
}

// insightsEntry is computed insights and when this process loaded them
// (their ComputedAt may be older: a snapshot's time).
type insightsEntry struct {
	in     *models.Insights
	loaded time.Time
}

func newInsightsCache(ttl time.Duration, max int) *insightsCache {
	return &insightsCache{ttl: ttl, max: max, now: time.Now, entries: map[string]insightsEntry{}}
}

func insightsKey(f models.InsightsFilter) string {
	from := ""
	if f.From != nil {
		from = f.From.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s|%s|%d|%q", from, f.To.Format(time.DateOnly), f.CategoryID, f.Segment)
}

// get returns the cached insights for f, or loads (and keeps) them. Errors
// are not kept.
func (c *insightsCache) get(f models.InsightsFilter, load func() (*models.Insights, error)) (*models.Insights, error) {
	key := insightsKey(f)
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.loaded) < c.ttl {
		return e.in, nil
	}
	in, err := load()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k := range c.entries { // drop an arbitrary entry: cheap, and good enough for a cache this size
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = insightsEntry{in: in, loaded: c.now()}
	c.mu.Unlock()
	return in, nil
}
