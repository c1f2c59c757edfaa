package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// upload posts a CSV file through the import form, as a browser does.
func (a *testApp) upload(t *testing.T, c *http.Client, name string, data []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", a.csrfOf(t, c))
	f, _ := w.CreateFormFile("file", name)
	f.Write(data)
	w.Close()
	return do(t, c, "POST", a.srv.URL+"/staff/accounts/import", &body, "Content-Type", w.FormDataContentType())
}

func (a *testApp) runJobs(t *testing.T) {
	t.Helper()
	if _, err := models.RunDueJobs(context.Background(), a.db, models.JobConfig{}); err != nil {
		t.Fatal(err)
	}
}

var csvWithErrors = "name,external_id,arr,domains\nAcme,A1,12000.50,acme.test\nBeta,A2,1e5,beta.test\nGamma,A1,3,gamma.test\n"

func TestCSVImportPreviewConfirmAndProgress(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@example.com", models.RoleProductManager)
	res, body := app.upload(t, pm, "accounts.csv", []byte(csvWithErrors))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload = %d: %.300s", res.StatusCode, body)
	}
	page := res.Header.Get("Location")
	res, body = do(t, pm, "GET", app.srv.URL+page, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview = %d", res.StatusCode)
	}
	for _, want := range []string{"Preview of accounts.csv", "3 rows: 1 ready to import, 2 errors", "<td>3</td><td><code>arr</code></td>",
		"<td>4</td><td><code>external_id</code></td>", "already appears on line 2", "Import the valid rows (1)", "<td>Gamma</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	// Confirmed without "valid rows": nothing is imported.
	res, _ = app.form(t, pm, page+"/confirm", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page {
		t.Fatalf("confirm = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = do(t, pm, "GET", app.srv.URL+page, nil)
	if !strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, "Import queued") {
		t.Errorf("a queued import does not refresh: %.2000s", body)
	}
	app.runJobs(t)
	_, body = do(t, pm, "GET", app.srv.URL+page, nil)
	if !strings.Contains(body, "Import failed") || !strings.Contains(body, "nothing was imported") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Errorf("blocked import page: %.3000s", body)
	}
	var n int64
	app.db.Raw(`SELECT count(*) FROM crm_accounts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d accounts imported from a file with errors", n)
	}
	// Again, importing the valid rows.
	res, _ = app.upload(t, pm, "accounts.csv", []byte(csvWithErrors))
	page = res.Header.Get("Location")
	app.form(t, pm, page+"/confirm", map[string][]string{"import_valid": {"1"}})
	app.runJobs(t)
	_, body = do(t, pm, "GET", app.srv.URL+page, nil)
	if !strings.Contains(body, "Import finished") || !strings.Contains(body, "3 of 3 rows done") || !strings.Contains(body, "Created 1, updated 0, skipped 2") {
		t.Errorf("finished import page: %.3000s", body)
	}
	// The sync log lists both runs.
	_, body = do(t, pm, "GET", app.srv.URL+"/staff/integrations", nil)
	if strings.Count(body, `href="/staff/accounts/import/`) < 2 || !strings.Contains(body, "CSV import") {
		t.Errorf("sync log: %.3000s", body)
	}
}

func TestCSVImportFormErrors(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@example.com", models.RoleProductManager)
	for name, c := range map[string]struct {
		data   []byte
		status int
		says   string
	}{
		"over 10 MB":    {append([]byte("external_id,name\n"), bytes.Repeat([]byte("a"), models.MaxCSVBytes)...), 413, "at most 10 MB and 50,000 rows"},
		"over 50k rows": {[]byte("external_id,name\n" + strings.Repeat("x,y\n", models.MaxCSVRows+1)), 413, "at most 10 MB and 50,000 rows"},
		"not UTF-8":     {[]byte("external_id,name\n\xff\xfe,x\n"), 422, "not UTF-8"},
		"empty":         {nil, 422, "empty"},
	} {
		res, body := app.upload(t, pm, "a.csv", c.data)
		if res.StatusCode != c.status || !strings.Contains(body, c.says) || !strings.Contains(body, `id="file"`) || !strings.Contains(body, "is-invalid") {
			t.Errorf("%s: %d %.500s", name, res.StatusCode, body)
		}
	}
	// Far over: refused before the body is read, with the same message.
	var body bytes.Buffer
	body.WriteString("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n")
	body.Write(bytes.Repeat([]byte("a"), 12<<20))
	res, page := do(t, pm, "POST", app.srv.URL+"/staff/accounts/import", &body, "Content-Type", "multipart/form-data; boundary=x")
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "at most 10 MB") {
		t.Errorf("12 MB: %d %.500s", res.StatusCode, page)
	}
	// Not a staff member's: members get 403 on every import route.
	member, _ := app.signIn(t, "member@example.com")
	res, _ = app.upload(t, member, "a.csv", []byte(csvWithErrors))
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("member upload = %d", res.StatusCode)
	}
	res, _ = app.upload(t, pm, "a.csv", []byte(csvWithErrors))
	loc := res.Header.Get("Location")
	for _, path := range []string{loc, loc + "/confirm"} {
		method := "GET"
		if strings.HasSuffix(path, "/confirm") {
			res, _ = app.form(t, member, path, url.Values{})
		} else {
			res, _ = do(t, member, method, app.srv.URL+path, nil)
		}
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("member %s = %d", path, res.StatusCode)
		}
	}
	// Another product manager cannot see or confirm someone's upload.
	other, _ := app.signInAs(t, "pat@example.com", models.RoleProductManager)
	if res, _ := do(t, other, "GET", app.srv.URL+loc, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another PM's preview = %d", res.StatusCode)
	}
	for _, bad := range []string{"/staff/accounts/import/0", "/staff/accounts/import/abc", "/staff/accounts/import/99999999999999999999"} {
		if res, _ := do(t, pm, "GET", app.srv.URL+bad, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s = %d", bad, res.StatusCode)
		}
	}
}

type syncJSON struct {
	ID      int64  `json:"id"`
	Source  string `json:"source"`
	State   string `json:"state"`
	Total   int    `json:"total"`
	Done    int    `json:"done"`
	Created int    `json:"created"`
	Updated int    `json:"updated"`
	Skipped int    `json:"skipped"`
	Errors  []struct {
		Line    int    `json:"line"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
}

func TestCSVImportAPI(t *testing.T) {
	app := newTestApp(t)
	pm, _ := app.signInAs(t, "pam@example.com", models.RoleProductManager)
	tok := app.createToken(t, pm, "importer", models.ScopeStaff)
	post := func(path, body string) (*http.Response, string) {
		return do(t, &http.Client{}, "POST", app.srv.URL+path, strings.NewReader(body), "Authorization", "Bearer "+tok.Token, "Content-Type", "text/csv")
	}
	res, body := post("/api/v1/accounts/import", csvWithErrors)
	var created struct {
		SyncID int64 `json:"sync_id"`
	}
	if res.StatusCode != http.StatusAccepted || json.Unmarshal([]byte(body), &created) != nil || created.SyncID == 0 {
		t.Fatalf("import = %d %s", res.StatusCode, body)
	}
	get := func(id int64) syncJSON {
		res, body := app.bearer(t, tok.Token, "GET", fmt.Sprintf("/api/v1/syncs/%d", id), "")
		var s syncJSON
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &s) != nil {
			t.Fatalf("GET sync = %d %s", res.StatusCode, body)
		}
		if !regexp.MustCompile(`"errors":\[`).MatchString(body) {
			t.Errorf("errors is not a list: %s", body)
		}
		return s
	}
	if s := get(created.SyncID); s.State != "queued" || s.Source != "csv" || s.Total != 3 {
		t.Errorf("queued = %+v", s)
	}
	app.runJobs(t)
	s := get(created.SyncID)
	if s.State != "failed" || s.Created != 0 || len(s.Errors) != 2 || s.Errors[0].Line != 3 || s.Errors[0].Column != "arr" ||
		s.Errors[1].Line != 4 || s.Errors[1].Column != "external_id" {
		t.Errorf("failed = %+v", s)
	}
	res, body = post("/api/v1/accounts/import?import_valid=true", csvWithErrors)
	if res.StatusCode != http.StatusAccepted || json.Unmarshal([]byte(body), &created) != nil {
		t.Fatalf("import valid rows = %d %s", res.StatusCode, body)
	}
	app.runJobs(t)
	if s := get(created.SyncID); s.State != "done" || s.Created != 1 || s.Skipped != 2 || s.Done != 3 {
		t.Errorf("valid rows = %+v", s)
	}
	// Limits and bad requests are JSON errors.
	for name, c := range map[string]struct {
		body, ct string
		status   int
	}{
		"over 10 MB":    {"external_id,name\n" + strings.Repeat("a", models.MaxCSVBytes), "text/csv", 413},
		"over 50k rows": {"external_id,name\n" + strings.Repeat("x,y\n", models.MaxCSVRows+1), "text/csv", 413},
		"JSON":          {`{"a":1}`, "application/json", 415},
		"empty":         {"", "text/csv", 422},
	} {
		res, body := do(t, &http.Client{}, "POST", app.srv.URL+"/api/v1/accounts/import", strings.NewReader(c.body),
			"Authorization", "Bearer "+tok.Token, "Content-Type", c.ct)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if res.StatusCode != c.status || json.Unmarshal([]byte(body), &e) != nil || e.Error.Message == "" {
			t.Errorf("%s: %d %.300s", name, res.StatusCode, body)
		}
	}
	if res, _ := app.bearer(t, tok.Token, "GET", "/api/v1/syncs/999999", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown sync = %d", res.StatusCode)
	}
	member, _ := app.signIn(t, "member@example.com")
	mtok := app.createToken(t, member, "m", models.ScopeRead, models.ScopeWrite)
	res, _ = do(t, &http.Client{}, "POST", app.srv.URL+"/api/v1/accounts/import", strings.NewReader(csvWithErrors),
		"Authorization", "Bearer "+mtok.Token, "Content-Type", "text/csv")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("member import = %d", res.StatusCode)
	}
}

func TestCRMSyncAPIOneRunPerSource(t *testing.T) {
	app := newTestApp(t, func(o *Options) { o.CRMSources = []string{models.SourceHubSpot} })
	pm, _ := app.signInAs(t, "pam@example.com", models.RoleProductManager)
	ids := map[string]bool{}
	for range 2 {
		res, body := app.api(t, pm, "POST", "/api/v1/crm/sync", `{"source":"hubspot"}`)
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("sync = %d %s", res.StatusCode, body)
		}
		ids[body] = true
	}
	if len(ids) != 1 {
		t.Errorf("two requests made two runs: %v", ids)
	}
	for _, body := range []string{`{"source":"salesforce"}`, `{"source":"csv"}`, `{}`, `{"source":7}`} {
		if res, b := app.api(t, pm, "POST", "/api/v1/crm/sync", body); res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s = %d %s", body, res.StatusCode, b)
		}
	}
	// The page: the configured source has a button, the other does not.
	_, body := do(t, pm, "GET", app.srv.URL+"/staff/integrations", nil)
	if !strings.Contains(body, "Sync HubSpot now") || strings.Contains(body, "Sync Salesforce now") || !strings.Contains(body, `id="sync-log"`) {
		t.Errorf("integrations page: %.3000s", body)
	}
	res, _ := app.form(t, pm, "/staff/integrations/sync", map[string][]string{"source": {"hubspot"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("sync button = %d", res.StatusCode)
	}
	var rows int64
	app.db.Raw(`SELECT count(*) FROM crm_syncs`).Scan(&rows)
	if rows != 1 {
		t.Errorf("%d runs, want the one", rows)
	}
}
