package models

import (
	"context"

	"gorm.io/gorm"
)

// VotedAmong reports which of ids userID has voted for: one index-only
// probe of the member's own rows (votes_user_idx) for the ideas on a page,
// which is all a shared list page needs to show them as their own.
func VotedAmong(ctx context.Context, db *gorm.DB, userID int64, ids []int64) (map[int64]bool, error) {
	voted := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return voted, nil
	}
	rows, err := db.WithContext(ctx).Raw(`SELECT idea_id FROM votes WHERE user_id = ? AND idea_id IN ?`, userID, ids).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		voted[id] = true
	}
	return voted, rows.Err()
}
