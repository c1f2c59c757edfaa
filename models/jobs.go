package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/outbound"
)

// The job queue is River (riverqueue/river) on the same PostgreSQL. A job is
// inserted in the same transaction as the event that causes it (InsertTx on
// GORM's *sql.Tx), so a rolled-back change queues nothing. A worker runs each
// job in one transaction that also marks the job completed (JobCompleteTx):
// the job's effects and its completion commit together, so a job that
// succeeded never runs again. (A crash after the SMTP server accepted a
// message but before the commit sends it again on the next run: at least
// once, never zero.)
//
// River runs on the database/sql driver over GORM's pool: the job's work and
// its completion must share one transaction, and GORM's transactions are
// *sql.Tx. In serve, a one-connection pgxpool gives it LISTEN/NOTIFY
// (QueueOptions.Listen); without one, workers poll (JobConfig.Poll).

// Job kinds this package runs.
const (
	jobEmail      = "email"       // {notification_id}: one immediate email
	jobDigest     = "digest"      // {day}: fan out one digest_user job per member with digest mail
	jobDigestUser = "digest_user" // {user_id, day}: one member's daily digest
)

type emailArgs struct {
	NotificationID int64 `json:"notification_id"`
}

func (emailArgs) Kind() string { return jobEmail }

type digestArgs struct {
	Day string `json:"day"`
}

func (digestArgs) Kind() string { return jobDigest }

type digestUserArgs struct {
	UserID int64  `json:"user_id"`
	Day    string `json:"day"`
}

func (digestUserArgs) Kind() string { return jobDigestUser }

// MaxJobAttempts is how often a job is tried before River discards it (kept
// with its errors for inspection).
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

// backoffPolicy is River's retry policy for our jobs; job.Attempt already
// counts the attempt that failed.
type backoffPolicy struct{}

func (backoffPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().UTC().Add(jobBackoff(job.Attempt))
}

// JobConfig is what the worker needs from the process.
type JobConfig struct {
	Mail MailConfig
	// Outbound sends webhooks; nil means the strict policy (no private
	// destinations).
	Outbound *outbound.Client
	Logger   *slog.Logger
	// Backlog is the trackers, CRM write-back targets and poll interval
	// of the backlog jobs (backlog_jobs.go, crm_writeback.go).
	Backlog BacklogConfig
	// Poll is how often an idle worker looks for due jobs (default 1s).
	Poll time.Duration
	// Timeout bounds one job's work, e.g. an SMTP delivery (default 30s).
	// Shutdown waits for the job in hand, so keep it short.
	Timeout time.Duration
	// CRM are the configured CRM clients sync jobs read (none: CSV only).
	CRM []CRMSource
	// CRMSyncInterval is how often the leader queues a sync of each CRM
	// (0: only on demand).
	CRMSyncInterval time.Duration
	// FX is the reporting currency the insights snapshot ranks ideas by ARR
	// in (a page with other rates ranks from the rollup instead).
	FX FX
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
	if c.Outbound == nil {
		c.Outbound = outbound.New(outbound.Policy{})
	}
}

// txWorker runs a job's function in one GORM transaction and completes the
// job in it. Returning an error rolls back the job's writes, and River
// records the attempt and schedules a retry.
type txWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	db  *gorm.DB
	cfg *JobConfig
	run func(ctx context.Context, tx *gorm.DB, cfg *JobConfig, args T) error
}

func (w *txWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := w.run(ctx, tx, w.cfg, job.Args); err != nil {
			return err
		}
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, sqlTx, job)
		return err
	})
}

// sqlTxOf is the database/sql transaction under a GORM transaction.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("jobs must be queued inside a transaction (got %T)", tx.Statement.ConnPool)
	}
	return sqlTx, nil
}

// insertJobs queues jobs in tx, which must be a GORM transaction: they
// become visible to workers when it commits and vanish if it rolls back.
// The client is insert-only (no pool, no workers), so models needs no
// process-wide handle; building one costs about 20µs, far below the insert.
func insertJobs(ctx context.Context, tx *gorm.DB, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	client, err := river.NewClient(riverdatabasesql.New(nil), &river.Config{
		MaxAttempts: MaxJobAttempts,
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	_, err = client.InsertManyTx(ctx, sqlTx, params)
	return err
}

// Queue is the River client that works this package's jobs and enqueues the
// daily digest. cmd/crowdwise starts it once the server listens and stops it
// on shutdown.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// QueueOptions tunes a Queue beyond JobConfig.
type QueueOptions struct {
	// Periodic enqueues the daily digest, the insights refresh, the rate-key sweep and the CRM syncs (the elected leader among all
	// processes does). Off for a queue that only drains, as in tests.
	Periodic bool
	// Workers is how many jobs one process runs at once (default 4).
	Workers int
	// Listen, when set, is a pgx pool River takes one connection from for
	// LISTEN, so new jobs start at once and leadership moves quickly;
	// without it the queue polls every JobConfig.Poll. The caller closes it
	// after Stop.
	Listen *pgxpool.Pool
}

// NewQueue builds the River client over db's pool.
func NewQueue(db *gorm.DB, cfg JobConfig, opts QueueOptions) (*Queue, error) {
	cfg.defaults()
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &txWorker[emailArgs]{db: db, cfg: &cfg, run: runEmailJob})
	river.AddWorker(workers, &txWorker[digestArgs]{db: db, cfg: &cfg, run: runDigestJob})
	river.AddWorker(workers, &txWorker[digestUserArgs]{db: db, cfg: &cfg, run: runDigestUserJob})
	addBacklogWorkers(workers, db, &cfg)
	river.AddWorker(workers, &crmSyncWorker{db: db, cfg: &cfg})
	river.AddWorker(workers, &txWorker[crmSyncDueArgs]{db: db, cfg: &cfg, run: runCRMSyncDue})
	river.AddWorker(workers, &webhookWorker{db: db, cfg: &cfg})
	river.AddWorker(workers, &txWorker[webhookPruneArgs]{db: db, cfg: &cfg, run: runWebhookPrune})
	river.AddWorker(workers, &txWorker[rateSweepArgs]{db: db, cfg: &cfg, run: runRateSweep})
	river.AddWorker(workers, &insightsRefreshWorker{db: db, cfg: &cfg})
	rc := &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(opts.Workers, 1)}},
		Workers:           workers,
		MaxAttempts:       MaxJobAttempts,
		RetryPolicy:       backoffPolicy{},
		JobTimeout:        cfg.Timeout,
		FetchPollInterval: cfg.Poll,
		FetchCooldown:     min(cfg.Poll, 100*time.Millisecond),
		PollOnly:          opts.Listen == nil,
		Logger:            cfg.Logger,
	}
	if opts.Workers <= 0 {
		rc.Queues[river.QueueDefault] = river.QueueConfig{MaxWorkers: 4}
	}
	if opts.Periodic {
		rc.PeriodicJobs = []*river.PeriodicJob{digestPeriodicJob(), webhookPrunePeriodicJob(), insightsRefreshPeriodicJob(), rateSweepPeriodicJob()}
		if cfg.CRMSyncInterval > 0 && len(cfg.CRM) > 0 {
			rc.PeriodicJobs = append(rc.PeriodicJobs, crmSyncPeriodicJob(cfg.CRMSyncInterval))
		}
		rc.PeriodicJobs = append(rc.PeriodicJobs, backlogPeriodicJobs(&cfg)...)
	}
	driver := riverdatabasesql.New(sqlDB)
	if opts.Listen != nil {
		driver = riverdatabasesql.NewWithPgxListener(sqlDB, opts.Listen)
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, err
	}
	return &Queue{client: client}, nil
}

// Start begins working jobs in the background. Cancelling ctx is a hard stop
// that cancels the jobs in hand; a graceful shutdown calls Stop instead.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop stops fetching and waits for the jobs in hand to finish, or for ctx.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// RunDueJobs works due jobs until none is due or running and returns how many
// it tried, failures included. Tests call it instead of waiting for a
// worker. It runs a real River client, so what it tests is what serves.
func RunDueJobs(ctx context.Context, db *gorm.DB, cfg JobConfig) (int, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	// One job at a time, in queue order, like a single worker.
	q, err := NewQueue(db, cfg, QueueOptions{Workers: 1})
	if err != nil {
		return 0, err
	}
	var start time.Time
	if err := db.WithContext(ctx).Raw(`SELECT clock_timestamp()`).Scan(&start).Error; err != nil {
		return 0, err
	}
	events, cancel := q.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	defer cancel()
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		return 0, err
	}
	stop := func() error {
		stopCtx, c := context.WithTimeout(context.WithoutCancel(ctx), cfg.Timeout+30*time.Second)
		defer c()
		return q.Stop(stopCtx)
	}
	for {
		var left int64
		// Due means available now; running includes a finished job whose
		// state River has not written yet.
		err := db.WithContext(ctx).Raw(`SELECT count(*) FROM river_job
			WHERE (state = 'available' AND scheduled_at <= now()) OR state = 'running'`).Scan(&left).Error
		if err != nil {
			stop()
			return 0, err
		}
		if left == 0 {
			break
		}
		select {
		case <-ctx.Done():
			stop()
			return 0, ctx.Err()
		case <-events:
		case <-time.After(cfg.Poll):
		}
	}
	if err := stop(); err != nil {
		return 0, err
	}
	var n int64
	err = db.WithContext(ctx).Raw(`SELECT count(*) FROM river_job WHERE attempted_at >= ?`, start).Scan(&n).Error
	return int(n), err
}
