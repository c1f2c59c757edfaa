package models_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// names resolves test host names; each lookup takes the next answer and
// the last repeats, so a name can turn into loopback after it was saved.
type names map[string][]string

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	answers, ok := n[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	a := answers[0]
	if len(answers) > 1 {
		n[host] = answers[1:]
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

func TestWebhookRefusesInternalDestinationsWhenSavedAndWhenSent(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	port := r.URL[strings.LastIndex(r.URL, ":")+1:]
	urls := []string{
		"http://127.0.0.1:" + port + "/hook",
		"http://10.0.0.1:" + port + "/hook",
		"http://169.254.169.254/latest/meta-data",
		"http://[::1]:" + port + "/hook",
		"http://localhost.test:" + port + "/hook",
	}
	// Without CROWDWISE_ALLOW_PRIVATE_OUTBOUND; localhost.test resolves to
	// loopback at once.
	strict := outbound.New(outbound.Policy{Resolver: names{"localhost.test": {"127.0.0.1"}}, Timeout: 2 * time.Second})
	events := []string{models.EventIdeaCreated}
	for _, u := range urls {
		_, _, err := models.CreateWebhook(ctx, e.db, e.admin, strict, models.WebhookInput{URL: &u, Events: &events})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields["url"], "not allowed") {
			t.Errorf("saving %s: %v; want the URL refused", u, err)
		}
	}
	// At send time: the same URLs saved while they were fine (rows written
	// directly; localhost.test resolved to a public address when saved).
	for _, u := range urls {
		e.db.Exec(`INSERT INTO webhooks (url, events, secret) VALUES (?, '{idea.created}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')`, u)
	}
	e.cfg.Outbound = outbound.New(outbound.Policy{Resolver: names{"localhost.test": {"127.0.0.1"}}, Timeout: 2 * time.Second})
	newIdea(t, e.db, e.ann, "Dark mode")
	e.run(t)
	if r.count() != 0 {
		t.Errorf("the receiver on 127.0.0.1 got %d requests", r.count())
	}
	var log []models.Delivery
	e.db.Raw(`SELECT * FROM webhook_deliveries`).Scan(&log)
	if len(log) != len(urls) {
		t.Fatalf("%d deliveries logged, want %d", len(log), len(urls))
	}
	for _, d := range log {
		if d.StatusCode != nil || !strings.HasPrefix(d.Error, "refused: ") {
			t.Errorf("delivery %+v: want refused", d)
		}
	}
	if st := e.jobStates(t); st["cancelled"] != len(urls) {
		t.Errorf("jobs %v: a refused destination is not retried", st)
	}
}

// TestWebhookNameThatTurnsIntoLoopback: DNS rebinding; the name was public
// when saved and is checked again at the send, after resolution.
func TestWebhookNameThatTurnsIntoLoopback(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	port := r.URL[strings.LastIndex(r.URL, ":")+1:]
	c := outbound.New(outbound.Policy{Resolver: names{"hooks.test": {"93.184.215.14", "127.0.0.1"}}, Timeout: 2 * time.Second})
	u, events := "http://hooks.test:"+port+"/hook", []string{models.EventIdeaCreated}
	if _, _, err := models.CreateWebhook(ctx, e.db, e.admin, c, models.WebhookInput{URL: &u, Events: &events}); err != nil {
		t.Fatal(err)
	}
	e.cfg.Outbound = c
	newIdea(t, e.db, e.ann, "Dark mode")
	e.run(t)
	var d models.Delivery
	e.db.Raw(`SELECT * FROM webhook_deliveries`).Scan(&d)
	if r.count() != 0 || !strings.Contains(d.Error, "127.0.0.1") {
		t.Errorf("receiver hits %d, delivery %+v; want refused after resolving to 127.0.0.1", r.count(), d)
	}
}

// TestWebhookNothingHiddenGoesOut sweeps the changes on hidden ideas,
// staff notes and hidden comments: none writes an event.
func TestWebhookNothingHiddenGoesOut(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	e.hook(t, r, models.WebhookEvents...)
	mod := asRole(t, e.db, notifyUser(t, e.db, "Mo"), models.RoleModerator)
	idea := newIdea(t, e.db, e.ann, "Dark mode")
	shown := newIdea(t, e.db, e.ann, "Light mode")
	if _, err := models.HideItem(ctx, e.db, mod, models.ItemRef{Type: "idea", ID: idea.ID}, "spam"); err != nil {
		t.Fatal(err)
	}
	var before int64
	e.db.Raw(`SELECT count(*) FROM webhook_events`).Scan(&before)
	steps := map[string]error{}
	_, steps["staff note"] = models.CreateComment(ctx, e.db, mod, shown.ID, models.CommentInput{Body: "internal", StaffOnly: true})
	_, steps["comment on hidden"] = models.CreateComment(ctx, e.db, mod, idea.ID, models.CommentInput{Body: "hello"})
	_, steps["status of hidden"] = models.SetStatus(ctx, e.db, mod, idea.ID, models.StatusInput{Status: models.StatusPlanned})
	title := "Dark mode, darker"
	_, steps["edit of hidden"] = models.StaffEditIdea(ctx, e.db, mod, idea.ID, models.StaffEditInput{Title: title, Category: idea.Category})
	for name, err := range steps {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var types []string
	e.db.Raw(`SELECT type FROM webhook_events ORDER BY created_at OFFSET ?`, before).Scan(&types)
	if len(types) != 0 {
		t.Errorf("hidden changes wrote events %v", types)
	}
	// The control: the same comment on the visible idea is sent.
	newComment(t, e.db, mod, shown.ID, "hello")
	e.db.Raw(`SELECT type FROM webhook_events ORDER BY created_at OFFSET ?`, before).Scan(&types)
	if len(types) != 1 || types[0] != models.EventCommentCreated {
		t.Errorf("a public comment wrote %v", types)
	}
}

func TestWebhookLogPrunedAfter30Days(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	e.hook(t, r, models.EventIdeaCreated)
	newIdea(t, e.db, e.ann, "An old idea")
	e.run(t)
	e.db.Exec(`UPDATE webhook_deliveries SET created_at = now() - interval '31 days'`)
	e.db.Exec(`UPDATE webhook_events SET created_at = now() - interval '31 days'`)
	newIdea(t, e.db, e.ann, "A new idea")
	e.run(t)
	if err := models.PruneWebhookLog(ctx, e.db); err != nil {
		t.Fatal(err)
	}
	if n := deliveryCount(t, e.db); n != 1 {
		t.Errorf("%d deliveries after the prune, want the recent one", n)
	}
}

// TestWebhookPendingPostsAnnouncedOnApproval: a post held for approval
// sends nothing until a moderator approves it, then its created event.
func TestWebhookPendingPostsAnnouncedOnApproval(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	e.hook(t, r, models.EventIdeaCreated, models.EventCommentCreated)
	e.db.Exec(`UPDATE site_settings SET first_post_approval = true`)
	mod := asRole(t, e.db, notifyUser(t, e.db, "Mo"), models.RoleModerator)
	idea := newIdea(t, e.db, e.ann, "My very first idea")
	host := newIdea(t, e.db, mod, "Staff never wait for approval")
	c := newComment(t, e.db, notifyUser(t, e.db, "Bob"), host.ID, "first comment from Bob")
	types := func() (got []string) {
		e.db.Raw(`SELECT type FROM webhook_events ORDER BY type`).Scan(&got)
		return got
	}
	if idea.Moderation != "pending" || c.Moderation != "pending" || strings.Join(types(), ",") != "idea.created" {
		t.Fatalf("before approval: %s/%s, events %v; want only the staff idea's", idea.Moderation, c.Moderation, types())
	}
	_, err := models.Moderate(ctx, e.db, mod, models.ModerationInput{Action: "approve",
		Items: []models.ItemRef{{Type: "idea", ID: idea.ID}, {Type: "comment", ID: c.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(types(), ","); got != "comment.created,idea.created,idea.created" {
		t.Errorf("after approval: %s", got)
	}
}

// TestWebhookAccountLinkedOncePerLink: linking an idea to an account sends
// account.linked with the account; editing the link's note sends nothing.
func TestWebhookAccountLinkedOncePerLink(t *testing.T) {
	e := newHookEnv(t)
	r := newReceiver(t, 200)
	e.hook(t, r, models.EventAccountLinked)
	pm := asRole(t, e.db, notifyUser(t, e.db, "Pam"), models.RoleProductManager)
	idea := newIdea(t, e.db, e.ann, "Audit export")
	acct, err := models.CreateManualAccount(ctx, e.db, pm, models.AccountInput{Name: "Acme", Domains: []string{"acme.test"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, note := range []string{"asked in QBR", "asked again"} {
		if _, _, err := models.LinkIdeaAccount(ctx, e.db, pm, idea.ID, acct.ID, models.LinkInput{Importance: "critical", Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	var data []string
	if err := e.db.Raw(`SELECT body FROM webhook_events WHERE type = ?`, models.EventAccountLinked).Scan(&data).Error; err != nil {
		t.Fatal(err)
	}
	if len(data) != 1 || !strings.Contains(data[0], `"name":"Acme"`) || !strings.Contains(data[0], `"importance":"critical"`) {
		t.Fatalf("account.linked events: %v", data)
	}
}
