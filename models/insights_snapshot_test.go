package models_test

import (
	"encoding/json"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// insightsJSON is in without its computation time, for comparing two
// computations' numbers.
func insightsJSON(t *testing.T, in *models.Insights) string {
	t.Helper()
	c := *in
	c.ComputedAt = time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (f *insightsFixture) loadFX(t *testing.T, q models.InsightsQuery, fx models.FX) *models.Insights {
	t.Helper()
	filter, err := models.ParseInsightsQuery(ctx, f.db, q, insightsNow)
	if err != nil {
		t.Fatalf("filter %+v: %v", q, err)
	}
	in, err := models.LoadInsights(ctx, f.db, f.pm, fx, filter)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (f *insightsFixture) refresh(t *testing.T, fx models.FX) {
	t.Helper()
	if err := models.RefreshInsights(ctx, f.db, fx, insightsNow); err != nil {
		t.Fatal(err)
	}
}

// The snapshot and its rollup give exactly the live numbers: the default
// view, each filter, and rates other than the snapshot's (which rank from
// the rollup, converted at read).
func TestInsightsSnapshotMatchesLiveComputation(t *testing.T) {
	f := newInsightsFixture(t)
	otherRates := models.FX{Currency: "USD", Rates: map[string]float64{"EUR": 3, "JPY": 0.0067}}
	queries := []models.InsightsQuery{{}, {Segment: "Enterprise"}, {Segment: "SMB"}, {Category: "other"}, {From: "2026-06-01", To: "2026-06-10"}}
	live := map[models.InsightsQuery]string{}
	liveOther := insightsJSON(t, f.loadFX(t, models.InsightsQuery{}, otherRates))
	for _, q := range queries {
		live[q] = insightsJSON(t, f.load(t, q))
	}
	f.refresh(t, f.fx)
	var computed time.Time
	if err := f.db.Raw(`SELECT computed_at FROM insights_snapshot`).Scan(&computed).Error; err != nil || computed.IsZero() {
		t.Fatalf("no snapshot after the refresh (%v)", err)
	}
	for _, q := range queries {
		in := f.load(t, q)
		if got := insightsJSON(t, in); got != live[q] {
			t.Errorf("filter %+v from the snapshot:\n%s\nlive:\n%s", q, got, live[q])
		}
		if !in.ComputedAt.Equal(computed) {
			t.Errorf("filter %+v says computed %v, the snapshot was %v", q, in.ComputedAt, computed)
		}
	}
	if got := insightsJSON(t, f.loadFX(t, models.InsightsQuery{}, otherRates)); got != liveOther {
		t.Errorf("other rates from the snapshot:\n%s\nlive:\n%s", got, liveOther)
	}
}

// While a snapshot is fresh the default view serves it and never
// aggregates the raw rows: activity after the refresh shows only after the
// next one; a snapshot gone stale is not served.
func TestInsightsDefaultViewReadsTheSnapshotNotTheRawRows(t *testing.T) {
	f := newInsightsFixture(t)
	f.refresh(t, f.fx)
	before := insightsJSON(t, f.load(t, models.InsightsQuery{}))
	for _, sql := range []string{
		`INSERT INTO votes (idea_id, user_id, created_at) SELECT ?, id, '2026-06-16' FROM users WHERE name = 'dan'`,
		`INSERT INTO idea_accounts (idea_id, account_id) SELECT ?, id FROM crm_accounts WHERE name = 'Beta'`,
		`INSERT INTO comments (idea_id, author_id, body, body_html, created_at) SELECT ?, id, 'Late', '<p>Late</p>', '2026-06-16' FROM users WHERE name = 'eve'`,
	} {
		if err := f.db.Exec(sql, f.export).Error; err != nil {
			t.Fatal(err)
		}
	}
	if got := insightsJSON(t, f.load(t, models.InsightsQuery{})); got != before {
		t.Errorf("the default view changed with a fresh snapshot (raw rows read):\n%s\nbefore:\n%s", got, before)
	}
	f.refresh(t, f.fx)
	after := f.load(t, models.InsightsQuery{})
	if insightsJSON(t, after) == before {
		t.Fatal("a new refresh did not pick up the new activity")
	}
	if w := after.Weekly[len(after.Weekly)-1]; w.Votes != 1 || w.Comments != 2 {
		t.Errorf("this week after the refresh = %+v, want 1 vote and 2 comments", w)
	}
	if err := f.db.Exec(`UPDATE insights_snapshot SET computed_at = now() - interval '1 hour'`).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.db.Exec(`DELETE FROM votes WHERE created_at = '2026-06-16'`).Error; err != nil {
		t.Fatal(err)
	}
	if w := f.load(t, models.InsightsQuery{}).Weekly; w[len(w)-1].Votes != 0 {
		t.Errorf("a stale snapshot was served: this week has %d votes, want 0", w[len(w)-1].Votes)
	}
}

// The periodic job's kind runs through the queue and leaves a snapshot of
// today that serves today's default view with the live numbers.
func TestInsightsRefreshJobRunsThroughTheQueue(t *testing.T) {
	f := newInsightsFixture(t)
	now := time.Now()
	filter, err := models.ParseInsightsQuery(ctx, f.db, models.InsightsQuery{}, now)
	if err != nil {
		t.Fatal(err)
	}
	live, err := models.LoadInsights(ctx, f.db, f.pm, f.fx, filter)
	if err != nil {
		t.Fatal(err)
	}
	// Asked twice before a worker runs, it rebuilds once.
	for range 2 {
		if err := f.db.Transaction(func(tx *gorm.DB) error { return models.QueueInsightsRefresh(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
	}
	var queued int64
	if err := f.db.Raw(`SELECT count(*) FROM river_job WHERE kind = 'insights_refresh'`).Scan(&queued).Error; err != nil || queued != 1 {
		t.Fatalf("queued rebuilds = %d (%v), want 1", queued, err)
	}
	if _, err := models.RunDueJobs(ctx, f.db, models.JobConfig{FX: f.fx}); err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Day        time.Time
		ComputedAt time.Time
	}
	if err := f.db.Raw(`SELECT day, computed_at FROM insights_snapshot`).Scan(&snap).Error; err != nil {
		t.Fatal(err)
	}
	if snap.Day.Format(time.DateOnly) != now.UTC().Format(time.DateOnly) {
		t.Fatalf("snapshot day %v, want today %s", snap.Day, now.UTC().Format(time.DateOnly))
	}
	served, err := models.LoadInsights(ctx, f.db, f.pm, f.fx, filter)
	if err != nil {
		t.Fatal(err)
	}
	if !served.ComputedAt.Equal(snap.ComputedAt) {
		t.Errorf("served numbers computed %v, not the job's %v", served.ComputedAt, snap.ComputedAt)
	}
	if got, want := insightsJSON(t, served), insightsJSON(t, live); got != want {
		t.Errorf("the job's snapshot:\n%s\nlive:\n%s", got, want)
	}
}

// The periodic job rebuilds a snapshot older than the interval, unless the
// last rebuild took long: then it waits ten times that (a rebuild takes at
// most a tenth of a core), and the snapshot is served meanwhile.
func TestInsightsRebuildIsSpacedByItsCost(t *testing.T) {
	f := newInsightsFixture(t)
	f.refresh(t, f.fx)
	computed := func() time.Time {
		t.Helper()
		var at time.Time
		if err := f.db.Raw(`SELECT computed_at FROM insights_snapshot`).Scan(&at).Error; err != nil {
			t.Fatal(err)
		}
		return at
	}
	// age makes the snapshot computed ago, by a rebuild that took tookMS.
	age := func(ago string, tookMS int) time.Time {
		t.Helper()
		if err := f.db.Exec(`UPDATE insights_snapshot SET computed_at = now() - ?::interval, data = jsonb_set(data, '{TookMS}', to_jsonb(?::bigint))`,
			ago, tookMS).Error; err != nil {
			t.Fatal(err)
		}
		return computed()
	}
	runJob := func() {
		t.Helper()
		if err := f.db.Transaction(func(tx *gorm.DB) error { return models.QueueInsightsRefresh(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if _, err := models.RunDueJobs(ctx, f.db, models.JobConfig{FX: f.fx}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		ago     string
		tookMS  int
		rebuilt bool
	}{
		{"6 minutes", 60_000, false}, // past the 5-minute interval, within 10 × a minute
		{"11 minutes", 60_000, true},
		{"6 minutes", 200, true}, // a quick rebuild is redone every interval
		{"4 minutes", 200, false},
	} {
		before := age(c.ago, c.tookMS)
		runJob()
		if rebuilt := computed().After(before); rebuilt != c.rebuilt {
			t.Errorf("snapshot %s old, last rebuild %d ms: rebuilt %v, want %v", c.ago, c.tookMS, rebuilt, c.rebuilt)
		}
	}
	// Served while younger than three spacings: 25 minutes is fresh after a
	// rebuild of a minute, stale after a quick one (3 × 5 minutes).
	for _, c := range []struct {
		tookMS int
		served bool
	}{{60_000, true}, {200, false}} {
		at := age("25 minutes", c.tookMS)
		if served := f.load(t, models.InsightsQuery{}).ComputedAt.Equal(at); served != c.served {
			t.Errorf("snapshot 25 minutes old, last rebuild %d ms: served %v, want %v", c.tookMS, served, c.served)
		}
	}
	// The rebuild records its own time.
	f.refresh(t, f.fx)
	var took *int64
	f.db.Raw(`SELECT (data->>'TookMS')::bigint FROM insights_snapshot`).Scan(&took)
	if took == nil || *took < 0 || *took > 60_000 {
		t.Errorf("recorded rebuild time %v ms", took)
	}
}
