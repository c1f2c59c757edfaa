package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
)

// The insights page at scale: the leader's periodic job rebuilds, every
// InsightsRefreshInterval or ten rebuilds' time (see insightsEvery), the
// per-idea demand rollup (insights_idea_demand)
// and the default view's rate-independent numbers (insights_snapshot). While
// they are fresh, the default view reads the snapshot and the rollup, and
// filtered views read the rollup for their ARR charts; without a fresh
// snapshot (a new install, a stopped queue) everything is computed live.

// InsightsRefreshInterval is how often the periodic job rebuilds at most.
const InsightsRefreshInterval = 5 * time.Minute

// insightsEvery is how old the snapshot gets before the job rebuilds it:
// the interval, or ten times as long as the last rebuild took, whichever
// is longer. A rebuild grows with the community (73 s of one core at a
// million ideas), so it never takes more than a tenth of a core.
var insightsEvery = fmt.Sprintf(`greatest(interval '%d seconds', 10 * make_interval(secs => coalesce((data->>'TookMS')::float8, 0) / 1000))`,
	int(InsightsRefreshInterval.Seconds()))

// insightsFresh is the condition on insights_snapshot of a snapshot that
// may still be served: a few missed runs, not a stopped queue.
var insightsFresh = `computed_at > now() - 3 * ` + insightsEvery

// insightsSnapshotData is the default view's numbers that need no
// exchange rate.
type insightsSnapshotData struct {
	// TopARR is ranked and converted with the rates FXKey names; a page
	// with other rates ranks from the rollup.
	FXKey string
	// TookMS is how long the rebuild took, which spaces the next.
	TookMS        int64
	TopARR        []IdeaSegments
	Weekly        []WeekActivity
	Concentration Concentration
	Statuses      []StatusCount
	Cycle         CycleTimes
}

type insightsSnapshot struct {
	Day        time.Time
	ComputedAt time.Time
	Data       string
}

// freshInsightsSnapshot is the snapshot if it is fresh, or nil.
func freshInsightsSnapshot(ctx context.Context, tx *gorm.DB) (*insightsSnapshot, error) {
	var rows []insightsSnapshot
	err := tx.WithContext(ctx).Raw(`SELECT day, computed_at, data::text AS data FROM insights_snapshot WHERE ` + insightsFresh).
		Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// isDefault says whether f is the page without filters on the snapshot's day.
func (s *insightsSnapshot) isDefault(f InsightsFilter) bool {
	day := time.Date(s.Day.Year(), s.Day.Month(), s.Day.Day(), 0, 0, 0, 0, time.UTC)
	return f.From == nil && f.CategoryID == 0 && f.Segment == "" && f.To.Equal(day.AddDate(0, 0, 1))
}

// RefreshInsights rebuilds the demand rollup and the default view's
// snapshot as of now, in tx (the job's transaction: readers see the old
// numbers until it commits).
func RefreshInsights(ctx context.Context, tx *gorm.DB, fx FX, now time.Time) error {
	began := time.Now()
	if fx.Currency == "" {
		fx.Currency = "USD" // as ParseFX defaults
	}
	tx = tx.WithContext(ctx)
	// The connection's statement timeout guards requests; a rebuild at a
	// million ideas aggregates millions of votes in one statement (measured:
	// most of a minute on a busy 2-core machine) and gets the job's time.
	timeout := fmt.Sprintf(`SET LOCAL statement_timeout = %d`, insightsRefreshTimeout.Milliseconds())
	for _, s := range []string{timeout, `SET LOCAL jit = off`, `SET LOCAL work_mem = '64MB'`,
		// The demand view once (the rebuild's costly part), for both rollups.
		`CREATE TEMPORARY TABLE demand_now ON COMMIT DROP AS SELECT idea_id, account_id, votes FROM idea_account_demand`,
		`DELETE FROM insights_idea_demand`,
		`INSERT INTO insights_idea_demand (idea_id, segment, currency, accounts, votes, arr_cents)
		SELECT d.idea_id, a.segment, a.currency, count(*), sum(d.votes), sum(a.arr_cents)
		FROM demand_now d JOIN crm_accounts a ON a.id = d.account_id
		GROUP BY d.idea_id, a.segment, a.currency`,
		`DELETE FROM insights_account_ideas`,
		`INSERT INTO insights_account_ideas (account_id, ideas) SELECT account_id, count(*) FROM demand_now GROUP BY account_id`} {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	f, err := ParseInsightsQuery(ctx, tx, InsightsQuery{}, now)
	if err != nil {
		return err
	}
	d := insightsSnapshotData{FXKey: fx.key()}
	f.rollup = true // just rebuilt, in this transaction
	if d.TopARR, err = topByARR(ctx, tx, fx, f); err != nil {
		return err
	}
	if d.Weekly, err = weeklyActivity(ctx, tx, f); err != nil {
		return err
	}
	if d.Concentration, err = concentration(ctx, tx, f); err != nil {
		return err
	}
	if d.Statuses, err = statusCounts(ctx, tx, f); err != nil {
		return err
	}
	if d.Cycle, err = cycleTimes(ctx, tx, f); err != nil {
		return err
	}
	d.TookMS = time.Since(began).Milliseconds()
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO insights_snapshot (id, day, computed_at, data) VALUES (true, ?, now(), CAST(? AS jsonb))
		ON CONFLICT (id) DO UPDATE SET day = EXCLUDED.day, computed_at = EXCLUDED.computed_at, data = EXCLUDED.data`,
		f.To.AddDate(0, 0, -1).Format(time.DateOnly), string(data)).Error
}

func (s *insightsSnapshot) data() (insightsSnapshotData, error) {
	var d insightsSnapshotData
	if err := json.Unmarshal([]byte(s.Data), &d); err != nil {
		return d, errors.Join(errors.New("insights snapshot"), err)
	}
	return d, nil
}

// The periodic job that runs RefreshInsights.
const jobInsightsRefresh = "insights_refresh"

type insightsRefreshArgs struct{}

func (insightsRefreshArgs) Kind() string { return jobInsightsRefresh }

// runInsightsRefresh rebuilds unless the snapshot is younger than
// insightsEvery. A view too big to compute live queues a rebuild only
// without a fresh snapshot, so that one always runs.
func runInsightsRefresh(ctx context.Context, tx *gorm.DB, cfg *JobConfig, _ insightsRefreshArgs) error {
	var recent bool
	if err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM insights_snapshot WHERE computed_at > now() - ` + insightsEvery + `)`).
		Scan(&recent).Error; err != nil || recent {
		return err
	}
	return RefreshInsights(ctx, tx, cfg.FX, time.Now())
}

// insightsRefreshTimeout bounds a rebuild, longer than a mail job: at a
// million ideas it aggregates every vote of every account's members.
const insightsRefreshTimeout = 10 * time.Minute

type insightsRefreshWorker struct {
	txWorker[insightsRefreshArgs]
}

func (*insightsRefreshWorker) Timeout(*river.Job[insightsRefreshArgs]) time.Duration {
	return insightsRefreshTimeout
}

func insightsRefreshPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(InsightsRefreshInterval), func() (river.JobArgs, *river.InsertOpts) {
		return insightsRefreshArgs{}, insightsRefreshOpts()
	}, &river.PeriodicJobOpts{ID: jobInsightsRefresh, RunOnStart: true}) // a new leader refreshes at once
}

// QueueInsightsRefresh queues a rebuild in tx, as the periodic job does.
func QueueInsightsRefresh(ctx context.Context, tx *gorm.DB) error {
	return insertJobs(ctx, tx, []river.InsertManyParams{{Args: insightsRefreshArgs{}, InsertOpts: insightsRefreshOpts()}})
}

// insightsRefreshOpts keeps to one rebuild queued or running at a time: at
// a large size a rebuild can outlast the interval, and two at once would
// only compete for the same rows. Finished ones do not count.
func insightsRefreshOpts() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// key names the reporting currency and rates, for comparing two FX.
func (fx FX) key() string {
	codes, rates := fx.SQLRates()
	return fmt.Sprintf("%v%s", codes, rates)
}
