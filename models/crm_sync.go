package models

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// Sync states. A CSV upload waits in SyncPreview until it is confirmed; the
// API never shows one.
const (
	SyncPreview = "preview"
	SyncQueued  = "queued"
	SyncRunning = "running"
	SyncDone    = "done"
	SyncFailed  = "failed"
)

// SyncSources are the sources a sync run reads.
var SyncSources = []string{SourceCSV, SourceSalesforce, SourceHubSpot}

// maxSyncErrors is how many errors a run keeps; ErrorCount counts them all.
const maxSyncErrors = 1000

// SyncErrors is the errors column (jsonb).
type SyncErrors []SyncError

func (e SyncErrors) Value() (driver.Value, error) {
	if e == nil {
		e = SyncErrors{}
	}
	b, err := json.Marshal(e)
	return string(b), err
}

func (e *SyncErrors) Scan(v any) error {
	switch b := v.(type) {
	case []byte:
		return json.Unmarshal(b, e)
	case string:
		return json.Unmarshal([]byte(b), e)
	case nil:
		*e = nil
		return nil
	}
	return fmt.Errorf("sync errors: cannot scan %T", v)
}

// CRMSync is one run in the sync log (its file is read separately).
type CRMSync struct {
	ID          int64      `json:"id"`
	Source      string     `json:"source"`
	State       string     `json:"state"`
	Total       int        `json:"total"`
	Done        int        `json:"done"`
	Created     int        `json:"created"`
	Updated     int        `json:"updated"`
	Skipped     int        `json:"skipped"`
	Errors      SyncErrors `json:"errors" gorm:"type:jsonb"`
	ErrorCount  int        `json:"error_count"`
	Message     string     `json:"message"`
	FileName    string     `json:"-"`
	ImportValid bool       `json:"-"`
	Snoozes     int        `json:"-"`
	RequestedBy *int64     `json:"-"`
	CreatedAt   time.Time  `json:"-"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
}

func (CRMSync) TableName() string { return "crm_syncs" }

// Finished reports a run that has ended, well or not.
func (s *CRMSync) Finished() bool { return s.State == SyncDone || s.State == SyncFailed }

// Percent is how far the run is, 0–100.
func (s *CRMSync) Percent() int {
	if s.Total == 0 {
		if s.Finished() {
			return 100
		}
		return 0
	}
	return min(100, s.Done*100/s.Total)
}

const syncColumns = `id, source, state, total, done, created, updated, skipped, errors, error_count, message,
	file_name, import_valid, snoozes, requested_by, created_at, started_at, finished_at`

// crmSyncArgs runs one sync log row (CSV import or CRM sync).
type crmSyncArgs struct {
	SyncID int64 `json:"sync_id"`
}

func (crmSyncArgs) Kind() string { return "crm_sync" }

// GetSync returns a run of the sync log; a CSV upload still in preview is
// not a run (ErrNotFound) unless withPreview.
func GetSync(db *gorm.DB, id int64, withPreview bool) (*CRMSync, error) {
	var s CRMSync
	err := db.Raw(`SELECT `+syncColumns+` FROM crm_syncs WHERE id = ?`, id).Scan(&s).Error
	switch {
	case err != nil:
		return nil, err
	case s.ID == 0 || (s.State == SyncPreview && !withPreview):
		return nil, NotFound("There is no such import or sync.")
	}
	return &s, nil
}

// ListSyncs is a page of the sync log, newest first.
func ListSyncs(db *gorm.DB, p Page) ([]CRMSync, Page, error) {
	if err := db.Raw(`SELECT count(*) FROM crm_syncs WHERE state <> 'preview'`).Scan(&p.Total).Error; err != nil {
		return nil, p, err
	}
	var out []CRMSync
	err := db.Raw(`SELECT `+syncColumns+` FROM crm_syncs WHERE state <> 'preview' ORDER BY id DESC LIMIT ? OFFSET ?`,
		p.PerPage, p.Offset()).Scan(&out).Error
	return out, p, err
}

// LastSyncs is each source's latest run.
func LastSyncs(db *gorm.DB) (map[string]CRMSync, error) {
	var rows []CRMSync
	err := db.Raw(`SELECT DISTINCT ON (source) ` + syncColumns + ` FROM crm_syncs WHERE state <> 'preview'
		ORDER BY source, id DESC`).Scan(&rows).Error
	out := map[string]CRMSync{}
	for _, r := range rows {
		out[r.Source] = r
	}
	return out, err
}

// activeTaken reports the unique index that keeps one run per source.
func activeTaken(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "crm_syncs_one_active_idx"
}

// releaseLostRuns fails a queued or running run of source whose job is no
// longer live (River discarded or cancelled it, or it was deleted), so a
// run lost that way cannot hold the source's one slot forever.
func releaseLostRuns(tx *gorm.DB, source string) error {
	return tx.Exec(`UPDATE crm_syncs s SET state = 'failed', finished_at = now(), file = NULL,
			message = 'The run was stopped before it finished (its job was cancelled or gave up); the next run starts afresh.'
		WHERE s.source = ? AND s.state IN ('queued', 'running') AND NOT EXISTS (
			SELECT 1 FROM river_job j WHERE j.kind = 'crm_sync' AND j.args->>'sync_id' = s.id::text
			AND j.state NOT IN ('completed', 'discarded', 'cancelled'))`, source).Error
}

func queueSync(ctx context.Context, tx *gorm.DB, id int64) error {
	return insertJobs(ctx, tx, []river.InsertManyParams{{Args: crmSyncArgs{SyncID: id},
		InsertOpts: &river.InsertOpts{MaxAttempts: 3}}})
}

// RequestCRMSync queues a sync of source (one of configured) and returns
// it; when one is already queued or running, in this process or another,
// that one is returned instead (created false). actor nil is the schedule.
func RequestCRMSync(ctx context.Context, db *gorm.DB, actor *User, source string, configured []string) (s *CRMSync, created bool, err error) {
	if source == SourceCSV || !slices.Contains(SyncSources, source) {
		return nil, false, &ValidationError{Fields: map[string]string{"source": "The source must be salesforce or hubspot."}}
	}
	if !slices.Contains(configured, source) {
		return nil, false, &ValidationError{Fields: map[string]string{"source": source + " is not configured on this server."}}
	}
	var by *int64
	if actor != nil {
		by = &actor.ID
	}
	var id int64
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := releaseLostRuns(tx, source); err != nil {
			return err
		}
		var ids []int64
		if err := tx.Raw(`INSERT INTO crm_syncs (source, requested_by) VALUES (?, ?)
			ON CONFLICT (source) WHERE state IN ('queued', 'running') DO NOTHING RETURNING id`, source, by).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return tx.Raw(`SELECT id FROM crm_syncs WHERE source = ? AND state IN ('queued', 'running')`, source).Scan(&id).Error
		}
		id, created = ids[0], true
		if err := queueSync(ctx, tx, id); err != nil {
			return err
		}
		if actor == nil {
			return nil
		}
		return audit(tx, actor, "crm.sync", "crm_sync", id, nil, map[string]string{"source": source})
	})
	if err != nil {
		return nil, false, err
	}
	if id == 0 { // the active run ended between the insert and the select
		return RequestCRMSync(ctx, db, actor, source, configured)
	}
	s, err = GetSync(db.WithContext(ctx), id, false)
	return s, created, err
}

func cleanFileName(name string) string {
	name = strings.ToValidUTF8(strings.TrimSpace(name), "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// PreviewCSVImport checks an uploaded file and keeps it for confirmation,
// returning the waiting upload and what the check found. Uploads left
// unconfirmed for a day are dropped.
func PreviewCSVImport(ctx context.Context, db *gorm.DB, actor *User, fileName string, data []byte) (*CRMSync, *CSVCheck, error) {
	db = db.WithContext(ctx)
	check, err := CheckAccountsCSV(db, data)
	if err != nil {
		return nil, nil, err
	}
	var id int64
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM crm_syncs WHERE state = 'preview' AND created_at < now() - interval '1 day'`).Error; err != nil {
			return err
		}
		return tx.Raw(`INSERT INTO crm_syncs (source, state, total, file, file_name, requested_by)
			VALUES ('csv', 'preview', ?, ?, ?, ?) RETURNING id`, len(check.Rows), data, cleanFileName(fileName), actor.ID).Scan(&id).Error
	})
	if err != nil {
		return nil, nil, err
	}
	s, err := GetSync(db, id, true)
	return s, check, err
}

// CSVPreview reads a waiting upload's file again and checks it, for the
// preview page. Only the person who uploaded it (or an admin) sees it.
func CSVPreview(ctx context.Context, db *gorm.DB, actor *User, id int64) (*CRMSync, *CSVCheck, error) {
	db = db.WithContext(ctx)
	s, err := GetSync(db, id, true)
	if err != nil {
		return nil, nil, err
	}
	if s.Source != SourceCSV {
		return nil, nil, NotFound("There is no such import.")
	}
	if s.State != SyncPreview {
		return s, nil, nil
	}
	if err := ownsUpload(actor, s); err != nil {
		return nil, nil, err
	}
	var data []byte
	if err := db.Raw(`SELECT file FROM crm_syncs WHERE id = ?`, id).Row().Scan(&data); err != nil {
		return nil, nil, err
	}
	check, err := CheckAccountsCSV(db, data)
	return s, check, err
}

func ownsUpload(actor *User, s *CRMSync) error {
	if s.RequestedBy != nil && *s.RequestedBy == actor.ID || actor.HasRole(RoleAdmin) {
		return nil
	}
	return NotFound("There is no such import.")
}

// ConfirmCSVImport queues a waiting upload. importValid imports the rows
// without errors even when others have some; without it a file with errors
// imports nothing. One CSV import runs at a time (409 while another does).
func ConfirmCSVImport(ctx context.Context, db *gorm.DB, actor *User, id int64, importValid bool) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var s CRMSync
		if err := tx.Raw(`SELECT `+syncColumns+` FROM crm_syncs WHERE id = ? AND source = 'csv' FOR UPDATE`, id).Scan(&s).Error; err != nil {
			return err
		}
		if s.ID == 0 {
			return NotFound("There is no such import.")
		}
		if err := ownsUpload(actor, &s); err != nil {
			return err
		}
		if s.State != SyncPreview {
			return Conflict("This import was already confirmed.")
		}
		if err := releaseLostRuns(tx, SourceCSV); err != nil {
			return err
		}
		err := tx.Exec(`UPDATE crm_syncs SET state = 'queued', import_valid = ?, created_at = now() WHERE id = ?`, importValid, id).Error
		if activeTaken(err) {
			return Conflict("Another CSV import is running; confirm this one when it has finished.")
		} else if err != nil {
			return err
		}
		if err := queueSync(ctx, tx, id); err != nil {
			return err
		}
		return audit(tx, actor, "crm.import", "crm_sync", id, nil,
			map[string]any{"file": s.FileName, "rows": s.Total, "import_valid": importValid})
	})
}

// ImportCSV queues an import with no preview (the API): the file is checked
// for its size and form now, row by row in the job.
func ImportCSV(ctx context.Context, db *gorm.DB, actor *User, fileName string, data []byte, importValid bool) (*CRMSync, error) {
	db = db.WithContext(ctx)
	check, err := CheckAccountsCSV(db, data)
	if err != nil {
		return nil, err
	}
	var id int64
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := releaseLostRuns(tx, SourceCSV); err != nil {
			return err
		}
		err := tx.Raw(`INSERT INTO crm_syncs (source, state, total, file, file_name, import_valid, requested_by)
			VALUES ('csv', 'queued', ?, ?, ?, ?, ?) RETURNING id`, len(check.Rows), data, cleanFileName(fileName), importValid, actor.ID).Scan(&id).Error
		if activeTaken(err) {
			return Conflict("Another CSV import is running; send this one when it has finished.")
		} else if err != nil {
			return err
		}
		if err := queueSync(ctx, tx, id); err != nil {
			return err
		}
		return audit(tx, actor, "crm.import", "crm_sync", id, nil,
			map[string]any{"file": cleanFileName(fileName), "rows": len(check.Rows), "import_valid": importValid})
	})
	if err != nil {
		return nil, err
	}
	return GetSync(db, id, false)
}
