package models

import (
	"context"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/mail"
)

// CRM write-back: when an idea with accounts (linked, or voting through
// members) is promoted or changes status, each Salesforce account gets a
// Task and each HubSpot company a note, and each account owner one email
// listing their accounts that asked. One crm_writebacks row per (account,
// idea, change) makes a retried or duplicated job write once; the row
// keeps the last error for /staff/integrations. A write that reached the CRM
// but whose commit here was lost (a crash in between) is found again by the
// marker line in what was written, and adopted instead of written twice.

// CRMWriter is one configured CRM that takes write-backs. cmd adapts the
// Salesforce and HubSpot clients to it.
type CRMWriter interface {
	// Source is "salesforce" or "hubspot", as crm_accounts.source says.
	Source() string
	// WriteBack records the note on the account with that external id,
	// unless a Task or note holding n.Marker is already there.
	WriteBack(ctx context.Context, accountExternalID string, n WriteBackNote) error
}

// WriteBackNote is what a CRM receives.
type WriteBackNote struct {
	Subject string // "Crowdwise: <idea title> is now <status>"
	Body    string // the change and the idea's URL
	IdeaURL string
	At      time.Time
	// Ref is the crm_writebacks id; Marker, the line "crowdwise-writeback:
	// <Ref>" ending Body, by which a retry finds a write that reached the CRM.
	Ref    string
	Marker string
}

// writeBackMarker is the line that identifies one write-back in the CRM.
func writeBackMarker(id int64) string { return "crowdwise-writeback: " + strconv.FormatInt(id, 10) }

const (
	jobWriteBackFanout = "crm_writeback_fanout" // {idea_id, change_ref}: rows, jobs and owner mails of one change
	jobWriteBack       = "crm_writeback"        // {writeback_id, attempt}: one account's Task or note
	jobOwnerMail       = "crm_owner_mail"       // {idea_id, change_ref, owner}: one owner's email
)

type writeBackFanoutArgs struct {
	IdeaID    int64  `json:"idea_id"`
	ChangeRef string `json:"change_ref"`
	ChangeID  *int64 `json:"status_change_id,omitempty"`
}

func (writeBackFanoutArgs) Kind() string { return jobWriteBackFanout }

type writeBackArgs struct {
	WriteBackID int64 `json:"writeback_id"`
	Attempt     int   `json:"attempt,omitempty"`
}

func (writeBackArgs) Kind() string { return jobWriteBack }

type ownerMailArgs struct {
	IdeaID    int64  `json:"idea_id"`
	ChangeRef string `json:"change_ref"`
	Owner     string `json:"owner"`
}

func (ownerMailArgs) Kind() string { return jobOwnerMail }

// queueWriteBacks queues the write-back of one change in its transaction,
// when the idea has accounts at stake.
func queueWriteBacks(tx *gorm.DB, ideaID int64, changeRef string, changeID *int64) error {
	var any bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM idea_account_demand WHERE idea_id = ?)`, ideaID).Scan(&any).Error; err != nil || !any {
		return err
	}
	return insertJobs(tx.Statement.Context, tx, []river.InsertManyParams{{
		Args:       writeBackFanoutArgs{IdeaID: ideaID, ChangeRef: changeRef, ChangeID: changeID},
		InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}},
	}})
}

// changeSubject is the subject of one change's write-backs and emails.
func changeSubject(tx *gorm.DB, ideaID int64, changeRef string, changeID *int64) (title, subject string, err error) {
	var row struct{ Title, Status string }
	if err := tx.Raw(`SELECT i.title, coalesce(s.to_status, '') AS status FROM ideas i
		LEFT JOIN idea_status_changes s ON s.id = ? AND s.idea_id = i.id WHERE i.id = ?`, changeID, ideaID).Scan(&row).Error; err != nil {
		return "", "", err
	}
	what := "in the backlog"
	if strings.HasPrefix(changeRef, "status:") && row.Status != "" {
		what = statusTitle(row.Status)
	}
	return row.Title, clip("Crowdwise: "+row.Title+" is now "+what, 500), nil
}

// runWriteBackFanout writes one row and queues one job per account in a
// configured CRM, and one email job per account owner.
func runWriteBackFanout(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p writeBackFanoutArgs) error {
	_, subject, err := changeSubject(tx, p.IdeaID, p.ChangeRef, p.ChangeID)
	if err != nil {
		return err
	}
	targets := []string{""}
	for _, w := range cfg.Backlog.CRM {
		targets = append(targets, w.Source())
	}
	var ids []int64
	err = tx.Raw(`INSERT INTO crm_writebacks (account_id, idea_id, status_change_id, change_ref, target, subject)
		SELECT a.id, d.idea_id, ?::bigint, ?::text, a.source, ?::text
		FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id
		WHERE d.idea_id = ? AND a.source IN ? AND a.external_id IS NOT NULL
		ON CONFLICT (account_id, idea_id, change_ref) DO NOTHING RETURNING id`,
		p.ChangeID, p.ChangeRef, subject, p.IdeaID, targets).Scan(&ids).Error
	if err != nil {
		return err
	}
	var owners []string
	if err := tx.Raw(`SELECT DISTINCT lower(a.owner_email) FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id
		WHERE d.idea_id = ? AND a.owner_email LIKE '%_@_%' ORDER BY 1`, p.IdeaID).Scan(&owners).Error; err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(ids)+len(owners))
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: writeBackArgs{WriteBackID: id}})
	}
	for _, o := range owners {
		params = append(params, river.InsertManyParams{Args: ownerMailArgs{IdeaID: p.IdeaID, ChangeRef: p.ChangeRef, Owner: o},
			InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}})
	}
	return insertJobs(ctx, tx, params)
}

// runWriteBack writes one account's Task or note. The row's lock and state
// make it once per (account, idea, change); a failure is kept on the row
// and the next attempt queued with backoff, until MaxJobAttempts.
func runWriteBack(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p writeBackArgs) error {
	var rows []struct {
		ID, IdeaID int64
		Target     string
		Subject    string
		State      string
		ExternalID string
		ChangeRef  string
		ChangeID   *int64 `gorm:"column:status_change_id"`
	}
	if err := tx.Raw(`SELECT w.id, w.idea_id, w.target, w.subject, w.state, w.change_ref, w.status_change_id, a.external_id
		FROM crm_writebacks w JOIN crm_accounts a ON a.id = w.account_id WHERE w.id = ? FOR UPDATE OF w`, p.WriteBackID).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 || rows[0].State != "pending" {
		return nil
	}
	w := rows[0]
	var writer CRMWriter
	for _, c := range cfg.Backlog.CRM {
		if c.Source() == w.Target {
			writer = c
		}
	}
	fail := func(msg string, final bool) error {
		state := "pending"
		if final {
			state = "failed"
		}
		if err := tx.Exec(`UPDATE crm_writebacks SET attempts = attempts + 1, last_error = ?, state = ? WHERE id = ?`,
			clip(msg, 2000), state, w.ID).Error; err != nil || final {
			return err
		}
		return insertJobs(ctx, tx, []river.InsertManyParams{{Args: writeBackArgs{WriteBackID: w.ID, Attempt: p.Attempt + 1},
			InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(jobBackoff(p.Attempt + 1))}}})
	}
	if writer == nil {
		return fail("The "+w.Target+" connector is not configured for write-back.", true)
	}
	var idea Idea
	if err := tx.Raw(`SELECT id, title FROM ideas WHERE id = ?`, w.IdeaID).Scan(&idea).Error; err != nil {
		return err
	}
	link := cfg.Mail.link(idea.URL())
	marker := writeBackMarker(w.ID)
	note := WriteBackNote{Subject: w.Subject, Body: w.Subject + "\n\n" + link + "\n\n" + marker, IdeaURL: link,
		At: time.Now().UTC(), Ref: strconv.FormatInt(w.ID, 10), Marker: marker}
	if err := writer.WriteBack(ctx, w.ExternalID, note); err != nil {
		return fail(err.Error(), p.Attempt+1 >= MaxJobAttempts)
	}
	return tx.Exec(`UPDATE crm_writebacks SET state = 'done', attempts = attempts + 1, last_error = '', done_at = now() WHERE id = ?`, w.ID).Error
}

// runOwnerMail sends one account owner one email about a change, listing
// their accounts that asked for the idea.
func runOwnerMail(ctx context.Context, tx *gorm.DB, cfg *JobConfig, p ownerMailArgs) error {
	var changeID *int64
	if id, ok := strings.CutPrefix(p.ChangeRef, "status:"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			changeID = &n
		}
	}
	title, subject, err := changeSubject(tx, p.IdeaID, p.ChangeRef, changeID)
	if err != nil {
		return err
	}
	var accounts []string
	if err := tx.Raw(`SELECT a.name FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id
		WHERE d.idea_id = ? AND lower(a.owner_email) = ? ORDER BY a.arr_cents DESC, a.name LIMIT 100`,
		p.IdeaID, p.Owner).Scan(&accounts).Error; err != nil || len(accounts) == 0 {
		return err
	}
	var idea Idea
	if err := tx.Raw(`SELECT id, title FROM ideas WHERE id = ?`, p.IdeaID).Scan(&idea).Error; err != nil {
		return err
	}
	m := &cfg.Mail
	link := m.link(idea.URL())
	text := "Hi,\n\n" + subject + ".\n\nYour accounts that asked for \"" + title + "\":\n"
	items := ""
	for _, a := range accounts {
		text += "- " + a + "\n"
		items += "<li>" + html.EscapeString(a) + "</li>"
	}
	const footer = "You get this email because you own these accounts in the CRM."
	text += "\n" + link + "\n\n-- \n" + footer + "\n"
	body := "<p>Hi,</p><p>" + html.EscapeString(subject) + ".</p><p>Your accounts that asked for “" + html.EscapeString(title) +
		"”:</p><ul>" + items + "</ul><p><a href=\"" + html.EscapeString(link) + "\">" + html.EscapeString(link) + "</a></p><p>" + footer + "</p>"
	msg := &mail.Message{From: m.From, To: p.Owner, Subject: subject, Text: text, HTML: body, Date: time.Now(),
		Headers: map[string]string{"Auto-Submitted": "auto-generated"}}
	return m.Sender.Send(ctx, msg)
}
