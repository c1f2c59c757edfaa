package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"
)

// The job lists on /admin/jobs, each a set of River states.
var jobListStates = map[string][]string{
	"queued":    {"available", "scheduled", "pending", "running"},
	"retrying":  {"retryable"},
	"failed":    {"discarded", "cancelled"},
	"completed": {"completed"},
}

// JobLists names the lists in the order the page shows them.
var JobLists = []string{"queued", "retrying", "failed", "completed"}

// JobsPerPage is the size of a page of /admin/jobs.
const JobsPerPage = 50

// JobInfo is one River job as the admin page shows it.
type JobInfo struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	MaxAttempts int
	Args        string
	LastError   string
	CreatedAt   time.Time
	ScheduledAt time.Time
	FinalizedAt *time.Time
}

// CanRetry and CanCancel say which buttons a job gets.
func (j JobInfo) CanRetry() bool  { return j.State != "running" && j.State != "completed" }
func (j JobInfo) CanCancel() bool { return j.FinalizedAt == nil && j.State != "cancelled" }

// JobPage is one page of one list.
type JobPage struct {
	List string
	Jobs []JobInfo
	Page Page
}

// Jobs lists River's jobs in one of JobLists (unknown names mean
// "queued"), newest first.
func Jobs(ctx context.Context, db *gorm.DB, list string, p Page) (*JobPage, error) {
	states, ok := jobListStates[list]
	if !ok {
		list, states = "queued", jobListStates["queued"]
	}
	out := &JobPage{List: list, Page: p}
	db = db.WithContext(ctx)
	if err := db.Raw(`SELECT count(*) FROM river_job WHERE state::text IN ?`, states).Scan(&out.Page.Total).Error; err != nil {
		return nil, err
	}
	err := db.Raw(`SELECT id, kind, state::text AS state, attempt, max_attempts, args::text AS args,
		coalesce(errors[cardinality(errors)]->>'error', '') AS last_error, created_at, scheduled_at, finalized_at
		FROM river_job WHERE state::text IN ? ORDER BY id DESC LIMIT ? OFFSET ?`, states, p.PerPage, p.Offset()).
		Scan(&out.Jobs).Error
	return out, err
}

// adminClient is a River client for operations on existing jobs inside
// our own transactions (no pool, no workers).
func adminClient() (*river.Client[*sql.Tx], error) {
	return river.NewClient(riverdatabasesql.New(nil), &river.Config{Logger: slog.New(slog.DiscardHandler)})
}

// RetryJob makes a queued, retrying, failed or cancelled job run again now
// (River's JobRetry), audited in the same transaction.
func RetryJob(ctx context.Context, db *gorm.DB, actor *User, id int64) error {
	return jobAction(ctx, db, actor, id, "job.retry", func(j *rivertype.JobRow) error {
		if j.State == rivertype.JobStateRunning || j.State == rivertype.JobStateCompleted {
			return Conflict("This job is " + string(j.State) + "; only waiting or failed jobs can be retried.")
		}
		return nil
	}, func(c *river.Client[*sql.Tx], tx *sql.Tx) (*rivertype.JobRow, error) {
		return c.JobRetryTx(ctx, tx, id)
	})
}

// CancelJob stops a job that has not finished (River's JobCancel; a
// running job is told to stop), audited in the same transaction.
func CancelJob(ctx context.Context, db *gorm.DB, actor *User, id int64) error {
	return jobAction(ctx, db, actor, id, "job.cancel", func(j *rivertype.JobRow) error {
		if j.FinalizedAt != nil {
			return Conflict("This job has already finished (" + string(j.State) + ").")
		}
		return nil
	}, func(c *river.Client[*sql.Tx], tx *sql.Tx) (*rivertype.JobRow, error) {
		return c.JobCancelTx(ctx, tx, id)
	})
}

func jobAction(ctx context.Context, db *gorm.DB, actor *User, id int64, action string,
	allowed func(*rivertype.JobRow) error, do func(*river.Client[*sql.Tx], *sql.Tx) (*rivertype.JobRow, error)) error {
	client, err := adminClient()
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		before, err := client.JobGetTx(ctx, sqlTx, id)
		if errors.Is(err, rivertype.ErrNotFound) {
			return NotFound("No such job.")
		}
		if err != nil {
			return err
		}
		if err := allowed(before); err != nil {
			return err
		}
		after, err := do(client, sqlTx)
		if err != nil {
			return err
		}
		args := json.RawMessage(before.EncodedArgs)
		return audit(tx, actor, action, "job", id, map[string]any{"state": before.State, "kind": before.Kind, "args": args},
			map[string]any{"state": after.State})
	})
}
