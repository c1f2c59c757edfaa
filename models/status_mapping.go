package models

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// StatusMapping says which idea status a tracker category moves an idea
// to; IdeaStatus nil means no automatic change (staff decide).
type StatusMapping struct {
	Provider   string  `json:"provider"`
	Category   string  `json:"category"`
	IdeaStatus *string `json:"idea_status"`
}

// StatusMappings lists every provider's mapping, in page order.
func StatusMappings(ctx context.Context, db *gorm.DB, actor *User) ([]StatusMapping, error) {
	if !actor.HasRole(RoleAdmin) {
		return nil, Forbidden("Only admins can see the status mappings.")
	}
	return statusMappings(db.WithContext(ctx))
}

func statusMappings(db *gorm.DB) ([]StatusMapping, error) {
	var out []StatusMapping
	err := db.Raw(`SELECT provider, category, idea_status FROM backlog_status_mappings
		ORDER BY array_position(ARRAY['internal', 'jira', 'github', 'linear'], provider),
		array_position(ARRAY['backlog', 'next', 'in_progress', 'done', 'wont_do'], category)`).Scan(&out).Error
	return out, err
}

// SetStatusMappings changes some mappings: each entry names a provider and
// category that exist and an idea status ("" or "none": no automatic
// change). All or nothing; audited with before and after.
func SetStatusMappings(ctx context.Context, db *gorm.DB, actor *User, in []StatusMapping) ([]StatusMapping, error) {
	if !actor.HasRole(RoleAdmin) {
		return nil, Forbidden("Only admins can change the status mappings.")
	}
	if len(in) == 0 || len(in) > 40 {
		return nil, &ValidationError{Fields: map[string]string{"mappings": "Send between 1 and 40 mappings."}}
	}
	var out []StatusMapping
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := statusMappings(tx)
		if err != nil {
			return err
		}
		v := &ValidationError{}
		for i, m := range in {
			field := "mappings." + itoa(int64(i))
			if !slices.ContainsFunc(before, func(b StatusMapping) bool { return b.Provider == m.Provider && b.Category == m.Category }) {
				v.Add(field, "There is no category “"+clip(m.Category, 40)+"” for “"+clip(m.Provider, 40)+"”.")
				continue
			}
			var to *string
			if s := strings.TrimSpace(deref(m.IdeaStatus)); s != "" && s != "none" {
				if !slices.Contains(Statuses, s) || s == StatusMerged {
					v.Add(field, "Choose open, under_review, planned, in_progress, shipped, declined or none.")
					continue
				}
				to = &s
			}
			if err := tx.Exec(`UPDATE backlog_status_mappings SET idea_status = ?, updated_by = ?, updated_at = now()
				WHERE provider = ? AND category = ?`, to, actor.ID, m.Provider, m.Category).Error; err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if out, err = statusMappings(tx); err != nil {
			return err
		}
		return audit(tx, actor, "backlog.status_mappings", "backlog_status_mappings", 0, before, out)
	})
	return out, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Status is the mapped idea status, "" for no automatic change.
func (m StatusMapping) Status() string { return deref(m.IdeaStatus) }
