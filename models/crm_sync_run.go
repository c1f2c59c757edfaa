package models

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/crm"
)

// What a sync run does: a CSV import, or a CRM's accounts then its
// opportunities, each saved batch by batch (crm_sync_job.go runs them).

// importCSV checks the whole file first, so a file with errors imports
// nothing unless the valid rows were asked for, then upserts in batches,
// each row under a savepoint so one failing row cannot undo the rest.
func (w *crmSyncWorker) importCSV(ctx context.Context, run *syncRun) error {
	db := w.db.WithContext(ctx)
	var data []byte
	if err := db.Raw(`SELECT file FROM crm_syncs WHERE id = ?`, run.ID).Row().Scan(&data); err != nil {
		return err
	}
	check, err := CheckAccountsCSV(db, data)
	var ve *ValidationError
	var pr *Problem
	switch {
	case errors.As(err, &ve):
		run.fail(1, "", ve.Fields["file"])
		return refuse(ve.Fields["file"])
	case errors.As(err, &pr):
		return refuse(pr.Message)
	case err != nil:
		return err
	}
	run.Total = len(check.Rows)
	for _, e := range check.Errors {
		run.fail(e.Line, e.Column, e.Message)
	}
	headerBad := len(check.Errors) > 0 && check.Errors[0].Line == 1
	if headerBad || len(check.Errors) > 0 && !run.ImportValid {
		run.Skipped = run.Total
		return refuse(fmt.Sprintf("The file has %d errors, so nothing was imported. Fix them, or choose to import the valid rows.", run.ErrorCount))
	}
	for start := 0; start < len(check.Rows); start += csvBatchRows {
		batch := check.Rows[start:min(start+csvBatchRows, len(check.Rows))]
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, row := range batch {
				if !row.OK {
					run.Skipped++
					continue
				}
				var outcome Outcome
				err := tx.Transaction(func(sp *gorm.DB) error {
					var err error
					_, outcome, err = UpsertAccount(sp, SourceCSV, row.Input)
					return err
				})
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					run.Skipped++
					run.fieldErrors(row.Line, "", err)
					continue
				}
				run.count(outcome)
			}
			run.Done += len(batch)
			return run.save(tx)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// accountInput maps a CRM record; its domain comes from its website.
func accountInput(a crm.Account) AccountInput {
	in := AccountInput{ExternalID: a.ExternalID, Name: a.Name, ARRCents: a.ARRCents, Currency: a.Currency,
		Segment: a.Segment, OwnerName: a.OwnerName, OwnerEmail: a.OwnerEmail}
	if d := NormalizeDomain(a.Website); d != "" && !IsWebmailDomain(d) {
		in.Domains = []string{d}
	}
	if utf8.RuneCountInString(in.Segment) > 100 {
		in.Segment = string([]rune(in.Segment)[:100])
	}
	return in
}

func opportunityInput(o crm.Opportunity) OpportunityInput {
	state := OpportunityOpen
	switch {
	case o.Closed && o.Won:
		state = OpportunityWon
	case o.Closed:
		state = OpportunityLost
	}
	return OpportunityInput{ExternalID: o.ExternalID, AccountExternalID: o.AccountExternalID, Name: o.Name,
		AmountCents: o.AmountCents, Stage: o.Stage, CloseDate: o.CloseDate, State: state}
}

// syncCRM reads accounts, then opportunities, saving page by page.
func (w *crmSyncWorker) syncCRM(ctx context.Context, run *syncRun, src CRMSource) error {
	db := w.db.WithContext(ctx)
	source := run.Source
	skipped := func(what string, s crm.Skipped) {
		run.Skipped++
		run.Done++
		id := s.ExternalID
		if id == "" {
			id = "(no id)"
		}
		run.fail(0, "", what+" "+id+" was skipped: "+s.Message)
	}
	err := src.Accounts(ctx, func(p crm.AccountPage) error {
		return db.Transaction(func(tx *gorm.DB) error {
			run.Total += len(p.Accounts) + len(p.Skipped)
			for _, s := range p.Skipped {
				skipped("Account", s)
			}
			for _, a := range p.Accounts {
				run.Done++
				in := accountInput(a)
				prefix := "Account " + a.ExternalID + ": "
				if err := in.Validate(source); err != nil {
					run.Skipped++
					run.fieldErrors(0, prefix, err)
					continue
				}
				var outcome Outcome
				err := tx.Transaction(func(sp *gorm.DB) error {
					var err error
					_, outcome, err = UpsertAccount(sp, source, in)
					return err
				})
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					run.Skipped++
					run.fieldErrors(0, prefix, err)
					continue
				}
				run.count(outcome)
			}
			return run.save(tx)
		})
	})
	if err != nil {
		return err
	}
	return src.Opportunities(ctx, func(p crm.OpportunityPage) error {
		return db.Transaction(func(tx *gorm.DB) error {
			run.Total += len(p.Opportunities) + len(p.Skipped)
			for _, s := range p.Skipped {
				skipped("Opportunity", s)
			}
			for _, o := range p.Opportunities {
				run.Done++
				var outcome Outcome
				err := tx.Transaction(func(sp *gorm.DB) error {
					var err error
					_, outcome, err = UpsertOpportunity(sp, source, opportunityInput(o))
					return err
				})
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					run.Skipped++
					run.fieldErrors(0, "Opportunity "+o.ExternalID+": ", err)
					continue
				}
				run.count(outcome)
			}
			return run.save(tx)
		})
	})
}
