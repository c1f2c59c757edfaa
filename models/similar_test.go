package models_test

import (
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// SimilarTitles is mutual: for every pair of ideas, A lists B exactly when
// B lists A.
func TestSimilarTitlesIsMutual(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	titles := []string{
		"Dark mode", "Dark mode please", "Dark mode for the reporting dashboard", "Darker colours in dark mode",
		"Export reports to CSV", "Scheduled export of all usage reports as CSV attachments", "CSV export",
		"Single sign-on with Okta", "Okta SSO", "Mobile app for Android", "Android widget for the mobile app",
		"Keyboard shortcuts everywhere",
	}
	ideas := map[int64]string{}
	for _, title := range titles {
		ideas[newIdea(t, db, ann, title).ID] = title
	}
	lists := map[int64]map[int64]bool{}
	pairs := 0
	for id, title := range ideas {
		sim, err := models.SimilarTitles(ctx, db, nil, title, 50)
		if err != nil {
			t.Fatal(err)
		}
		lists[id] = map[int64]bool{}
		for _, s := range sim {
			if s.ID != id {
				lists[id][s.ID] = true
				pairs++
			}
		}
	}
	for a, la := range lists {
		for b := range la {
			if !lists[b][a] {
				t.Errorf("%q lists %q, but not the other way round", ideas[a], ideas[b])
			}
		}
	}
	if pairs < 10 {
		t.Errorf("only %d similar pairs among %d related titles", pairs, len(titles))
	}
	if lists[idOf(ideas, "Keyboard shortcuts everywhere")] == nil || len(lists[idOf(ideas, "Keyboard shortcuts everywhere")]) != 0 {
		t.Errorf("an unrelated idea has similar ideas: %v", lists[idOf(ideas, "Keyboard shortcuts everywhere")])
	}
}

func idOf(ideas map[int64]string, title string) int64 {
	for id, t := range ideas {
		if t == title {
			return id
		}
	}
	return 0
}
