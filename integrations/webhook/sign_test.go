package webhook_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crowdwise/crowdwise/integrations/webhook"
)

// TestSignSpecVector: the test vector the Standard Webhooks libraries
// publish (secret, id, timestamp, payload → signature).
func TestSignSpecVector(t *testing.T) {
	got, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
}

// TestHeadersVerifyWithReferenceLibrary: headers made with two secrets
// verify with the reference library under either secret, and not under a
// third one.
func TestHeadersVerifyWithReferenceLibrary(t *testing.T) {
	a, b, c := webhook.NewSecret(), webhook.NewSecret(), webhook.NewSecret()
	if !strings.HasPrefix(a, "whsec_") || len(a) != len("whsec_")+44 || a == b {
		t.Fatalf("secrets %q, %q: want whsec_ + base64 of 32 random bytes", a, b)
	}
	body := []byte(`{"type":"idea.created"}`)
	h := http.Header{}
	if err := webhook.SetHeaders(h, []string{a, b}, "msg_1", time.Now(), body); err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("signature header %q: want two space-separated signatures", h.Get("webhook-signature"))
	}
	for _, s := range []string{a, b} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("reference library refuses the signature: %v", err)
		}
	}
	wh, _ := standardwebhooks.NewWebhook(c)
	if err := wh.Verify(body, h); err == nil {
		t.Error("a third secret verifies too")
	}
	if err := webhook.SetHeaders(h, []string{"whsec_!!"}, "msg_1", time.Now(), body); err == nil {
		t.Error("a malformed secret signs")
	}
}
