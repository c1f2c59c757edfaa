package models

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// A key's own old buckets go whenever it is hit; the rows of keys that
// never come back (one-off addresses, members who left) are swept by a
// periodic job, not by requests: the sweep reads the sweep_at index and
// was a tenth of a vote's database time when a vote in a hundred ran it.

const jobRateSweep = "rate_sweep" // {}: delete rate_keys rows whose window has passed

type rateSweepArgs struct{}

func (rateSweepArgs) Kind() string { return jobRateSweep }

// rateSweepEvery is how often the leader sweeps; a row outlives its window
// by up to an hour anyway (sweep_at is rounded up to the hour).
const rateSweepEvery = 10 * time.Minute

func rateSweepPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(rateSweepEvery), func() (river.JobArgs, *river.InsertOpts) {
		return rateSweepArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: rateSweepEvery}}
	}, &river.PeriodicJobOpts{ID: jobRateSweep})
}

// runRateSweep deletes the rows of keys whose window has passed, in
// batches. SKIP LOCKED: it never waits for, or deadlocks with, a request
// counting one of those keys right now.
func runRateSweep(_ context.Context, tx *gorm.DB, _ *JobConfig, _ rateSweepArgs) error {
	for {
		res := tx.Exec(`DELETE FROM rate_keys WHERE key IN
			(SELECT key FROM rate_keys WHERE sweep_at <= now() LIMIT 10000 FOR UPDATE SKIP LOCKED)`)
		if res.Error != nil || res.RowsAffected < 10000 {
			return res.Error
		}
	}
}

// SweepRateKeys runs the sweep now (tests, and the job).
func SweepRateKeys(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return runRateSweep(ctx, tx, nil, rateSweepArgs{}) })
}
