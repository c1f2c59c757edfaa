package models_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
	"gorm.io/gorm"
)

// requestTimeout is the connection statement timeout these tests give the
// app: far shorter than any wait they arrange with a lock.
const requestTimeout = 500 * time.Millisecond

// shortTimeoutDB is a second handle on f's database whose connections time
// statements out after requestTimeout, as DB_STATEMENT_TIMEOUT does.
func (f *insightsFixture) shortTimeoutDB(t *testing.T) *gorm.DB {
	t.Helper()
	var name string
	if err := f.db.Raw(`SELECT current_database()`).Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	db, err := models.Open(ctx, testdb.WithDatabase(testdb.AdminURL(t), name), models.DBOptions{StatementTimeout: requestTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.SQLDB(db).Close() })
	return db
}

// lock holds an exclusive lock on table until the returned func is called.
func (f *insightsFixture) lock(t *testing.T, table string) (release func()) {
	t.Helper()
	tx := f.db.Begin()
	if err := tx.Exec(`LOCK TABLE ` + table + ` IN ACCESS EXCLUSIVE MODE`).Error; err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// The rebuild is not bound by the requests' statement timeout: at a million
// ideas one of its statements runs for most of a minute. Here it waits on a
// lock for several times that timeout and still completes.
func TestInsightsRefreshOutlastsTheRequestTimeout(t *testing.T) {
	f := newInsightsFixture(t)
	short := f.shortTimeoutDB(t)
	release := f.lock(t, "insights_idea_demand")
	done := make(chan error, 1)
	go func() {
		done <- models.RefreshInsights(ctx, short, f.fx, time.Now())
	}()
	// Release only once the rebuild has waited on the lock for four times
	// the request timeout (PostgreSQL's own clock); a rebuild bound by it
	// fails first.
	for waited := false; !waited; {
		select {
		case err := <-done:
			release()
			t.Fatalf("the rebuild ended while the lock was held: %v", err)
		default:
		}
		if err := f.db.Raw(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM insights_idea_demand%'
			AND now() - query_start > ?::interval)`, (4 * requestTimeout).String()).Scan(&waited).Error; err != nil {
			release()
			t.Fatal(err)
		}
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	var snapshots int64
	if err := f.db.Raw(`SELECT count(*) FROM insights_snapshot`).Scan(&snapshots).Error; err != nil || snapshots != 1 {
		t.Fatalf("snapshots = %d (%v), want 1", snapshots, err)
	}
}

// Without a snapshot, a page too big to compute within the statement
// timeout is a 503 that says why, not a 500, and it queues the rebuild
// that will serve it.
func TestInsightsTooSlowToComputeLiveQueuesTheRebuild(t *testing.T) {
	f := newInsightsFixture(t)
	short := f.shortTimeoutDB(t)
	filter, err := models.ParseInsightsQuery(ctx, f.db, models.InsightsQuery{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	release := f.lock(t, "votes")
	_, err = models.LoadInsights(ctx, short, f.pm, f.fx, filter)
	release()
	var pr *models.Problem
	if !errors.As(err, &pr) || !errors.Is(err, models.ErrUnavailable) {
		t.Fatalf("err = %v, want an ErrUnavailable problem", err)
	}
	var queued int64
	if err := f.db.Raw(`SELECT count(*) FROM river_job WHERE kind = 'insights_refresh'`).Scan(&queued).Error; err != nil || queued != 1 {
		t.Fatalf("queued rebuilds = %d (%v), want 1", queued, err)
	}
	// Once the rebuild has run, the same page is served.
	if _, err := models.RunDueJobs(ctx, f.db, models.JobConfig{FX: f.fx}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.LoadInsights(ctx, short, f.pm, f.fx, filter); err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
}
