package models_test

import (
	"testing"

	"gorm.io/gorm"

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

// similarIDs are the ids Similar suggests for title, best first.
func similarIDs(t *testing.T, db *gorm.DB, title string) []int64 {
	t.Helper()
	sim, err := models.Similar(ctx, db, nil, title, 5)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(sim))
	for i, s := range sim {
		ids[i] = s.ID
	}
	return ids
}

// An exact duplicate is suggested first even when hundreds of titles look
// just like it (each candidate pool stops after a few hundred rows).
func TestSimilarFindsTheDuplicateAmongLookAlikes(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	first := newIdea(t, db, ann, "Export reports to CSV files, number 0")
	if err := db.Exec(`INSERT INTO ideas (title, body, body_html, category_id, author_id)
		SELECT 'Export reports to CSV files, number ' || n, body, body_html, category_id, author_id
		FROM ideas, generate_series(1, 700) n WHERE id = ?`, first.ID).Error; err != nil {
		t.Fatal(err)
	}
	dup := newIdea(t, db, ann, "Export reports to CSV")
	db.Exec(`ANALYZE ideas`)
	for _, typed := range []string{"Export reports to CSV", "export  REPORTS to csv"} {
		if ids := similarIDs(t, db, typed); len(ids) == 0 || ids[0] != dup.ID {
			t.Errorf("%q: %v, want %d first", typed, ids, dup.ID)
		}
	}
}

// Suggestions tolerate typos, and the word being typed counts as a prefix.
func TestSimilarToleratesTyposAndPartialWords(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	dark := newIdea(t, db, ann, "Dark mode for the reporting dashboard")
	newIdea(t, db, ann, "Keyboard shortcuts everywhere")
	manyIdeas(t, db, ann, 20)
	for _, typed := range []string{
		"Dark mdoe for the reporting dashbaord", // typos
		"Drak mode for reporting",               // a typo, and fewer words
		"reporting dashbo",                      // the last word half typed
		"dark mode for the rep",
	} {
		if ids := similarIDs(t, db, typed); len(ids) == 0 || ids[0] != dark.ID {
			t.Errorf("%q: %v, want %d first", typed, ids, dark.ID)
		}
	}
}
