package models

import (
	"time"

	"gorm.io/gorm"
)

// Account links move with a merge like votes do: one link per (idea,
// account), so an account linked to both ideas keeps the target's link and
// the source's is dropped, kept whole in the undo data so that unmerge puts
// back exactly what was there.

type movedLink struct {
	AccountID int64  `json:"account_id"`
	PrevFrom  *int64 `json:"prev_from"`
}

type droppedLink struct {
	AccountID     int64     `json:"account_id"`
	Importance    string    `json:"importance"`
	Note          string    `json:"note"`
	OpportunityID *int64    `json:"opportunity_id"`
	LinkedBy      *int64    `json:"linked_by"`
	PrevFrom      *int64    `json:"prev_from"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// moveLinks moves the source idea's account links to the target.
func moveLinks(tx *gorm.DB, sourceID, targetID int64) ([]droppedLink, []movedLink, error) {
	args := map[string]any{"s": sourceID, "t": targetID}
	var dropped []droppedLink
	err := tx.Raw(`DELETE FROM idea_accounts s USING idea_accounts t
		WHERE s.idea_id = @s AND t.idea_id = @t AND t.account_id = s.account_id
		RETURNING s.account_id, s.importance, s.note, s.opportunity_id, s.linked_by, s.merged_from_id AS prev_from,
			s.created_at, s.updated_at`, args).Scan(&dropped).Error
	if err != nil {
		return nil, nil, err
	}
	var moved []movedLink
	err = tx.Raw(`UPDATE idea_accounts n SET idea_id = @t, merged_from_id = @s FROM idea_accounts o
		WHERE o.idea_id = n.idea_id AND o.account_id = n.account_id AND n.idea_id = @s
		RETURNING n.account_id, o.merged_from_id AS prev_from`, args).Scan(&moved).Error
	return dropped, moved, err
}

// restoreLinks undoes moveLinks. Links staff removed from the target since
// stay removed; an account deleted since has no link to restore, and an
// opportunity deleted since is no longer named.
func restoreLinks(tx *gorm.DB, sourceID, targetID int64, moved []movedLink, dropped []droppedLink) error {
	for _, l := range moved {
		if err := tx.Exec(`UPDATE idea_accounts SET idea_id = ?, merged_from_id = ?
			WHERE idea_id = ? AND account_id = ? AND merged_from_id = ?`,
			sourceID, l.PrevFrom, targetID, l.AccountID, sourceID).Error; err != nil {
			return err
		}
	}
	for _, l := range dropped {
		if err := tx.Exec(`INSERT INTO idea_accounts (idea_id, account_id, importance, note, opportunity_id, linked_by,
				merged_from_id, created_at, updated_at)
			SELECT ?::bigint, a.id, ?, ?, (SELECT o.id FROM crm_opportunities o WHERE o.id = ?::bigint AND o.account_id = a.id),
				?::bigint, (SELECT i.id FROM ideas i WHERE i.id = ?::bigint), ?::timestamptz, ?::timestamptz
			FROM crm_accounts a WHERE a.id = ?
			ON CONFLICT DO NOTHING`, sourceID, l.Importance, l.Note, l.OpportunityID, l.LinkedBy, l.PrevFrom,
			l.CreatedAt, l.UpdatedAt, l.AccountID).Error; err != nil {
			return err
		}
	}
	return nil
}
