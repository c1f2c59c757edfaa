package models_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// received is one request at the receiver, verified with the reference
// Standard Webhooks library (an implementation independent of ours).
type received struct {
	ID, Type string
	Sigs     int
}

// receiver is an httptest server that answers from a script of status
// codes (the last one repeats) and records what it verified.
type receiver struct {
	*httptest.Server
	t       *testing.T
	mu      sync.Mutex
	secrets []string
	script  []int
	header  http.Header // added to every answer
	got     []received
	hits    int
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{t: t, script: script, header: http.Header{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hits++
		for _, s := range r.secrets {
			wh, err := standardwebhooks.NewWebhook(s)
			if err != nil {
				t.Errorf("secret %q: %v", s, err)
			}
			if err := wh.Verify(body, req.Header); err != nil {
				t.Errorf("signature does not verify with %s…: %v", s[:10], err)
			}
		}
		var ev struct{ Type, Timestamp string }
		if err := json.Unmarshal(body, &ev); err != nil || ev.Timestamp == "" {
			t.Errorf("body %s: want {type, timestamp, data}", body)
		}
		r.got = append(r.got, received{ID: req.Header.Get("webhook-id"), Type: ev.Type,
			Sigs: len(strings.Fields(req.Header.Get("webhook-signature")))})
		code := r.script[min(len(r.got), len(r.script))-1]
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		io.WriteString(w, `{"ok":`+strings.Repeat(" ", 2000)+`true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

// trust sets the secrets every request must verify with.
func (r *receiver) trust(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = secrets
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// hookEnv is a database, an admin and a job config whose outbound client
// may reach the test receiver on 127.0.0.1.
type hookEnv struct {
	*notifyEnv
	admin *models.User
	ann   *models.User
}

var allowPrivate = outbound.New(outbound.Policy{AllowPrivate: true})

func newHookEnv(t *testing.T) *hookEnv {
	e := &hookEnv{notifyEnv: newNotifyEnv(t)}
	e.cfg.Outbound = allowPrivate
	e.admin = asRole(t, e.db, notifyUser(t, e.db, "Ada"), models.RoleAdmin)
	e.ann = notifyUser(t, e.db, "Ann")
	return e
}

// hook saves a webhook for r subscribed to events and lets r verify it.
func (e *hookEnv) hook(t *testing.T, r *receiver, events ...string) *models.Webhook {
	t.Helper()
	url := r.URL + "/hook"
	w, secret, err := models.CreateWebhook(ctx, e.db, e.admin, allowPrivate, models.WebhookInput{URL: &url, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	r.trust(secret)
	return w
}

func (e *hookEnv) jobStates(t *testing.T) map[string]int {
	t.Helper()
	var rows []struct {
		State string
		N     int
	}
	if err := e.db.Raw(`SELECT state, count(*) AS n FROM river_job WHERE kind = 'webhook' GROUP BY state`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}

func TestWebhookRetriesUntilAcceptedWithTheSameID(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 500, 500, 200)
	e.hook(t, r, models.EventIdeaCreated)
	newIdea(t, e.db, e.ann, "Dark mode")
	for range 4 {
		e.run(t)
		e.retryNow(t)
	}
	got := r.requests()
	if len(got) != 3 || got[0].ID == "" || got[1].ID != got[0].ID || got[2].ID != got[0].ID || got[2].Type != "idea.created" {
		t.Fatalf("receiver got %+v; want three tries of one idea.created with one webhook-id", got)
	}
	if st := e.jobStates(t); st["completed"] != 1 || len(st) != 1 {
		t.Errorf("job states %v; want one completed", st)
	}
	var log []models.Delivery
	e.db.Raw(`SELECT * FROM webhook_deliveries ORDER BY id`).Scan(&log)
	if len(log) != 3 || *log[0].StatusCode != 500 || *log[2].StatusCode != 200 || log[2].Attempt != 3 ||
		len(log[2].ResponseExcerpt) != 1024 || log[0].EventID != got[0].ID {
		t.Errorf("delivery log %+v", log)
	}
}

func TestWebhookRetryAfterSnoozes(t *testing.T) {
	for _, code := range []int{429, 503} {
		e := newHookEnv(t)
		r := newReceiver(t, code, 200)
		r.header.Set("Retry-After", "120")
		e.hook(t, r, models.EventIdeaCreated)
		newIdea(t, e.db, e.ann, "Dark mode")
		e.run(t)
		var j struct {
			State string
			Wait  float64
		}
		e.db.Raw(`SELECT state, extract(epoch FROM scheduled_at - now())::float8 AS wait FROM river_job WHERE kind = 'webhook'`).Scan(&j)
		if len(r.requests()) != 1 || j.State != "scheduled" || j.Wait < 110 || j.Wait > 121 {
			t.Fatalf("%d with Retry-After 120: job %+v after %d requests; want scheduled in 120s", code, j, len(r.requests()))
		}
		e.db.Exec(`UPDATE river_job SET state = 'available', scheduled_at = now() WHERE state = 'scheduled'`)
		e.run(t)
		if got := r.requests(); len(got) != 2 || got[1].ID != got[0].ID {
			t.Errorf("%d: after the wait the receiver got %+v", code, got)
		}
	}
}

func TestWebhookGoneDisablesAndTellsAdmins(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 410)
	w := e.hook(t, r, models.EventIdeaCreated)
	newIdea(t, e.db, e.ann, "Dark mode")
	e.run(t)
	got, _ := models.WebhookByID(ctx, e.db, w.ID)
	if got.Active || !strings.Contains(got.DisabledReason, "410") {
		t.Fatalf("after 410: active %v, reason %q", got.Active, got.DisabledReason)
	}
	var kinds []string
	e.db.Raw(`SELECT kind FROM notifications WHERE user_id = ?`, e.admin.ID).Scan(&kinds)
	if len(kinds) != 1 || kinds[0] != models.KindWebhookDisabled {
		t.Errorf("admin's notifications %v; want webhook_disabled", kinds)
	}
	newIdea(t, e.db, e.ann, "Light mode")
	e.retryNow(t)
	e.run(t)
	if n := len(r.requests()); n != 1 {
		t.Errorf("a disabled webhook got %d requests, want the one 410", n)
	}
}

// TestWebhookEventSurvivesACrash: the event is committed with the change
// and its job waits in the database; a process that starts later (a new
// queue, as after a crash) delivers it.
func TestWebhookEventSurvivesACrash(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	e.hook(t, r, models.EventIdeaCreated)
	newIdea(t, e.db, e.ann, "Dark mode") // committed; no worker ran
	if len(r.requests()) != 0 || e.jobStates(t)["available"] != 1 {
		t.Fatalf("before any worker: %d requests, jobs %v", len(r.requests()), e.jobStates(t))
	}
	e.run(t)
	if got := r.requests(); len(got) != 1 {
		t.Errorf("after restart the receiver got %+v", got)
	}
}

func TestWebhookTwentyEventsInOneSecondAllArrive(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	e.hook(t, r, models.EventIdeaCreated, models.EventVoteCreated)
	idea := newIdea(t, e.db, e.ann, "Dark mode")
	var wg sync.WaitGroup
	for i := range 19 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := notifyUser(t, e.db, "Voter"+string(rune('A'+i)))
			if _, err := models.Vote(ctx, e.db, u, idea.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	e.run(t)
	ids := map[string]bool{}
	for _, g := range r.requests() {
		ids[g.ID] = true
	}
	if len(ids) != 20 || len(r.requests()) != 20 {
		t.Errorf("receiver got %d requests with %d ids; want 20 and 20", len(r.requests()), len(ids))
	}
}

func TestWebhookRotationSignsWithBothFor24Hours(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	w := e.hook(t, r, models.EventIdeaCreated)
	old := r.secrets[0] // no request yet
	_, secret, err := models.RotateWebhookSecret(ctx, e.db, e.admin, w.ID)
	if err != nil || secret == old || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("rotate: %q, %v", secret, err)
	}
	r.trust(old, secret) // each must verify
	newIdea(t, e.db, e.ann, "Dark mode")
	e.run(t)
	e.db.Exec(`UPDATE webhooks SET previous_secret_until = now() - interval '1 second'`)
	r.trust(secret)
	newIdea(t, e.db, e.ann, "Light mode")
	e.run(t)
	if got := r.requests(); len(got) != 2 || got[0].Sigs != 2 || got[1].Sigs != 1 {
		t.Errorf("signatures per request %+v; want 2 within 24h, then 1", got)
	}
}

func deliveryCount(t *testing.T, db *gorm.DB) (n int64) {
	t.Helper()
	db.Raw(`SELECT count(*) FROM webhook_deliveries`).Scan(&n)
	return n
}
