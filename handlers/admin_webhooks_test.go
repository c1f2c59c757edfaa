package handlers

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// secretIn finds a webhook secret in a page (html/template writes + as &#43;).
func secretIn(page string) string {
	return regexp.MustCompile(`whsec_[A-Za-z0-9+/]{43}=`).FindString(html.UnescapeString(page))
}

// TestAdminWebhookFormsWithoutJS walks the admin pages as plain forms:
// create (secret shown once), a refused URL kept with its message, edit,
// test, rotate, delete; each form refused without its CSRF token.
func TestAdminWebhookFormsWithoutJS(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "ada@example.com", models.RoleAdmin)

	res, body := app.form(t, admin, "/admin/webhooks", url.Values{"url": {"http://10.0.0.1/hook"}, "description": {"Internal"},
		"events": {"idea.created"}, "active": {"true"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is-invalid") ||
		!strings.Contains(body, "not allowed") || !strings.Contains(body, `value="Internal"`) ||
		!regexp.MustCompile(`value="idea.created" checked`).MatchString(body) {
		t.Fatalf("refused URL = %d; want 422 with the message and the typed values: %.2000s", res.StatusCode, body)
	}

	res, body = app.form(t, admin, "/admin/webhooks", url.Values{"url": {"https://93.184.215.14/hook"},
		"events": {"idea.created", "vote.created"}, "active": {"true"}})
	secret := secretIn(body)
	if res.StatusCode != http.StatusCreated || secret == "" {
		t.Fatalf("create = %d; want 201 showing the secret: %.2000s", res.StatusCode, body)
	}
	var w models.Webhook
	app.db.Take(&w)
	path := "/admin/webhooks/" + itoa(w.ID)
	if _, body := do(t, admin, "GET", app.srv.URL+path, nil); strings.Contains(html.UnescapeString(body), secret) || !strings.Contains(body, "93.184.215.14") {
		t.Errorf("the webhook page shows the secret again or not the URL")
	}

	// Unticking "active" disables it.
	res, _ = app.form(t, admin, path, url.Values{"url": {w.URL}, "events": {"idea.created"}, "description": {"CRM"}})
	app.db.Take(&w)
	if res.StatusCode != http.StatusSeeOther || w.Active || w.Description != "CRM" || len(w.Events) != 1 {
		t.Errorf("edit = %d; webhook %+v", res.StatusCode, w)
	}
	if res, _ := app.form(t, admin, path+"/test", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("test = %d", res.StatusCode)
	}
	res, body = app.form(t, admin, path+"/rotate-secret", url.Values{})
	if rotated := secretIn(body); res.StatusCode != http.StatusOK || rotated == "" || rotated == secret {
		t.Errorf("rotate = %d, secret %q", res.StatusCode, rotated)
	}

	// No CSRF token, no change.
	for _, p := range []string{"/admin/webhooks", path, path + "/test", path + "/rotate-secret", path + "/delete", "/admin/deliveries/1/replay"} {
		res, _ := do(t, admin, "POST", app.srv.URL+p, strings.NewReader("url=https://93.184.215.14/x&events=idea.created"),
			"Content-Type", "application/x-www-form-urlencoded")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without CSRF = %d, want 403", p, res.StatusCode)
		}
	}
	if res, _ := app.form(t, admin, path+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("delete = %d", res.StatusCode)
	}
	want := "webhook.create webhook.update webhook.test webhook.rotate_secret webhook.delete"
	if got := strings.Join(app.auditActions(t, "webhook"), " "); got != want {
		t.Errorf("audit %q, want %q", got, want)
	}
}

// TestAdminJobsRetryAndCancel: a queued job is listed, cancelled (then
// listed as failed), retried; both audited and CSRF-checked; a finished
// job cannot be cancelled.
func TestAdminJobsRetryAndCancel(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "ada@example.com", models.RoleAdmin)
	res, body := app.api(t, admin, "POST", "/api/v1/admin/webhooks", `{"url":"https://93.184.215.14/hook","events":["idea.created"]}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create webhook = %d %s", res.StatusCode, body)
	}
	id := decode[apiWebhook](t, body).ID
	app.api(t, admin, "POST", "/api/v1/admin/webhooks/"+itoa(id)+"/test", ``)
	var jobID int64
	app.db.Raw(`SELECT id FROM river_job WHERE kind = 'webhook'`).Scan(&jobID)
	if _, body := do(t, admin, "GET", app.srv.URL+"/admin/jobs?list=queued", nil); !strings.Contains(body, "/admin/jobs/"+itoa(jobID)+"/cancel") {
		t.Fatalf("queued list misses job %d: %.2000s", jobID, body)
	}
	jp := "/admin/jobs/" + itoa(jobID)
	for _, p := range []string{jp + "/cancel", jp + "/retry"} {
		if res, _ := do(t, admin, "POST", app.srv.URL+p, strings.NewReader("list=queued"), "Content-Type", "application/x-www-form-urlencoded"); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without CSRF = %d", p, res.StatusCode)
		}
	}
	state := func() (s string) { app.db.Raw(`SELECT state FROM river_job WHERE id = ?`, jobID).Scan(&s); return s }
	if res, _ := app.form(t, admin, jp+"/cancel", url.Values{"list": {"queued"}}); res.StatusCode != http.StatusSeeOther || state() != "cancelled" {
		t.Fatalf("cancel = %d, state %s", res.StatusCode, state())
	}
	if _, body := do(t, admin, "GET", app.srv.URL+"/admin/jobs?list=failed", nil); !strings.Contains(body, jp+"/retry") {
		t.Errorf("failed list misses the cancelled job")
	}
	if res, _ := app.form(t, admin, jp+"/cancel", url.Values{}); res.StatusCode != http.StatusConflict {
		t.Errorf("cancelling a cancelled job = %d, want 409", res.StatusCode)
	}
	if res, _ := app.form(t, admin, jp+"/retry", url.Values{"list": {"failed"}}); res.StatusCode != http.StatusSeeOther || state() != "available" {
		t.Errorf("retry = %d, state %s", res.StatusCode, state())
	}
	if res, _ := app.form(t, admin, "/admin/jobs/999999/retry", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("retry of no job = %d", res.StatusCode)
	}
	if got := strings.Join(app.auditActions(t, "job"), " "); got != "job.cancel job.retry" {
		t.Errorf("audit %q", got)
	}
}
