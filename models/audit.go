package models

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID         int64
	ActorID    *int64
	Action     string
	TargetType string
	TargetID   *int64
	Before     json.RawMessage `gorm:"type:jsonb"`
	After      json.RawMessage `gorm:"type:jsonb"`
	TokenID    *int64          // the API token the actor used, if any
	CreatedAt  time.Time
}

func (AuditEntry) TableName() string { return "audit_log" }

// audit records a staff or system action inside the caller's transaction, so
// the change and its record commit or fail together. actor is nil for actions
// the system takes on its own (e.g. admin by CROWDWISE_ADMIN_EMAILS).
func audit(tx *gorm.DB, actor *User, action, targetType string, targetID int64, before, after any) error {
	e := AuditEntry{Action: action, TargetType: targetType, TargetID: &targetID}
	if actor != nil {
		e.ActorID = &actor.ID
		e.TokenID = actor.TokenID
	}
	var err error
	if before != nil {
		if e.Before, err = json.Marshal(before); err != nil {
			return err
		}
	}
	if after != nil {
		if e.After, err = json.Marshal(after); err != nil {
			return err
		}
	}
	return tx.Omit("CreatedAt").Create(&e).Error
}
