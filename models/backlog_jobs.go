package models

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// BacklogConfig is what the backlog jobs need from the process.
type BacklogConfig struct {
	Trackers Trackers
	FX       FX
	// CRM are the configured write-back targets (none: no write-back).
	CRM []CRMWriter
	// PollInterval is BACKLOG_POLL_INTERVAL: how often the leader reads
	// linked items' status back from their trackers; 0 turns polling off.
	PollInterval time.Duration
}

const (
	jobBacklogCreate = "backlog_create" // {item_id, attempt}: create or adopt the external issue
	jobBacklogPoll   = "backlog_poll"   // {}: queue one backlog_sync per linked external item
	jobBacklogSync   = "backlog_sync"   // {item_id}: read one item's status back
)

type backlogCreateArgs struct {
	ItemID  int64 `json:"item_id"`
	Attempt int   `json:"attempt,omitempty"`
}

func (backlogCreateArgs) Kind() string { return jobBacklogCreate }

type backlogPollArgs struct{}

func (backlogPollArgs) Kind() string { return jobBacklogPoll }

type backlogSyncArgs struct {
	ItemID int64 `json:"item_id"`
}

func (backlogSyncArgs) Kind() string { return jobBacklogSync }

// addBacklogWorkers registers the backlog jobs on a queue.
func addBacklogWorkers(workers *river.Workers, db *gorm.DB, cfg *JobConfig) {
	river.AddWorker(workers, &txWorker[backlogCreateArgs]{db: db, cfg: cfg, run: runBacklogCreate})
	river.AddWorker(workers, &txWorker[backlogPollArgs]{db: db, cfg: cfg, run: runBacklogPoll})
	river.AddWorker(workers, &txWorker[backlogSyncArgs]{db: db, cfg: cfg, run: runBacklogSync})
	river.AddWorker(workers, &txWorker[writeBackFanoutArgs]{db: db, cfg: cfg, run: runWriteBackFanout})
	river.AddWorker(workers, &txWorker[writeBackArgs]{db: db, cfg: cfg, run: runWriteBack})
	river.AddWorker(workers, &txWorker[ownerMailArgs]{db: db, cfg: cfg, run: runOwnerMail})
}

// backlogPeriodicJobs is the poller, when polling is on. River runs
// periodic jobs on the elected leader only, so one process polls.
func backlogPeriodicJobs(cfg *JobConfig) []*river.PeriodicJob {
	if cfg.Backlog.PollInterval <= 0 || len(cfg.Backlog.Trackers) == 0 {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.Backlog.PollInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return backlogPollArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
		}, &river.PeriodicJobOpts{ID: jobBacklogPoll})}
}

// lockItem locks one item for a job; nil when it is gone (unlinked).
func lockItem(tx *gorm.DB, id int64) (*BacklogItem, error) {
	var items []BacklogItem
	if err := tx.Raw(`SELECT * FROM backlog_items WHERE id = ? FOR UPDATE`, id).Scan(&items).Error; err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, nil
	}
	return &items[0], nil
}

// runBacklogCreate makes the idea's issue in its tracker, exactly once.
// The item's row lock serialises concurrent runs; before creating, the
// tracker is asked for an issue already carrying the idea's marker, so a
// run after a crash between the tracker's answer and this transaction's
// commit adopts that issue instead of making a second one. A tracker
// failure is recorded on the item (for staff) and the job queues its next
// attempt with backoff; after MaxJobAttempts the item is marked failed.
func runBacklogCreate(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p backlogCreateArgs) error {
	item, err := lockItem(tx, p.ItemID)
	if err != nil || item == nil || item.State != ItemCreating {
		return err
	}
	tr := cfg.Backlog.Trackers[item.Provider]
	if tr == nil {
		return markItemFailed(tx, item.ID, ProviderName(item.Provider)+" is not configured any more.")
	}
	in, err := createInput(ctx, tx, cfg, item.IdeaID)
	if err != nil {
		return err
	}
	found, err := tr.FindByMarker(ctx, item.IdeaID)
	var it tracker.Item
	if err == nil && found != nil {
		it = *found
	} else if err == nil {
		it, err = tr.Create(ctx, in)
	}
	if err != nil {
		return retryCreate(ctx, tx, item, p, trackerErrorText(ProviderName(item.Provider), err, ""))
	}
	// Checked first: a unique violation would abort the transaction that
	// must record the failure. The item's lock and the unique index keep
	// a concurrent link from slipping in between.
	var taken bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM backlog_items WHERE provider = ? AND external_id = ? AND id <> ?)`,
		item.Provider, clip(it.ExternalID, 200), item.ID).Scan(&taken).Error; err != nil {
		return err
	}
	if taken {
		return markItemFailed(tx, item.ID, "The issue "+it.Key+" is already linked to another idea.")
	}
	if err := tx.Exec(`UPDATE backlog_items SET external_id = ?, state = 'linked', last_error = '', updated_at = now() WHERE id = ?`,
		clip(it.ExternalID, 200), item.ID).Error; err != nil {
		return err
	}
	item.ExternalID, item.State = it.ExternalID, ItemLinked
	if _, err := storeItem(tx, item, it); err != nil {
		return err
	}
	if err := audit(tx, nil, "backlog.created", "idea", item.IdeaID, nil, map[string]any{"provider": item.Provider, "key": item.Key}); err != nil {
		return err
	}
	idea, err := lockIdea(tx, item.IdeaID)
	if err != nil {
		return err
	}
	return itemLinked(tx, item, idea, nil)
}

// retryCreate records a failed attempt and queues the next one, or gives up.
func retryCreate(ctx context.Context, tx *gorm.DB, item *BacklogItem, p backlogCreateArgs, msg string) error {
	attempt := p.Attempt + 1
	if attempt >= MaxJobAttempts {
		return markItemFailed(tx, item.ID, msg)
	}
	if err := tx.Exec(`UPDATE backlog_items SET last_error = ?, updated_at = now() WHERE id = ?`, clip(msg, 2000), item.ID).Error; err != nil {
		return err
	}
	return insertJobs(ctx, tx, []river.InsertManyParams{{
		Args:       backlogCreateArgs{ItemID: item.ID, Attempt: attempt},
		InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(jobBackoff(attempt))},
	}})
}

func markItemFailed(tx *gorm.DB, id int64, msg string) error {
	return tx.Exec(`UPDATE backlog_items SET state = 'failed', last_error = ?, updated_at = now() WHERE id = ?`, clip(msg, 2000), id).Error
}

// createInput is what the new issue says about the idea.
func createInput(ctx context.Context, tx *gorm.DB, cfg *JobConfig, ideaID int64) (tracker.CreateInput, error) {
	var idea Idea
	if err := tx.Raw(`SELECT id, title, body, vote_count FROM ideas WHERE id = ?`, ideaID).Scan(&idea).Error; err != nil {
		return tracker.CreateInput{}, err
	}
	in := tracker.CreateInput{IdeaID: ideaID, Title: idea.Title, Description: idea.Body, Votes: idea.VoteCount,
		IdeaURL: cfg.Mail.BaseURL + idea.URL()}
	arr, err := ARRAtStake(ctx, tx, cfg.Backlog.FX, []int64{ideaID})
	if err != nil {
		return in, err
	}
	if cents := arr[ideaID]; cents > 0 {
		in.ARRAtStake = formatMoney(cents, cfg.Backlog.FX.Currency)
	}
	err = tx.Raw(`SELECT a.name FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id
		WHERE d.idea_id = ? ORDER BY a.arr_cents DESC, a.id LIMIT 5`, ideaID).Scan(&in.TopAccounts).Error
	return in, err
}

// runBacklogPoll queues a sync of every linked external item whose
// tracker is configured, oldest sync first.
func runBacklogPoll(ctx context.Context, tx *gorm.DB, cfg *JobConfig, _ backlogPollArgs) error {
	var ids []int64
	err := tx.Raw(`SELECT id FROM backlog_items WHERE state = 'linked' AND provider <> 'internal' AND provider IN ?
		ORDER BY last_synced_at NULLS FIRST, id LIMIT 1000`, append(cfg.Backlog.Trackers.Available(), "")).Scan(&ids).Error
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: backlogSyncArgs{ItemID: id},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
	}
	return insertJobs(ctx, tx, params)
}

// runBacklogSync reads one item's status back from its tracker and moves
// the idea when the status changed meanwhile (a webhook that never came).
// A failure is recorded on the item; the next poll tries again.
func runBacklogSync(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p backlogSyncArgs) error {
	item, err := lockItem(tx, p.ItemID)
	if err != nil || item == nil || item.State != ItemLinked {
		return err
	}
	tr := cfg.Backlog.Trackers[item.Provider]
	if tr == nil {
		return nil
	}
	key := item.Key
	if key == "" {
		key = item.URL
	}
	it, err := tr.Get(ctx, key)
	if err != nil {
		return tx.Exec(`UPDATE backlog_items SET last_error = ?, last_synced_at = now() WHERE id = ?`,
			clip(trackerErrorText(ProviderName(item.Provider), err, item.Key), 2000), item.ID).Error
	}
	_, err = syncItem(tx, item, it, nil)
	return err
}

// PollBacklog queues a poll now, as the periodic job does (tests, and a
// "sync now" for staff).
func PollBacklog(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return insertJobs(ctx, tx, []river.InsertManyParams{{Args: backlogPollArgs{}}})
	})
}
