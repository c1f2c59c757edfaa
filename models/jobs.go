package models

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"time"

	"gorm.io/gorm"
)

// The job queue is an outbox in PostgreSQL: a job is inserted in the same
// transaction as the event that causes it, and a worker claims due jobs with
// FOR UPDATE SKIP LOCKED, runs them and marks them done in the claiming
// transaction. A crash before the send leaves the job to the next run; a
// job that succeeded is committed as done with its effects, so it does not
// run again. (A crash after the SMTP server accepted a message but before
// the commit sends it again on the next run: at least once, never zero.)

// Job kinds this package runs.
const (
	jobEmail      = "email"       // {notification_id}: one immediate email
	jobDigest     = "digest"      // {day}: fan out one digest_user job per member with digest mail
	jobDigestUser = "digest_user" // {user_id, day}: one member's daily digest
)

// MaxJobAttempts is how often a job is tried before it is marked dead.
const MaxJobAttempts = 8

// jobBackoff is the wait after the n-th failed attempt: 1, 2, 4 … minutes,
// at most two hours; eight attempts span about two hours, which rides out
// a mail server restart or a short outage.
func jobBackoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	d := time.Minute << min(attempts-1, 10)
	return min(d, 2*time.Hour)
}

// JobConfig is what the worker needs from the process.
type JobConfig struct {
	Mail   MailConfig
	Logger *slog.Logger
	// Poll is how often an idle worker looks for due jobs (default 1s).
	Poll time.Duration
	// Timeout bounds one job's work, e.g. an SMTP delivery (default 30s).
	// Shutdown waits for the job in hand, so keep it short.
	Timeout time.Duration
}

func (c *JobConfig) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	c.Mail.defaults(c.Logger)
}

// jobFunc runs one job inside the claiming transaction; ctx bounds outside
// work such as a delivery. Returning an error rolls back the job's writes
// and schedules a retry.
type jobFunc func(ctx context.Context, tx *gorm.DB, cfg *JobConfig, payload json.RawMessage) error

// jobKinds maps each kind to its runner. The worker claims only these
// kinds, so jobs another component queues for its own worker are left alone.
var jobKinds = map[string]jobFunc{
	jobEmail:      runEmailJob,
	jobDigest:     runDigestJob,
	jobDigestUser: runDigestUserJob,
}

func jobKindList() []string {
	ks := make([]string, 0, len(jobKinds))
	for k := range jobKinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// enqueueJob queues a job in tx. With a dedupe key, a job with the same key
// (done or not) makes this a no-op.
func enqueueJob(tx *gorm.DB, kind string, payload any, runAt time.Time, dedupeKey string) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	var key *string
	if dedupeKey != "" {
		key = &dedupeKey
	}
	return tx.Exec(`INSERT INTO jobs (kind, payload, run_at, dedupe_key) VALUES (?, ?, ?, ?)
		ON CONFLICT (dedupe_key) DO NOTHING`, kind, string(b), runAt, key).Error
}

// RunDueJobs runs due jobs one at a time until none is due and returns how
// many it tried, failures included. Tests call it instead of waiting for the
// worker. The error is for the queue itself (e.g. the database is down);
// a failing job is recorded on its row and retried later.
func RunDueJobs(ctx context.Context, db *gorm.DB, cfg JobConfig) (int, error) {
	cfg.defaults()
	n := 0
	for ctx.Err() == nil {
		ran, err := runOneJob(ctx, db, &cfg)
		if err != nil {
			return n, err
		}
		if !ran {
			break
		}
		n++
	}
	return n, nil
}

// claimedJob is the part of a jobs row the runner needs.
type claimedJob struct {
	ID       int64
	Kind     string
	Payload  json.RawMessage
	Attempts int
}

// runOneJob claims the oldest due job and runs it in the claiming
// transaction; ran is false when nothing was due.
func runOneJob(ctx context.Context, db *gorm.DB, cfg *JobConfig) (ran bool, err error) {
	// A job that started finishes even when the worker is asked to stop,
	// so shutdown never abandons a delivery half way; Timeout bounds it.
	txCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Timeout+10*time.Second)
	defer cancel()
	err = db.WithContext(txCtx).Transaction(func(tx *gorm.DB) error {
		var jobs []claimedJob
		err := tx.Raw(`SELECT id, kind, payload, attempts FROM jobs
			WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= now() AND kind IN ?
			ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`, jobKindList()).Scan(&jobs).Error
		if err != nil || len(jobs) == 0 {
			return err
		}
		ran = true
		j := jobs[0]
		runCtx, cancelRun := context.WithTimeout(txCtx, cfg.Timeout)
		defer cancelRun()
		// A savepoint, so a failed job's partial writes roll back while
		// the attempt itself is still recorded.
		runErr := tx.Transaction(func(sp *gorm.DB) error {
			return jobKinds[j.Kind](runCtx, sp, cfg, j.Payload)
		})
		log := cfg.Logger.With("job_id", j.ID, "job_kind", j.Kind, "attempt", j.Attempts+1)
		if runErr == nil {
			log.Debug("job done")
			return tx.Exec(`UPDATE jobs SET done_at = now(), attempts = attempts + 1, last_error = '' WHERE id = ?`, j.ID).Error
		}
		attempts := j.Attempts + 1
		msg := runErr.Error()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		if attempts >= MaxJobAttempts {
			log.Error("job failed for the last time; marked dead", "error", msg)
			return tx.Exec(`UPDATE jobs SET attempts = ?, last_error = ?, dead_at = now() WHERE id = ?`, attempts, msg, j.ID).Error
		}
		wait := jobBackoff(attempts)
		log.Warn("job failed; will retry", "error", msg, "retry_in", wait.String())
		return tx.Exec(`UPDATE jobs SET attempts = ?, last_error = ?, run_at = now() + ? * interval '1 second' WHERE id = ?`,
			attempts, msg, int64(wait.Seconds()), j.ID).Error
	})
	return ran, err
}

// RunWorker runs jobs until ctx is cancelled: it drains every due job, then
// polls every cfg.Poll, and schedules the daily digest once per UTC day.
// It never sends from a request goroutine; requests only insert jobs.
func RunWorker(ctx context.Context, db *gorm.DB, cfg JobConfig) {
	cfg.defaults()
	log := cfg.Logger
	log.Info("job worker started", "poll", cfg.Poll.String())
	scheduled := ""
	wait := time.Duration(0)
	failures := 0
	for {
		select {
		case <-ctx.Done():
			log.Info("job worker stopped")
			return
		case <-time.After(wait):
		}
		now := time.Now().UTC()
		if day := now.Format(time.DateOnly); day != scheduled {
			if err := ScheduleDigest(ctx, db, now); err != nil {
				log.Warn("could not schedule the daily digest", "error", err)
			} else {
				scheduled = day
			}
		}
		_, err := RunDueJobs(ctx, db, cfg)
		if err != nil && !errors.Is(err, context.Canceled) {
			// Back off while the database is away instead of logging
			// every second.
			failures++
			wait = min(cfg.Poll<<min(failures, 5), 30*time.Second)
			log.Warn("job queue unavailable", "error", err, "retry_in", wait.String())
			continue
		}
		failures, wait = 0, cfg.Poll
	}
}
