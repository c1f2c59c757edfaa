package models

import "gorm.io/gorm"

// moveBacklog moves the source's backlog items to the merge target. Where
// the target already has an item in the same provider (one per idea and
// provider), the source keeps its own and unmerge finds it there.
func moveBacklog(tx *gorm.DB, sourceID, targetID int64) ([]int64, error) {
	var moved []int64
	err := tx.Raw(`UPDATE backlog_items s SET idea_id = @t, updated_at = now()
		WHERE s.idea_id = @s AND NOT EXISTS (SELECT 1 FROM backlog_items t WHERE t.idea_id = @t AND t.provider = s.provider)
		RETURNING s.id`, map[string]any{"s": sourceID, "t": targetID}).Scan(&moved).Error
	return moved, err
}

// restoreBacklog brings the items a merge moved back to the source, those
// still on the target (not unlinked since).
func restoreBacklog(tx *gorm.DB, sourceID, targetID int64, moved []int64) error {
	if len(moved) == 0 {
		return nil
	}
	return tx.Exec(`UPDATE backlog_items SET idea_id = ?, updated_at = now() WHERE id IN ? AND idea_id = ?`,
		sourceID, moved, targetID).Error
}
