package handlers

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// The suggestions for a typed title are searched once, however many people
// ask at once and however they space or case it, until the entry expires.
func TestTypedSimilarSearchesOncePerTitle(t *testing.T) {
	const n = 16
	s := newTypedSimilarCache(time.Minute, 10)
	var searches, arrived atomic.Int32
	release := make(chan struct{})
	s.search = func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		searches.Add(1)
		<-release
		return []models.SimilarIdea{}, nil // nothing found: FreshSimilar needs no database
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arrived.Add(1)
			if _, err := s.get(context.Background(), nil, nil, "Dark mode", 5); err != nil {
				t.Error(err)
			}
		}()
	}
	for arrived.Load() < n {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	for _, title := range []string{"Dark mode", " dark   MODE ", "DARK MODE"} {
		if _, err := s.get(context.Background(), nil, nil, title, 5); err != nil {
			t.Fatal(err)
		}
	}
	if searches.Load() != 1 {
		t.Errorf("%d searches for %d requests of one title, want 1", searches.Load(), n+3)
	}
	s.ttl = 0
	if _, err := s.get(context.Background(), nil, nil, "Dark mode", 5); err != nil || searches.Load() != 2 {
		t.Errorf("an expired entry is not searched again: %d searches, %v", searches.Load(), err)
	}
}

// A cached suggestion is brought up to date for each viewer: their own
// vote (the author's is automatic), the current vote count, and an idea hidden since never shows.
func TestTypedSimilarIsFreshForEachViewer(t *testing.T) {
	app := newTestApp(t)
	ann, _ := app.signIn(t, "ann@example.com")
	bob, _ := app.signIn(t, "bob@example.com")
	dark := app.postIdea(t, ann, "Dark mode for the dashboard")
	other := app.postIdea(t, ann, "Dark mode for the reports")
	type suggestion struct {
		ID        int64
		VoteCount int `json:"vote_count"`
		Voted     bool
	}
	similar := func(c *http.Client) map[int64]suggestion {
		t.Helper()
		res, body := do(t, c, "GET", app.srv.URL+"/api/v1/ideas/similar?title=dark+mode", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("similar = %d %s", res.StatusCode, body)
		}
		out := map[int64]suggestion{}
		for _, s := range decode[struct{ Ideas []suggestion }](t, body).Ideas {
			out[s.ID] = s
		}
		return out
	}
	before := similar(bob) // cached from here on
	if len(before) != 2 {
		t.Fatalf("similar: %+v", before)
	}
	if res, body := app.api(t, bob, "PUT", fmt.Sprintf("/api/v1/ideas/%d/vote", dark.ID), ""); res.StatusCode != http.StatusOK {
		t.Fatalf("vote = %d %s", res.StatusCode, body)
	}
	app.db.Exec(`UPDATE ideas SET moderation = 'hidden' WHERE id = ?`, other.ID)
	for who, c := range map[string]*http.Client{"bob": bob, "ann": ann, "anonymous": app.client()} {
		got := similar(c)
		if _, ok := got[other.ID]; ok || len(got) != 1 {
			t.Errorf("%s: a hidden idea is still suggested: %+v", who, got)
		}
		if s := got[dark.ID]; s.VoteCount != before[dark.ID].VoteCount+1 || s.Voted != (who != "anonymous") {
			t.Errorf("%s: %+v, want one more vote than %d, voted for by its author and bob", who, s, before[dark.ID].VoteCount)
		}
	}
}

// An anonymous request for a title not cached answers with the search it
// just ran, without reading the ideas again (one statement fewer on most
// typing pauses); a cached answer, and any answer for a signed-in viewer,
// is still re-read. The search here names an idea that does not exist, so
// a re-read drops it.
func TestTypedSimilarFreshSearchIsNotReadAgain(t *testing.T) {
	app := newTestApp(t)
	s := newTypedSimilarCache(time.Minute, 10)
	s.search = func(ctx context.Context, db *gorm.DB, title string, limit int) ([]models.SimilarIdea, error) {
		return []models.SimilarIdea{{ID: 987654, Title: title, Status: "open", Votable: true}}, nil
	}
	ctx := context.Background()
	if got, err := s.get(ctx, app.db, nil, "Dark mode", 5); err != nil || len(got) != 1 || got[0].ID != 987654 {
		t.Errorf("anonymous, not cached: %+v %v, want the search's answer as it is", got, err)
	}
	if got, err := s.get(ctx, app.db, nil, "Dark mode", 5); err != nil || len(got) != 0 {
		t.Errorf("anonymous, cached: %+v %v, want it re-read (and the missing idea dropped)", got, err)
	}
	if got, err := s.get(ctx, app.db, &models.User{ID: 1}, "Light mode", 5); err != nil || len(got) != 0 {
		t.Errorf("signed in, not cached: %+v %v, want it re-read for the viewer's vote", got, err)
	}
}
