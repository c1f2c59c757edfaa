package models_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// TestVoteStatementBudget: a member's vote or unvote through the API is one
// statement and one commit (cw_vote: the lock with the ban, the change with
// its counters, every rate count), whatever it changes. Each extra round
// trip is a measurable share of the vote mix of make bench; this fails when
// one creeps back in.
func TestVoteStatementBudget(t *testing.T) {
	rec := &sqlRecorder{}
	db, err := models.Open(ctx, testdb.URL(t), models.DBOptions{MaxOpenConns: 4, Tracer: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.SQLDB(db).Close() })
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	bob := newUser(t, db, "Bob")
	idea := newIdea(t, db, mod, "Count the statements of a vote")
	from := &models.Origin{IP: "203.0.113.7", TokenID: 42}
	for _, step := range []struct {
		what string
		on   bool
	}{{"vote", true}, {"repeated vote", true}, {"unvote", false}, {"repeated unvote", false}} {
		rec.take()
		if _, err := models.SetVote(ctx, db, bob, idea.ID, step.on, from); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		if sqls := rec.take(); len(sqls) != 1 {
			t.Errorf("%s ran %d statements, want 1:\n%s", step.what, len(sqls), strings.Join(sqls, "\n---\n"))
		}
	}
	checkInvariants(t, db)
}

// TestVoteCountsActionLimits: a vote with an origin counts the request
// against per_ip_actions_per_minute for its address and its token, in the
// vote's own transaction. A request refused as not found still counts; one
// refused by a limit records nothing, vote included.
func TestVoteCountsActionLimits(t *testing.T) {
	db := limitsDB(t, "per_ip_actions_per_minute = 3, votes_per_minute = 1000")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	bob := newUser(t, db, "Bob")
	idea := newIdea(t, db, mod, "Limited by address and token")
	ip := &models.Origin{IP: "203.0.113.8"}
	if _, err := models.SetVote(ctx, db, bob, idea.ID, true, ip); err != nil {
		t.Fatal(err)
	}
	if _, err := models.SetVote(ctx, db, bob, idea.ID+1000, true, ip); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("vote on a missing idea: %v", err)
	}
	if _, err := models.SetVote(ctx, db, bob, idea.ID, false, ip); err != nil {
		t.Fatal(err)
	}
	_, err := models.SetVote(ctx, db, bob, idea.ID, true, ip)
	if rl := wantRateLimit(t, "fourth request from the address", err, 59*time.Second, time.Minute); !strings.Contains(rl.Message, "your network") {
		t.Errorf("message %q", rl.Message)
	}
	var n int64
	db.Raw(`SELECT coalesce(sum(n), 0) FROM rate_keys, unnest(counts) n WHERE key = 'ip:203.0.113.8'`).Scan(&n)
	if n != 3 {
		t.Errorf("%d requests counted for the address, want 3 (the refused one records nothing)", n)
	}
	db.Table("votes").Where("idea_id = ? AND user_id = ?", idea.ID, bob.ID).Count(&n)
	if n != 0 {
		t.Error("the refused vote was kept")
	}
	// A token is counted wherever it is used from.
	for i := 1; i <= 3; i++ {
		from := &models.Origin{IP: fmt.Sprintf("198.51.100.%d", i), TokenID: 7}
		if _, err := models.SetVote(ctx, db, bob, idea.ID, i%2 == 1, from); err != nil {
			t.Fatal(err)
		}
	}
	_, err = models.SetVote(ctx, db, bob, idea.ID, true, &models.Origin{IP: "198.51.100.9", TokenID: 7})
	if rl := wantRateLimit(t, "fourth request with the token", err, 59*time.Second, time.Minute); !strings.Contains(rl.Message, "this token") {
		t.Errorf("message %q", rl.Message)
	}
	// Staff are not limited.
	for i := 0; i < 5; i++ {
		if _, err := models.SetVote(ctx, db, mod, idea.ID, i%2 == 0, ip); err != nil {
			t.Fatalf("staff vote %d: %v", i, err)
		}
	}
	checkInvariants(t, db)
}

// TestRateLimitHoldsUnderConcurrency: concurrent requests on one key take
// exactly the limit's slots (the upsert serialises them on the key's row),
// and the refused ones leave no count behind.
func TestRateLimitHoldsUnderConcurrency(t *testing.T) {
	db := limitsDB(t, "votes_per_minute = 5")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	bob := newUser(t, db, "Bob")
	var ideas []*models.Idea
	for i := 0; i < 12; i++ {
		ideas = append(ideas, newIdea(t, db, mod, fmt.Sprintf("Concurrent vote target %d", i)))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ideas))
	for i, idea := range ideas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = models.Vote(ctx, db, bob, idea.ID)
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		var rl *models.RateLimitError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &rl):
			limited++
		default:
			t.Errorf("vote: %v", err)
		}
	}
	var votes, counted int64
	db.Table("votes").Where("user_id = ?", bob.ID).Count(&votes)
	db.Raw(`SELECT coalesce(sum(n), 0) FROM rate_keys, unnest(counts) n WHERE key = ?`, fmt.Sprintf("vote:%d", bob.ID)).Scan(&counted)
	if ok != 5 || limited != 7 || votes != 5 || counted != 5 {
		t.Errorf("%d allowed, %d limited, %d votes kept, %d counted; want 5, 7, 5, 5", ok, limited, votes, counted)
	}
	checkInvariants(t, db)
}

// TestRateLimitQueuesAcrossBuckets: a hit waits for an uncommitted hit on
// the same key even when the two fall in different buckets, and then counts
// it, so two requests either side of a bucket boundary cannot both take the
// last slot. (With a row per bucket they locked different rows and each
// read the other's count as absent.)
func TestRateLimitQueuesAcrossBuckets(t *testing.T) {
	db := openDB(t)
	first := db.Begin()
	defer first.Rollback()
	var began time.Time
	first.Raw(`SELECT now()`).Scan(&began) // a transaction's hits fall in the bucket of its start
	if wait, err := models.HitRate(first, "test:key", 1, time.Minute); err != nil || wait != 0 {
		t.Fatalf("first hit: %v, wait %v", err, wait)
	}
	// The second transaction starts once the clock has left the first's
	// one-second bucket.
	for next := false; !next; {
		db.Raw(`SELECT clock_timestamp() >= date_bin('1 second', ?::timestamptz, timestamptz '2000-01-01') + interval '1 second'`, began).Scan(&next)
		if !next {
			time.Sleep(10 * time.Millisecond) // polling the clock, not timing the test
		}
	}
	second := db.Begin()
	defer second.Rollback()
	var pid int
	second.Raw(`SELECT pg_backend_pid()`).Scan(&pid)
	type result struct {
		wait time.Duration
		err  error
	}
	done := make(chan result, 1)
	go func() {
		wait, err := models.HitRate(second, "test:key", 1, time.Minute)
		done <- result{wait, err}
	}()
	// Either the second hit waits on the first's lock, or it returned.
	for waiting := false; !waiting; {
		select {
		case r := <-done:
			t.Fatalf("the second hit did not wait for the first (wait %v, %v): both took the one slot", r.wait, r.err)
		default:
		}
		db.Raw(`SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?`, pid).Scan(&waiting)
		if !waiting {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := first.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.wait == 0 {
		t.Errorf("second hit after the first committed: %v, wait %v; want refused", r.err, r.wait)
	}
}
