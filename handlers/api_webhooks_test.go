package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// hookReceiver verifies every request with the reference Standard Webhooks
// library and records its webhook-id and body.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	ids    []string
	bodies []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		wh, err := standardwebhooks.NewWebhook(r.secret)
		if err == nil {
			err = wh.Verify(body, req.Header)
		}
		if err != nil {
			t.Errorf("signature does not verify: %v", err)
		}
		r.ids = append(r.ids, req.Header.Get("webhook-id"))
		r.bodies = append(r.bodies, string(body))
		io.WriteString(w, "thanks")
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) got() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...), append([]string(nil), r.bodies...)
}

// allowPrivate lets the app save webhooks on the test receiver (127.0.0.1).
func allowPrivate(o *Options) { o.Outbound.AllowPrivate = true }

// deliverJobs drains the job queue like runJobs, with an outbound client
// that may reach the test receiver on 127.0.0.1.
func (a *testApp) deliverJobs(t *testing.T) {
	t.Helper()
	cfg := models.JobConfig{Outbound: outbound.New(outbound.Policy{AllowPrivate: true})}
	if _, err := models.RunDueJobs(context.Background(), a.db, cfg); err != nil {
		t.Fatal(err)
	}
}

func (a *testApp) auditActions(t *testing.T, targetType string) []string {
	t.Helper()
	var got []string
	if err := a.db.Raw(`SELECT action FROM audit_log WHERE target_type = ? ORDER BY id`, targetType).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	return got
}

func TestAPIWebhooksLifecycle(t *testing.T) {
	app := newTestApp(t, allowPrivate)
	admin, _ := app.signInAs(t, "ada@example.com", models.RoleAdmin)
	r := newHookReceiver(t)
	res, body := app.api(t, admin, "POST", "/api/v1/admin/webhooks",
		`{"url":`+jsonString(r.URL+"/hook")+`,"description":"Slack","events":["idea.created","comment.created"]}`)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create = %d %s", res.StatusCode, body)
	}
	hook := decode[apiWebhook](t, body)
	if !strings.HasPrefix(hook.Secret, "whsec_") || !hook.Active || len(hook.Events) != 2 || hook.ID == 0 {
		t.Fatalf("created %+v", hook)
	}
	r.secret = hook.Secret
	path := "/api/v1/admin/webhooks/" + itoa(hook.ID)
	if _, body := do(t, admin, "GET", app.srv.URL+"/api/v1/admin/webhooks", nil); strings.Contains(body, "whsec_") || !strings.Contains(body, r.URL) {
		t.Errorf("list shows the secret or misses the webhook: %s", body)
	}
	if res, body := app.api(t, admin, "PATCH", path, `{"events":["idea.created"]}`); res.StatusCode != http.StatusOK ||
		decode[apiWebhook](t, body).Description != "Slack" || strings.Contains(body, "whsec_") {
		t.Errorf("patch = %d %s", res.StatusCode, body)
	}
	if res, body := app.api(t, admin, "POST", path+"/test", ``); res.StatusCode != http.StatusAccepted {
		t.Fatalf("test = %d %s", res.StatusCode, body)
	}
	app.deliverJobs(t)
	ids, bodies := r.got()
	if len(ids) != 1 || !strings.Contains(bodies[0], `"type":"webhook.test"`) {
		t.Fatalf("receiver got %v %v", ids, bodies)
	}
	res, body = do(t, admin, "GET", app.srv.URL+path+"/deliveries", nil)
	type deliveries struct {
		Deliveries []map[string]any `json:"deliveries"`
	}
	list := decode[deliveries](t, body).Deliveries
	if res.StatusCode != http.StatusOK || len(list) != 1 || list[0]["event_id"] != ids[0] || list[0]["status_code"] != float64(200) ||
		list[0]["response_excerpt"] != "thanks" || list[0]["type"] != "webhook.test" || list[0]["attempt"] != float64(1) {
		t.Fatalf("deliveries = %d %s", res.StatusCode, body)
	}
	for _, k := range []string{"id", "duration_ms", "at"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("delivery has no %q: %s", k, body)
		}
	}
	replay := "/api/v1/admin/deliveries/" + itoa(int64(list[0]["id"].(float64))) + "/replay"
	if res, body := app.api(t, admin, "POST", replay, ``); res.StatusCode != http.StatusAccepted {
		t.Fatalf("replay = %d %s", res.StatusCode, body)
	}
	app.deliverJobs(t)
	if ids, bodies := r.got(); len(ids) != 2 || ids[1] != ids[0] || bodies[1] != bodies[0] {
		t.Errorf("replay sent %v: want the same webhook-id and body", ids)
	}
	res, body = app.api(t, admin, "POST", path+"/rotate-secret", ``)
	if rot := decode[map[string]any](t, body); res.StatusCode != http.StatusOK || rot["secret"] == hook.Secret ||
		!strings.HasPrefix(rot["secret"].(string), "whsec_") || rot["previous_secret_valid_until"] == nil {
		t.Errorf("rotate = %d %s", res.StatusCode, body)
	}
	if res, _ := app.api(t, admin, "DELETE", path, ``); res.StatusCode != http.StatusNoContent {
		t.Errorf("delete = %d", res.StatusCode)
	}
	if res, _ := do(t, admin, "GET", app.srv.URL+path+"/deliveries", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("deliveries of a deleted webhook = %d", res.StatusCode)
	}
	want := "webhook.create webhook.update webhook.test webhook.replay webhook.rotate_secret webhook.delete"
	if got := strings.Join(app.auditActions(t, "webhook"), " "); got != want {
		t.Errorf("audit %q, want %q", got, want)
	}
}

// TestAPIWebhookRefusedURL: without the private allowance an internal URL
// is a 422 naming the field, and nothing is saved.
func TestAPIWebhookRefusedURL(t *testing.T) {
	app := newTestApp(t)
	admin, _ := app.signInAs(t, "ada@example.com", models.RoleAdmin)
	for _, u := range []string{"http://127.0.0.1:8080/", "http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]/", "ftp://x.example/"} {
		res, body := app.api(t, admin, "POST", "/api/v1/admin/webhooks", `{"url":`+jsonString(u)+`,"events":["idea.created"]}`)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "url") {
			t.Errorf("POST %s = %d %s", u, res.StatusCode, body)
		}
	}
	var n int64
	app.db.Raw(`SELECT count(*) FROM webhooks`).Scan(&n)
	if n != 0 {
		t.Errorf("%d webhooks saved", n)
	}
}

// TestAPIWebhooksRoleAndScope: every webhook route is for admins, and a
// token needs the staff scope.
func TestAPIWebhooksRoleAndScope(t *testing.T) {
	app := newTestApp(t)
	adminC, _ := app.signInAs(t, "ada@example.com", models.RoleAdmin)
	mod, _ := app.signInAs(t, "mo@example.com", models.RoleModerator)
	member, _ := app.signIn(t, "mem@example.com")
	u, events := "https://93.184.215.14/hook", []string{models.EventIdeaCreated}
	var admin models.User
	app.db.Where("email = ?", "ada@example.com").Take(&admin)
	w, _, err := models.CreateWebhook(context.Background(), app.db, &admin, app.h.outbound, models.WebhookInput{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(w.ID)
	routes := [][2]string{
		{"GET", "/api/v1/admin/webhooks"}, {"POST", "/api/v1/admin/webhooks"}, {"PATCH", "/api/v1/admin/webhooks/" + id},
		{"POST", "/api/v1/admin/webhooks/" + id + "/rotate-secret"}, {"GET", "/api/v1/admin/webhooks/" + id + "/deliveries"},
		{"POST", "/api/v1/admin/webhooks/" + id + "/test"}, {"POST", "/api/v1/admin/deliveries/1/replay"},
		{"DELETE", "/api/v1/admin/webhooks/" + id},
	}
	readWrite := app.createToken(t, adminC, "rw", models.ScopeRead, models.ScopeWrite).Token
	staff := app.createToken(t, adminC, "staff", models.ScopeStaff).Token
	for _, r := range routes {
		for who, c := range map[string]*http.Client{"member": member, "moderator": mod} {
			if res, _ := app.api(t, c, r[0], r[1], `{}`); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s as %s = %d, want 403", r[0], r[1], who, res.StatusCode)
			}
		}
		if res, _ := app.api(t, app.client(), r[0], r[1], `{}`); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s anonymous = %d, want 401", r[0], r[1], res.StatusCode)
		}
		if res, _ := app.bearer(t, readWrite, r[0], r[1], `{}`); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s with a read+write token = %d, want 403", r[0], r[1], res.StatusCode)
		}
	}
	// The staff token gets through (404 for the made-up delivery).
	for _, r := range routes {
		res, body := app.bearer(t, staff, r[0], r[1], `{}`)
		if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500 {
			t.Errorf("%s %s with a staff token = %d %s", r[0], r[1], res.StatusCode, body)
		}
	}
	var tokenAudits int64
	app.db.Raw(`SELECT count(*) FROM audit_log WHERE target_type = 'webhook' AND token_id IS NOT NULL`).Scan(&tokenAudits)
	if tokenAudits == 0 {
		t.Error("staff actions with a token are not audited with the token")
	}
}
