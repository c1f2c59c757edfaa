package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models/testdb"
)

// TestAuditVerifyCommand runs `crowdwise audit verify` as an operator would:
// exit 0 on an intact log, 1 naming the first broken entry, 2 on bad usage.
func TestAuditVerifyCommand(t *testing.T) {
	dsn := testdb.URL(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 3; i++ {
		if _, err := db.Exec(`INSERT INTO audit_log (action, target_type, target_id, after) VALUES ('system.test', 'user', $1, '{"n": 1}')`, i); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, env(map[string]string{"DATABASE_URL": dsn}), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, out, errOut := verify("audit", "verify"); code != 0 || !strings.Contains(out, "audit log intact: 3 entries, head sha256 ") {
		t.Fatalf("verify on an intact log = %d %q %q", code, out, errOut)
	}
	var second int64
	db.QueryRow(`SELECT id FROM audit_log ORDER BY id OFFSET 1 LIMIT 1`).Scan(&second)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	tx.Exec(`SET LOCAL session_replication_role = replica`)
	if _, err := tx.Exec(`UPDATE audit_log SET after = '{"n": 2}' WHERE id = $1`, second); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := verify("audit", "verify")
	if code != 1 || out != "" || !strings.Contains(errOut, fmt.Sprintf("audit log broken at entry %d: ", second)) {
		t.Errorf("verify on a tampered log = %d %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"audit"}, {"audit", "fix"}, {"audit", "verify", "now"}} {
		if code, _, errOut := verify(args...); code != 2 || !strings.Contains(errOut, "usage: crowdwise audit verify") {
			t.Errorf("%v = %d %q", args, code, errOut)
		}
	}
}
