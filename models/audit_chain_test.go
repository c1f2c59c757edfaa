package models_test

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// auditedDB is a database with a few audit entries written the ordinary way,
// by the model operations staff use.
func auditedDB(t *testing.T) (*gorm.DB, []int64) {
	t.Helper()
	db := openDB(t)
	admin := asRole(t, db, newUser(t, db, "Ada Admin"), models.RoleAdmin)
	mod := asRole(t, db, newUser(t, db, "Morgan Mod"), models.RoleModerator)
	ann := newUser(t, db, "Ann")
	idea := newIdea(t, db, ann, "Idea for the audit chain")
	moderate(t, db, mod, models.ModerationInput{Action: "hide", Items: []models.ItemRef{ideaRef(idea.ID)}, Reason: "ünïcode \"quoted\" reason"})
	moderate(t, db, mod, models.ModerationInput{Action: "restore", Items: []models.ItemRef{ideaRef(idea.ID)}})
	if _, err := models.BanUser(ctx, db, mod, ann.ID, models.BanInput{Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	s, _ := models.Settings(ctx, db)
	if _, err := models.UpdateSettings(ctx, db, admin, s.Input()); err != nil {
		t.Fatal(err)
	}
	// A system entry without actor or before/after, and one from long ago.
	db.Exec(`INSERT INTO audit_log (action, target_type) VALUES ('system.test', 'none')`)
	db.Exec(`INSERT INTO audit_log (actor_id, action, target_type, target_id, created_at) VALUES (?, 'idea.hide', 'idea', ?, '2020-03-04 12:00:00+00')`, mod.ID, idea.ID)
	var ids []int64
	db.Raw(`SELECT id FROM audit_log ORDER BY id`).Scan(&ids)
	if len(ids) != 6 {
		t.Fatalf("%d audit entries, want 6", len(ids))
	}
	return db, ids
}

func verifyAudit(t *testing.T, db *gorm.DB) *models.AuditCheck {
	t.Helper()
	c, err := models.VerifyAuditLog(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tamper runs q as a superuser would, with the append-only trigger off.
func tamper(t *testing.T, db *gorm.DB, q string, args ...any) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL session_replication_role = replica`).Error; err != nil {
			return err
		}
		return tx.Exec(q, args...).Error
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditLogRefusesTruncate(t *testing.T) {
	db, ids := auditedDB(t)
	for _, q := range []string{`TRUNCATE audit_log`, `TRUNCATE users CASCADE`} {
		if err := db.Exec(q).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", q, err)
		}
	}
	var n int
	db.Raw(`SELECT count(*) FROM audit_log`).Scan(&n)
	if n != len(ids) {
		t.Errorf("%d audit entries left, want %d", n, len(ids))
	}
}

func TestAuditChainVerifies(t *testing.T) {
	db, ids := auditedDB(t)
	c := verifyAudit(t, db)
	var last struct{ Hash []byte }
	db.Raw(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&last)
	if !c.OK() || c.Entries != int64(len(ids)) || c.Head != hex.EncodeToString(last.Hash) || len(last.Hash) != 32 {
		t.Fatalf("verify: %+v, head %x", c, last.Hash)
	}
	var unlinked int
	db.Raw(`SELECT count(*) FROM audit_log WHERE hash IS NULL OR (prev_hash IS NULL AND id <> ?)`, ids[0]).Scan(&unlinked)
	if unlinked != 0 {
		t.Errorf("%d entries without their links", unlinked)
	}
	// An empty log is intact too.
	empty := openDB(t)
	if c := verifyAudit(t, empty); !c.OK() || c.Entries != 0 {
		t.Errorf("empty log: %+v", c)
	}
}

// TestAuditChainDetectsTampering changes the log behind the triggers' back,
// as only a superuser can, and expects verify to name the first broken entry.
func TestAuditChainDetectsTampering(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, db *gorm.DB, ids []int64)
		broken func(ids []int64) int64
	}{
		{"a changed entry", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `UPDATE audit_log SET after = '{"role":"admin"}' WHERE id = ?`, ids[2])
		}, func(ids []int64) int64 { return ids[2] }},
		{"a changed actor", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `UPDATE audit_log SET actor_id = NULL WHERE id = ?`, ids[1])
		}, func(ids []int64) int64 { return ids[1] }},
		{"a changed date", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `UPDATE audit_log SET created_at = created_at - interval '1 microsecond' WHERE id = ?`, ids[4])
		}, func(ids []int64) int64 { return ids[4] }},
		{"a changed entry with its hash recomputed", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `UPDATE audit_log SET action = 'idea.restore' WHERE id = ?`, ids[2])
			tamper(t, db, `UPDATE audit_log a SET hash = sha256(a.prev_hash || convert_to(audit_log_content(a), 'UTF8')) WHERE id = ?`, ids[2])
		}, func(ids []int64) int64 { return ids[3] }},
		{"a removed entry", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `DELETE FROM audit_log WHERE id = ?`, ids[3])
		}, func(ids []int64) int64 { return ids[4] }},
		{"the first entry removed", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `DELETE FROM audit_log WHERE id = ?`, ids[0])
		}, func(ids []int64) int64 { return ids[1] }},
		{"the last entry removed", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `DELETE FROM audit_log WHERE id = ?`, ids[5])
		}, func(ids []int64) int64 { return ids[5] }},
		{"two entries swapped", func(t *testing.T, db *gorm.DB, ids []int64) {
			tamper(t, db, `UPDATE audit_log SET id = -id WHERE id IN (?, ?)`, ids[1], ids[2])
			tamper(t, db, `UPDATE audit_log SET id = CASE WHEN id = ?::bigint THEN ?::bigint ELSE ?::bigint END WHERE id IN (?, ?)`,
				-ids[1], ids[2], ids[1], -ids[1], -ids[2])
		}, func(ids []int64) int64 { return ids[1] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, ids := auditedDB(t)
			tc.change(t, db, ids)
			c := verifyAudit(t, db)
			if c.OK() || c.BrokenID != tc.broken(ids) || c.Problem == "" {
				t.Errorf("verify: %+v, want entry %d reported", c, tc.broken(ids))
			}
		})
	}
}

// TestAuditChainConcurrentInserts: audited actions from many transactions
// at once still form one unbroken chain in id order.
func TestAuditChainConcurrentInserts(t *testing.T) {
	db := openDB(t)
	admin := asRole(t, db, newUser(t, db, "Ada Admin"), models.RoleAdmin)
	mod := asRole(t, db, newUser(t, db, "Morgan Mod"), models.RoleModerator)
	var members []*models.User
	for i := 0; i < 10; i++ {
		members = append(members, newUser(t, db, fmt.Sprintf("Member %d", i)))
	}
	s, _ := models.Settings(ctx, db)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 10; i++ {
		wg.Add(4)
		go func() {
			defer wg.Done()
			_, err := models.BanUser(ctx, db, mod, members[i].ID, models.BanInput{Reason: "concurrent"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := models.UpdateSettings(ctx, db, admin, s.Input())
			errs <- err
		}()
		go func() {
			defer wg.Done()
			errs <- db.Exec(`INSERT INTO audit_log (action, target_type, target_id) VALUES ('system.test', 'user', ?)`, members[i].ID).Error
		}()
		go func() {
			defer wg.Done()
			// A transaction that writes an entry and rolls back leaves no trace in the chain.
			errs <- db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`INSERT INTO audit_log (action, target_type) VALUES ('system.rollback', 'none')`).Error; err != nil {
					return err
				}
				return gorm.ErrInvalidTransaction
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && err != gorm.ErrInvalidTransaction {
			t.Error(err)
		}
	}
	if c := verifyAudit(t, db); !c.OK() || c.Entries != 30 {
		t.Errorf("verify after concurrent inserts: %+v, want 30 intact entries", c)
	}
}
