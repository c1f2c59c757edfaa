package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"

	"gorm.io/gorm"
)

// AuditCheck is the result of walking the audit log's hash chain.
type AuditCheck struct {
	Entries  int64  // rows checked
	Head     string // hex SHA-256 of the last row: note it to detect a rewritten log later
	BrokenID int64  // the first row whose link does not hold; 0 when the chain is intact
	Problem  string // what is wrong with that row
}

// OK reports whether the whole chain holds.
func (c *AuditCheck) OK() bool { return c.Problem == "" }

// auditVerifyBatch is how many rows one query reads: memory stays flat
// however long the log is.
const auditVerifyBatch = 1000

// VerifyAuditLog walks audit_log in id order (which the insert trigger makes
// the chain order) and recomputes every link: each row's prev_hash must be
// the previous row's hash, and its hash must be SHA-256(prev_hash || its
// content), computed here in Go from the same canonical content the trigger
// hashes. The chain head must match the last row, or rows were cut off the
// end. One repeatable-read snapshot, so concurrent inserts do not disturb it.
func VerifyAuditLog(ctx context.Context, db *gorm.DB) (*AuditCheck, error) {
	check := &AuditCheck{}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var prev []byte
		var lastID int64
		for {
			var rows []struct {
				ID       int64
				PrevHash []byte
				Hash     []byte
				Content  string
			}
			if err := tx.Raw(`SELECT a.id, a.prev_hash, a.hash, audit_log_content(a) AS content
				FROM audit_log a WHERE a.id > ? ORDER BY a.id LIMIT ?`, lastID, auditVerifyBatch).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				check.Entries++
				sum := sha256.Sum256(append(append([]byte{}, prev...), r.Content...))
				switch {
				case !bytes.Equal(r.PrevHash, prev):
					check.BrokenID, check.Problem = r.ID, "its link to the previous entry is broken: an entry before it was removed, changed or inserted"
				case !bytes.Equal(r.Hash, sum[:]):
					check.BrokenID, check.Problem = r.ID, "its content does not match its hash: the entry was changed after it was written"
				}
				if !check.OK() {
					return nil
				}
				prev, lastID = r.Hash, r.ID
			}
			if len(rows) < auditVerifyBatch {
				break
			}
		}
		check.Head = hex.EncodeToString(prev)
		var head []struct {
			LastID   *int64
			LastHash []byte
		}
		if err := tx.Raw(`SELECT last_id, last_hash FROM audit_chain WHERE id = 1`).Scan(&head).Error; err != nil {
			return err
		}
		if len(head) == 0 {
			check.Problem = "the chain head (audit_chain) is missing"
			return nil
		}
		var headID int64
		if head[0].LastID != nil {
			headID = *head[0].LastID
		}
		if headID != lastID || !bytes.Equal(head[0].LastHash, prev) {
			check.BrokenID = max(headID, lastID)
			check.Problem = "the chain head does not match the last entry: entries at the end were removed or rewritten"
		}
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	return check, nil
}
