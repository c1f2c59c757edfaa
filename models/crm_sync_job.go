package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/crm"
)

// CRMSource is a CRM a sync reads (integrations/salesforce and
// integrations/hubspot clients satisfy it). Each listing hands over one
// page at a time, so a page is saved before the next is read.
type CRMSource interface {
	Source() string // SourceSalesforce or SourceHubSpot
	Accounts(ctx context.Context, fn func(crm.AccountPage) error) error
	Opportunities(ctx context.Context, fn func(crm.OpportunityPage) error) error
}

// Tuning of sync runs.
const (
	csvBatchRows = 500
	// maxSyncSnoozes is how often one run waits out a 429 before it gives up.
	maxSyncSnoozes = 10
	// syncTimeout bounds one run (River's per-job timeout); a 50,000-row
	// file or a large CRM takes minutes, not the seconds a mail takes.
	syncTimeout = time.Hour
)

// crmSyncWorker runs a sync log row. Unlike txWorker it commits page by
// page (or batch by batch) with the progress, so people watch it move and
// what was saved before an error stays; the last transaction marks the row
// finished and completes the job together.
type crmSyncWorker struct {
	river.WorkerDefaults[crmSyncArgs]
	db  *gorm.DB
	cfg *JobConfig
}

func (w *crmSyncWorker) Timeout(*river.Job[crmSyncArgs]) time.Duration { return syncTimeout }

// syncRun is a run's progress in memory, written with each batch.
type syncRun struct {
	CRMSync
}

func (r *syncRun) fail(line int, column, msg string) {
	r.ErrorCount++
	if len(r.Errors) < maxSyncErrors {
		r.Errors = append(r.Errors, SyncError{Line: line, Column: column, Message: msg})
	}
}

// save writes the progress in tx.
func (r *syncRun) save(tx *gorm.DB) error {
	return tx.Exec(`UPDATE crm_syncs SET total = ?, done = ?, created = ?, updated = ?, skipped = ?, errors = ?,
		error_count = ?, message = ? WHERE id = ?`, r.Total, r.Done, r.Created, r.Updated, r.Skipped, r.Errors,
		r.ErrorCount, r.Message, r.ID).Error
}

func (r *syncRun) count(o Outcome) {
	switch o {
	case Created:
		r.Created++
	case Updated:
		r.Updated++
	}
}

// fieldErrors turns a validation error into one report line per field.
func (r *syncRun) fieldErrors(line int, prefix string, err error) {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		if prefix == "" {
			prefix = "This row "
		}
		r.fail(line, "", prefix+"could not be saved.")
		return
	}
	for _, col := range append(CSVColumns, "account", "amount", "state") {
		if m, ok := ve.Fields[col]; ok {
			r.fail(line, col, prefix+m)
		}
	}
}

func (w *crmSyncWorker) Work(ctx context.Context, job *river.Job[crmSyncArgs]) error {
	run, err := w.begin(ctx, job)
	if err != nil || run == nil {
		return err
	}
	if run.Source == SourceCSV {
		err = w.importCSV(ctx, run)
	} else if src := w.cfg.crmSource(run.Source); src == nil {
		err = errors.New(run.Source + " is not configured on this server")
	} else {
		err = w.syncCRM(ctx, run, src)
	}
	var rl *crm.RateLimitError
	if errors.As(err, &rl) && run.Snoozes < maxSyncSnoozes {
		// Wait as asked; the run starts over then, and what it saved so
		// far is already there (upserts leave unchanged rows alone).
		run.Message = fmt.Sprintf("Rate limited by %s; continuing after %s.", sourceLabel(run.Source), rl.RetryAfter)
		if err := w.db.WithContext(ctx).Exec(`UPDATE crm_syncs SET snoozes = snoozes + 1, message = ? WHERE id = ?`,
			run.Message, run.ID).Error; err != nil {
			return err
		}
		return river.JobSnooze(rl.RetryAfter)
	}
	return w.finish(ctx, job, run, err)
}

// begin marks the row running. A rerun (after a snooze or a crash) keeps
// the created and updated counts, which are real, and counts the rest anew.
// nil: the row is gone or finished, and the job is completed here.
func (w *crmSyncWorker) begin(ctx context.Context, job *river.Job[crmSyncArgs]) (*syncRun, error) {
	var run *syncRun
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var s CRMSync
		if err := tx.Raw(`SELECT `+syncColumns+` FROM crm_syncs WHERE id = ? FOR UPDATE`, job.Args.SyncID).Scan(&s).Error; err != nil {
			return err
		}
		if s.ID == 0 || s.State != SyncQueued && s.State != SyncRunning {
			return completeJob(ctx, tx, job)
		}
		if err := tx.Exec(`UPDATE crm_syncs SET state = 'running', started_at = coalesce(started_at, now()), total = 0,
			done = 0, skipped = 0, errors = '[]', error_count = 0 WHERE id = ?`, s.ID).Error; err != nil {
			return err
		}
		s.State, s.Total, s.Done, s.Skipped, s.Errors, s.ErrorCount = SyncRunning, 0, 0, 0, nil, 0
		run = &syncRun{s}
		return nil
	})
	return run, err
}

func completeJob(ctx context.Context, tx *gorm.DB, job *river.Job[crmSyncArgs]) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, sqlTx, job)
	return err
}

// finish records how the run ended, drops a CSV's file and completes the
// job in one transaction. A run that failed on its own terms (credentials,
// errors in the file) is a finished job, not one River should retry.
func (w *crmSyncWorker) finish(ctx context.Context, job *river.Job[crmSyncArgs], run *syncRun, runErr error) error {
	state := SyncDone
	if runErr != nil {
		state = SyncFailed
		run.Message = failureMessage(run.Source, runErr)
		if !errors.Is(runErr, errRunRefused) && !errors.Is(runErr, crm.ErrCredentials) {
			w.cfg.Logger.Warn("crm sync failed", "sync_id", run.ID, "source", run.Source, "error", runErr)
		}
	} else if run.Message != "" && strings.HasPrefix(run.Message, "Rate limited") {
		run.Message = ""
	}
	// The outcome is written even when the run's context ended (a timeout).
	ctx = context.WithoutCancel(ctx)
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := run.save(tx); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE crm_syncs SET state = ?, finished_at = now(), file = NULL WHERE id = ?`, state, run.ID).Error; err != nil {
			return err
		}
		return completeJob(ctx, tx, job)
	})
}

// errRunRefused marks a failure whose message is already in the run.
var errRunRefused = errors.New("refused")

// failureMessage is what the sync log says about a failed run; never a
// database error's text.
func failureMessage(source string, err error) string {
	var rl *crm.RateLimitError
	var se *crm.StatusError
	switch {
	case errors.Is(err, errRunRefused):
		return strings.TrimPrefix(err.Error(), errRunRefused.Error()+": ")
	case errors.Is(err, crm.ErrCredentials):
		return sourceLabel(source) + ": credentials rejected. Check the client id and secret (or token) in the configuration."
	case errors.As(err, &rl):
		return sourceLabel(source) + " kept answering 429 (rate limited); the next run tries again."
	case errors.As(err, &se):
		return fmt.Sprintf("%s answered %d; the next run tries again.", sourceLabel(source), se.Status)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "The run took too long or was stopped; the next run tries again."
	case strings.HasSuffix(err.Error(), "is not configured on this server"):
		return err.Error() + "."
	}
	return "The run stopped on an unexpected error (see the server log); the next run tries again."
}

func refuse(msg string) error { return fmt.Errorf("%w: %s", errRunRefused, msg) }

// crmSyncDueArgs is the periodic job: queue a sync of every configured CRM.
type crmSyncDueArgs struct{}

func (crmSyncDueArgs) Kind() string { return "crm_sync_due" }

func runCRMSyncDue(ctx context.Context, tx *gorm.DB, cfg *JobConfig, _ crmSyncDueArgs) error {
	configured := cfg.CRMSourceNames()
	for _, name := range configured {
		// A source already syncing keeps its run; that is the one sync.
		if _, _, err := RequestCRMSync(ctx, tx, nil, name, configured); err != nil {
			return err
		}
	}
	return nil
}

func crmSyncPeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return crmSyncDueArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "crm_sync", RunOnStart: true}) // a new leader syncs at once; one run per source still holds
}

// crmSource is the configured client for source, or nil.
func (c *JobConfig) crmSource(source string) CRMSource {
	for _, s := range c.CRM {
		if s.Source() == source {
			return s
		}
	}
	return nil
}

// CRMSourceNames lists the configured CRM sources.
func (c *JobConfig) CRMSourceNames() []string {
	var out []string
	for _, s := range c.CRM {
		out = append(out, s.Source())
	}
	return out
}
