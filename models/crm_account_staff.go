package models

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Staff work on accounts: manual accounts are created and edited here
// (imported and synced ones change at their source), any account can be
// deleted, and members are put into or taken out of an account by hand.
// Every change is audited.

func accountAudit(a CRMAccount) map[string]any {
	return map[string]any{"name": a.Name, "domains": a.Domains, "arr_cents": a.ARRCents, "currency": a.Currency,
		"segment": a.Segment, "lifecycle": a.Lifecycle, "owner_name": a.OwnerName, "owner_email": a.OwnerEmail,
		"renewal_date": a.RenewalDate}
}

func inputAccount(in AccountInput) CRMAccount {
	return CRMAccount{Name: in.Name, Domains: Tags(in.Domains), ARRCents: in.ARRCents, Currency: in.Currency,
		Segment: in.Segment, Lifecycle: in.Lifecycle, OwnerName: in.OwnerName, OwnerEmail: in.OwnerEmail, RenewalDate: in.RenewalDate}
}

// checkDomainsFree reports a domain another account already has as a
// field error on domains.
func checkDomainsFree(tx *gorm.DB, domains []string, exceptID int64) error {
	d, name, err := DomainOwner(tx, domains, exceptID)
	if err != nil || d == "" {
		return err
	}
	return &ValidationError{Fields: map[string]string{"domains": d + " already belongs to " + name + "."}}
}

// CreateManualAccount adds an account staff typed in.
func CreateManualAccount(ctx context.Context, db *gorm.DB, actor *User, in AccountInput) (*CRMAccount, error) {
	if !canManageCRM(actor) {
		return nil, Forbidden("Only product managers can manage accounts.")
	}
	in.ExternalID = ""
	if err := in.Validate(SourceManual); err != nil {
		return nil, err
	}
	a := inputAccount(in)
	a.Source = SourceManual
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkDomainsFree(tx, in.Domains, 0); err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO crm_accounts (name, domains, source, arr_cents, currency, segment, lifecycle,
				owner_name, owner_email, renewal_date)
			VALUES (?, CAST(? AS text[]), 'manual', ?, ?, ?, ?, ?, ?, CAST(? AS date)) RETURNING id`,
			a.Name, a.Domains, a.ARRCents, a.Currency, a.Segment, a.Lifecycle, a.OwnerName, a.OwnerEmail, a.RenewalDate).
			Scan(&a.ID).Error; err != nil {
			return domainTaken(err)
		}
		return audit(tx, actor, "crm_account.create", "crm_account", a.ID, nil, accountAudit(a))
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// UpdateManualAccount changes a manual account.
func UpdateManualAccount(ctx context.Context, db *gorm.DB, actor *User, id int64, in AccountInput) (*CRMAccount, error) {
	if !canManageCRM(actor) {
		return nil, Forbidden("Only product managers can manage accounts.")
	}
	in.ExternalID = ""
	if err := in.Validate(SourceManual); err != nil {
		return nil, err
	}
	var a CRMAccount
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT * FROM crm_accounts WHERE id = ? FOR UPDATE`, id).Scan(&a).Error; err != nil {
			return err
		}
		if a.ID == 0 {
			return NotFound("There is no such account.")
		}
		if a.Source != SourceManual {
			return Conflict("This account comes from " + sourceLabel(a.Source) + "; change it there and it syncs here.")
		}
		if err := checkDomainsFree(tx, in.Domains, id); err != nil {
			return err
		}
		before := accountAudit(a)
		next := inputAccount(in)
		next.ID, next.Source, next.CreatedAt = a.ID, a.Source, a.CreatedAt
		if err := tx.Exec(`UPDATE crm_accounts SET name = ?, domains = CAST(? AS text[]), arr_cents = ?, currency = ?, segment = ?,
				lifecycle = ?, owner_name = ?, owner_email = ?, renewal_date = CAST(? AS date), updated_at = now() WHERE id = ?`,
			next.Name, next.Domains, next.ARRCents, next.Currency, next.Segment, next.Lifecycle, next.OwnerName,
			next.OwnerEmail, next.RenewalDate, id).Error; err != nil {
			return domainTaken(err)
		}
		a = next
		return audit(tx, actor, "crm_account.update", "crm_account", id, before, accountAudit(a))
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func sourceLabel(s string) string {
	switch s {
	case SourceCSV:
		return "a CSV import"
	case SourceSalesforce:
		return "Salesforce"
	case SourceHubSpot:
		return "HubSpot"
	}
	return s
}

// DeleteCRMAccount deletes an account with its domains, opportunities,
// staff member links and idea links; every idea's demand loses it at once
// (votes stay: they are the members'). Deleting it twice changes nothing.
// Audited.
func DeleteCRMAccount(ctx context.Context, db *gorm.DB, actor *User, id int64) error {
	if !canManageCRM(actor) {
		return Forbidden("Only product managers can manage accounts.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a CRMAccount
		if err := tx.Raw(`SELECT * FROM crm_accounts WHERE id = ? FOR UPDATE`, id).Scan(&a).Error; err != nil {
			return err
		}
		if a.ID == 0 {
			return nil // already deleted
		}
		var links int64
		if err := tx.Raw(`SELECT count(*) FROM idea_accounts WHERE account_id = ?`, id).Scan(&links).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM crm_accounts WHERE id = ?`, id).Error; err != nil {
			return err
		}
		before := accountAudit(a)
		before["source"], before["idea_links"] = a.Source, links
		return audit(tx, actor, "crm_account.delete", "crm_account", id, before, nil)
	})
}

// findMember reads "who" as a member id or an email address.
func findMember(tx *gorm.DB, who string) (*User, error) {
	who = strings.TrimSpace(who)
	var u User
	q := tx.Where("deleted_at IS NULL")
	if n, err := strconv.ParseInt(who, 10, 64); err == nil {
		q = q.Where("id = ?", n)
	} else if who != "" && len(who) <= 254 {
		q = q.Where("lower(email) = lower(?)", who).Order("email_verified DESC, placeholder, id")
	} else {
		return nil, &ValidationError{Fields: map[string]string{"member": "Give a member's email address or id."}}
	}
	if err := q.Take(&u).Error; err == gorm.ErrRecordNotFound {
		return nil, &ValidationError{Fields: map[string]string{"member": "No member has that email address or id."}}
	} else if err != nil {
		return nil, err
	}
	return &u, nil
}

// LinkMember puts a member (by email or id) into an account, whatever their
// email's domain says. Audited.
func LinkMember(ctx context.Context, db *gorm.DB, actor *User, accountID int64, who string) (*User, error) {
	if !canManageCRM(actor) {
		return nil, Forbidden("Only product managers can manage accounts.")
	}
	var u *User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw(`SELECT count(*) FROM crm_accounts WHERE id = ?`, accountID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return NotFound("There is no such account.")
		}
		var err error
		if u, err = findMember(tx, who); err != nil {
			return err
		}
		before, err := memberAccount(tx, u.ID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO crm_account_members (user_id, account_id, linked_by) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET account_id = EXCLUDED.account_id, linked_by = EXCLUDED.linked_by, created_at = now()`,
			u.ID, accountID, actor.ID).Error; err != nil {
			return err
		}
		return audit(tx, actor, "crm_account.member_link", "user", u.ID, map[string]any{"account_id": before}, map[string]any{"account_id": accountID})
	})
	return u, err
}

// RemoveMember takes a member out of an account: a staff link goes, and
// if their email's domain would still put them there, an explicit "no
// account" link keeps them out. Audited.
func RemoveMember(ctx context.Context, db *gorm.DB, actor *User, accountID, userID int64) error {
	if !canManageCRM(actor) {
		return Forbidden("Only product managers can manage accounts.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT 1 FROM users WHERE id = ? FOR UPDATE`, userID).Error; err != nil {
			return err
		}
		before, err := memberAccount(tx, userID)
		if err != nil {
			return err
		}
		if before == nil || *before != accountID {
			return nil // not (or no longer) in this account
		}
		if err := tx.Exec(`DELETE FROM crm_account_members WHERE user_id = ?`, userID).Error; err != nil {
			return err
		}
		if still, err := memberAccount(tx, userID); err != nil {
			return err
		} else if still != nil && *still == accountID {
			if err := tx.Exec(`INSERT INTO crm_account_members (user_id, account_id, linked_by) VALUES (?, NULL, ?)`, userID, actor.ID).Error; err != nil {
				return err
			}
		}
		return audit(tx, actor, "crm_account.member_unlink", "user", userID, map[string]any{"account_id": accountID}, map[string]any{"account_id": nil})
	})
}

// memberAccount is the account a member belongs to now, if any.
func memberAccount(tx *gorm.DB, userID int64) (*int64, error) {
	var ids []int64
	if err := tx.Raw(`SELECT account_id FROM crm_memberships WHERE user_id = ? LIMIT 1`, userID).Scan(&ids).Error; err != nil || len(ids) == 0 {
		return nil, err
	}
	return &ids[0], nil
}
