package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
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
// is longer. A rebuild grows with the community (minutes at a million
// ideas), so it never takes more than a tenth of a core.
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

// insightsRefreshWorker rebuilds unless the snapshot is younger than
// insightsEvery. A view too big to compute live queues a rebuild only
// without a fresh snapshot, so that one always runs. Unlike txWorker it
// commits chunk by chunk (RefreshInsights); the last transaction writes
// the snapshot and completes the job together. A rebuild that fails or
// times out is retried from the start; the chunks it committed are valid
// on their own.
type insightsRefreshWorker struct {
	river.WorkerDefaults[insightsRefreshArgs]
	db  *gorm.DB
	cfg *JobConfig
}

func (w *insightsRefreshWorker) Work(ctx context.Context, job *river.Job[insightsRefreshArgs]) error {
	complete := func(tx *gorm.DB) error {
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, sqlTx, job)
		return err
	}
	var recent bool
	if err := w.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM insights_snapshot WHERE computed_at > now() - ` + insightsEvery + `)`).
		Scan(&recent).Error; err != nil {
		return err
	}
	if recent {
		return w.db.WithContext(ctx).Transaction(complete)
	}
	stats, err := refreshInsights(ctx, w.db, w.cfg.FX, time.Now(), 0, complete)
	if err == nil {
		w.cfg.Logger.Info("insights rebuilt", "chunks", stats.Chunks, "took", stats.Took, "longest_chunk", stats.Longest)
	}
	return err
}

// insightsRefreshTimeout bounds a rebuild, longer than a mail job: at a
// million ideas it aggregates every vote of every account's members.
const insightsRefreshTimeout = 10 * time.Minute

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
