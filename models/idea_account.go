package models

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// How much an idea matters to an account that asked for it.
const (
	ImportanceNiceToHave = "nice_to_have"
	ImportanceImportant  = "important"
	ImportanceCritical   = "critical"
)

// Importances lists the importances in display order.
var Importances = []string{ImportanceNiceToHave, ImportanceImportant, ImportanceCritical}

// LinkInput is staff's "requested by" link of an idea to an account.
type LinkInput struct {
	Importance    string
	Note          string
	OpportunityID *int64
}

// IdeaAccountLink is one account that asked for an idea.
type IdeaAccountLink struct {
	IdeaID          int64     `json:"idea_id"`
	AccountID       int64     `json:"account_id"`
	AccountName     string    `json:"account_name"`
	Importance      string    `json:"importance"`
	Note            string    `json:"note"`
	OpportunityID   *int64    `json:"opportunity_id"`
	OpportunityName *string   `json:"opportunity_name"`
	LinkedByName    *string   `json:"linked_by"`
	MergedFromID    *int64    `json:"merged_from_id"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func (in *LinkInput) validate() error {
	v := &ValidationError{}
	in.Importance = strings.TrimSpace(in.Importance)
	if in.Importance == "" {
		in.Importance = ImportanceImportant
	}
	if !slices.Contains(Importances, in.Importance) {
		v.Add("importance", "Importance must be one of nice_to_have, important, critical.")
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 1000 {
		v.Add("note", "At most 1,000 characters.")
	} else if p := textProblem(in.Note); p != "" {
		v.Add("note", p)
	}
	if in.OpportunityID != nil && *in.OpportunityID <= 0 {
		in.OpportunityID = nil
	}
	return v.Err()
}

// LinkIdeaAccount links an idea to an account ("requested by"), or updates
// the link: one per (idea, account). The idea's lock orders it with merges,
// so a link never lands on an idea a merge just emptied. Audited.
func LinkIdeaAccount(ctx context.Context, db *gorm.DB, actor *User, ideaID, accountID int64, in LinkInput) (*IdeaAccountLink, bool, error) {
	if !canManageCRM(actor) {
		return nil, false, Forbidden("Only product managers can link ideas to accounts.")
	}
	if err := in.validate(); err != nil {
		return nil, false, err
	}
	var created bool
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if idea.MergedIntoID != nil {
			return Conflict("This idea was merged into another one; link the account there.")
		}
		var account []struct{ ID int64 }
		if err := tx.Raw(`SELECT id FROM crm_accounts WHERE id = ? FOR SHARE`, accountID).Scan(&account).Error; err != nil {
			return err
		}
		if len(account) == 0 {
			return NotFound("There is no such account.")
		}
		if in.OpportunityID != nil {
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM crm_opportunities WHERE id = ? AND account_id = ?`, *in.OpportunityID, accountID).Scan(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return &ValidationError{Fields: map[string]string{"opportunity_id": "That opportunity is not one of this account's."}}
			}
		}
		before, err := linkRow(tx, ideaID, accountID)
		if err != nil {
			return err
		}
		created = before == nil
		if err := tx.Exec(`INSERT INTO idea_accounts (idea_id, account_id, importance, note, opportunity_id, linked_by)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (idea_id, account_id) DO UPDATE SET importance = EXCLUDED.importance, note = EXCLUDED.note,
				opportunity_id = EXCLUDED.opportunity_id, updated_at = now()`,
			ideaID, accountID, in.Importance, in.Note, in.OpportunityID, actor.ID).Error; err != nil {
			return err
		}
		if created {
			var name string
			if err := tx.Raw(`SELECT name FROM crm_accounts WHERE id = ?`, accountID).Scan(&name).Error; err != nil {
				return err
			}
			if err := RecordIdeaEvent(tx, EventAccountLinked, ideaID, map[string]any{
				"account": map[string]any{"id": accountID, "name": name}, "importance": in.Importance}); err != nil {
				return err
			}
		}
		after := map[string]any{"account_id": accountID, "importance": in.Importance, "note": in.Note, "opportunity_id": in.OpportunityID}
		var b any
		if before != nil {
			b = map[string]any{"account_id": accountID, "importance": before.Importance, "note": before.Note, "opportunity_id": before.OpportunityID}
		}
		return audit(tx, actor, "idea.account_link", "idea", ideaID, b, after)
	})
	if err != nil {
		return nil, false, err
	}
	l, err := linkRow(db.WithContext(ctx), ideaID, accountID)
	if err == nil && l == nil {
		err = NotFound("The link was removed meanwhile.")
	}
	return l, created, err
}

// UnlinkIdeaAccount removes an idea's link to an account, if there is
// one. Audited.
func UnlinkIdeaAccount(ctx context.Context, db *gorm.DB, actor *User, ideaID, accountID int64) error {
	if !canManageCRM(actor) {
		return Forbidden("Only product managers can unlink ideas from accounts.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockIdea(tx, ideaID); err != nil {
			return err
		}
		before, err := linkRow(tx, ideaID, accountID)
		if err != nil {
			return err
		}
		if before == nil {
			return nil // already unlinked
		}
		if err := tx.Exec(`DELETE FROM idea_accounts WHERE idea_id = ? AND account_id = ?`, ideaID, accountID).Error; err != nil {
			return err
		}
		return audit(tx, actor, "idea.account_unlink", "idea", ideaID,
			map[string]any{"account_id": accountID, "importance": before.Importance, "note": before.Note}, nil)
	})
}

const linkSelect = `SELECT ia.idea_id, ia.account_id, a.name AS account_name, ia.importance, ia.note, ia.opportunity_id,
		o.name AS opportunity_name, u.name AS linked_by_name, ia.merged_from_id, ia.updated_at
	FROM idea_accounts ia JOIN crm_accounts a ON a.id = ia.account_id
	LEFT JOIN crm_opportunities o ON o.id = ia.opportunity_id
	LEFT JOIN users u ON u.id = ia.linked_by `

func linkRow(tx *gorm.DB, ideaID, accountID int64) (*IdeaAccountLink, error) {
	var rows []IdeaAccountLink
	if err := tx.Raw(linkSelect+`WHERE ia.idea_id = ? AND ia.account_id = ?`, ideaID, accountID).Scan(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// maxIdeaLinks bounds the links one idea page lists.
const maxIdeaLinks = 200

// IdeaAccountLinks lists the accounts linked to an idea, most important
// first (at most maxIdeaLinks).
func IdeaAccountLinks(ctx context.Context, db *gorm.DB, ideaID int64) ([]IdeaAccountLink, error) {
	rows := []IdeaAccountLink{}
	err := db.WithContext(ctx).Raw(linkSelect+`WHERE ia.idea_id = ?
		ORDER BY array_position(ARRAY['critical','important','nice_to_have'], ia.importance), a.name, a.id LIMIT ?`,
		ideaID, maxIdeaLinks).Scan(&rows).Error
	return rows, err
}
