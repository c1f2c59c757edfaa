package models_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// runJobs drains the queue with cfg (no CRM clients unless given).
func runJobs(t *testing.T, db *gorm.DB, cfg models.JobConfig) {
	t.Helper()
	if _, err := models.RunDueJobs(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
}

func getSync(t *testing.T, db *gorm.DB, id int64) *models.CRMSync {
	t.Helper()
	s, err := models.GetSync(db, id, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// importFile uploads, confirms and runs a CSV import.
func importFile(t *testing.T, db *gorm.DB, pm *models.User, data string, importValid bool) *models.CRMSync {
	t.Helper()
	s, _, err := models.PreviewCSVImport(ctx, db, pm, "accounts.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := models.ConfirmCSVImport(ctx, db, pm, s.ID, importValid); err != nil {
		t.Fatal(err)
	}
	runJobs(t, db, models.JobConfig{})
	return getSync(t, db, s.ID)
}

func TestCSVCheckReportsEveryBadRow(t *testing.T) {
	db := openDB(t)
	if _, _, err := upsertAccount(t, db, models.AccountInput{ExternalID: "other", Name: "Taken Inc", Domains: []string{"taken.test"}}); err != nil {
		t.Fatal(err)
	}
	// Columns in any order; line 1 is the header.
	file := "name,external_id,arr,lifecycle,domains,renewal_date\n" +
		"Good,A1,12000.50,customer,good.test;www.good2.test,2027-03-31\n" + // 2
		"Exp,A2,1e5,,,\n" + // 3
		"Neg,A3,-5,,,\n" + // 4
		"Huge,A4,90071992547409.93,,,\n" + // 5
		"Life,A5,1,lead,,\n" + // 6
		"Dup,A1,1,,,\n" + // 7
		"Mail,A6,1,,gmail.com,\n" + // 8
		"Date,A7,1,,,31/03/2027\n" + // 9
		"Owned,A8,1,,taken.test,\n" + // 10
		"Twice,A9,1,,good.test,\n" + // 11
		",A10,1,,,\n" + // 12
		"Short,A11\n" // 13
	check, err := models.CheckAccountsCSV(db, []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range check.Errors {
		got[fmt.Sprintf("%d/%s", e.Line, e.Column)] = e.Message
	}
	want := []string{"3/arr", "4/arr", "5/arr", "6/lifecycle", "7/external_id", "8/domains", "9/renewal_date",
		"10/domains", "11/domains", "12/name", "13/"}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("no error at %s; got %v", k, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors = %v, want exactly %v", got, want)
	}
	for k, sub := range map[string]string{"3/arr": "exponent", "4/arr": "negative", "5/arr": "too large",
		"7/external_id": "line 2", "8/domains": "public email", "10/domains": "Taken Inc", "11/domains": "line 2"} {
		if !strings.Contains(got[k], sub) {
			t.Errorf("%s: %q does not say %q", k, got[k], sub)
		}
	}
	if check.Valid != 1 || len(check.Rows) != 12 || !check.Rows[0].OK || check.Rows[0].Input.ARRCents != 1200050 ||
		!reflect.DeepEqual([]string(check.Rows[0].Input.Domains), []string{"good.test", "good2.test"}) {
		t.Errorf("valid=%d rows=%d first=%+v", check.Valid, len(check.Rows), check.Rows[0])
	}
}

func TestCSVHeaderProblems(t *testing.T) {
	db := openDB(t)
	check, err := models.CheckAccountsCSV(db, []byte("external_id,Name,revenue,name\nA,B,1,C\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Errors) != 2 || check.Errors[0] != (models.SyncError{Line: 1, Column: "revenue", Message: check.Errors[0].Message}) ||
		check.Errors[1].Column != "name" || check.Errors[1].Line != 1 {
		t.Errorf("errors = %+v", check.Errors)
	}
	if _, err := models.CheckAccountsCSV(db, []byte("name\nA\n")); err != nil {
		t.Fatal(err)
	}
	var ve *models.ValidationError
	if _, err := models.CheckAccountsCSV(db, []byte("\xff\xfeexternal_id")); !errors.As(err, &ve) {
		t.Errorf("not UTF-8: %v", err)
	}
	if _, err := models.CheckAccountsCSV(db, nil); !errors.As(err, &ve) {
		t.Errorf("empty: %v", err)
	}
}

func TestCSVLimitsAreTooLarge(t *testing.T) {
	db := openDB(t)
	var b strings.Builder
	b.WriteString("external_id,name\n")
	for i := range models.MaxCSVRows {
		fmt.Fprintf(&b, "%d,N\n", i)
	}
	check, err := models.CheckAccountsCSV(db, []byte(b.String()))
	if err != nil || len(check.Rows) != models.MaxCSVRows {
		t.Fatalf("50,000 rows: %v", err)
	}
	b.WriteString("x,N\n")
	if _, err := models.CheckAccountsCSV(db, []byte(b.String())); !errors.Is(err, models.ErrTooLarge) {
		t.Errorf("50,001 rows: %v", err)
	}
	big := "external_id,name\n" + strings.Repeat("a", models.MaxCSVBytes)
	if _, err := models.CheckAccountsCSV(db, []byte(big)); !errors.Is(err, models.ErrTooLarge) {
		t.Errorf("over 10 MB: %v", err)
	}
}

func TestCSVErrorsBlockTheImportUnlessValidRowsChosen(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	file := "external_id,name,arr\nA1,Acme,100\nA2,Beta,1e5\nA3,Gamma,3\n"
	s := importFile(t, db, pm, file, false)
	if s.State != models.SyncFailed || s.Created != 0 || len(s.Errors) != 1 || s.Errors[0].Line != 3 || s.Errors[0].Column != "arr" ||
		!strings.Contains(s.Message, "nothing was imported") {
		t.Fatalf("blocked import = %+v", s)
	}
	var n int64
	db.Raw(`SELECT count(*) FROM crm_accounts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d accounts after a blocked import", n)
	}
	var file2 []byte
	db.Raw(`SELECT file FROM crm_syncs WHERE id = ?`, s.ID).Row().Scan(&file2)
	if file2 != nil {
		t.Error("the file was kept after the import ended")
	}
	s = importFile(t, db, pm, file, true)
	if s.State != models.SyncDone || s.Created != 2 || s.Skipped != 1 || s.Done != 3 || s.Total != 3 || len(s.Errors) != 1 {
		t.Fatalf("valid rows import = %+v", s)
	}
	var audits int64
	db.Raw(`SELECT count(*) FROM audit_log WHERE action = 'crm.import' AND actor_id = ?`, pm.ID).Scan(&audits)
	if audits != 2 {
		t.Errorf("audit entries = %d, want 2", audits)
	}
}

func TestCSVImportTwiceChangesNothingAndProgressReachesTotal(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	var b strings.Builder
	b.WriteString("external_id,name,domains,arr,currency,segment,lifecycle,owner_name,owner_email,renewal_date\n")
	const rows = 1234 // three batches
	for i := range rows {
		fmt.Fprintf(&b, "C%d,Company %d,c%d.test,%d.25,EUR,SMB,customer,Olive,olive@vendor.test,2027-01-0%d\n", i, i, i, i, i%9+1)
	}
	s := importFile(t, db, pm, b.String(), false)
	if s.State != models.SyncDone || s.Total != rows || s.Done != rows || s.Created != rows || s.Updated != 0 || s.Percent() != 100 {
		t.Fatalf("first import = %+v", s)
	}
	var a models.CRMAccount
	db.Where("source = 'csv' AND external_id = 'C7'").First(&a)
	if a.ARRCents != 725 || a.Currency != "EUR" || a.Domains[0] != "c7.test" || a.RenewalDate == nil || a.OwnerEmail != "olive@vendor.test" {
		t.Errorf("account = %+v", a)
	}
	s = importFile(t, db, pm, b.String(), false)
	if s.State != models.SyncDone || s.Created != 0 || s.Updated != 0 || s.Done != rows {
		t.Fatalf("second import = %+v", s)
	}
	// One changed row is one update.
	changed := strings.Replace(b.String(), "Company 5,", "Company Five,", 1)
	s = importFile(t, db, pm, changed, false)
	if s.Created != 0 || s.Updated != 1 {
		t.Fatalf("changed import = %+v", s)
	}
}

func TestOneCSVImportAtATime(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	first, _, err := models.PreviewCSVImport(ctx, db, pm, "a.csv", []byte("external_id,name\nA,B\n"))
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := models.PreviewCSVImport(ctx, db, pm, "b.csv", []byte("external_id,name\nC,D\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := models.ConfirmCSVImport(ctx, db, pm, first.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := models.ConfirmCSVImport(ctx, db, pm, first.ID, false); !errors.Is(err, models.ErrConflict) {
		t.Errorf("confirming twice: %v", err)
	}
	if err := models.ConfirmCSVImport(ctx, db, pm, second.ID, false); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a second import while one is queued: %v", err)
	}
	if _, err := models.ImportCSV(ctx, db, pm, "c.csv", []byte("external_id,name\nE,F\n"), false); !errors.Is(err, models.ErrConflict) {
		t.Errorf("an API import while one is queued: %v", err)
	}
	runJobs(t, db, models.JobConfig{})
	if err := models.ConfirmCSVImport(ctx, db, pm, second.ID, false); err != nil {
		t.Errorf("after the first finished: %v", err)
	}
	// Someone else's upload is not theirs to see or confirm.
	other := newStaff(t, db, "Pat", models.RoleProductManager)
	third, _, _ := models.PreviewCSVImport(ctx, db, pm, "c.csv", []byte("external_id,name\nG,H\n"))
	if err := models.ConfirmCSVImport(ctx, db, other, third.ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("another PM confirming: %v", err)
	}
	if _, err := models.GetSync(db, third.ID, false); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a preview is not a run: %v", err)
	}
}

// A row the database refuses (here a trigger plays a failure the checks
// cannot foresee) is skipped and reported; the rows around it, in the same
// batch, are imported.
func TestCSVImportRowFailureDoesNotPoisonTheBatch(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	err := db.Exec(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.external_id = 'BOOM' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER boom BEFORE INSERT ON crm_accounts FOR EACH ROW EXECUTE FUNCTION boom();`).Error
	if err != nil {
		t.Fatal(err)
	}
	s := importFile(t, db, pm, "external_id,name\nA,Acme\nBOOM,Boom\nC,Gamma\n", false)
	if s.State != models.SyncDone || s.Created != 2 || s.Skipped != 1 || len(s.Errors) != 1 || s.Errors[0].Line != 3 || s.Errors[0].Message != "This row could not be saved." ||
		strings.Contains(s.Errors[0].Message, "boom") {
		t.Fatalf("import = %+v", s)
	}
}
