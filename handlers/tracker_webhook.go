package handlers

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/integrations/tracker"
	"github.com/crowdwise/crowdwise/models"
)

// TrackerWebhook is one tracker's inbound webhook: its secret and the
// tracker package's verifier, which checks the signature in constant time
// before it parses the body.
type TrackerWebhook struct {
	Secret string
	Verify func(h http.Header, body []byte, secret string, now time.Time) (tracker.Event, error)
	// DeliveryHeader names the delivery id header, kept for ignored events.
	DeliveryHeader string
}

// maxWebhookBytes is the largest tracker webhook body accepted.
const maxWebhookBytes = 1 << 20

// trackerWebhookPath reports the inbound tracker webhooks: no session, no
// CSRF token (the signature authenticates them), and their own body limit.
func trackerWebhookPath(p string) bool {
	return p == "/webhooks/jira" || p == "/webhooks/github" || p == "/webhooks/linear"
}

// trackerWebhook receives one provider's webhooks: over 1 MB 413, missing
// or wrong signature 401, stale timestamp or malformed body 400, replayed
// delivery 200, unknown issue 202, otherwise 200 after the item and idea
// moved. Every delivery is logged for /staff/integrations. A provider
// without a configured secret is 404.
func (h *Handler) trackerWebhook(provider string) echo.HandlerFunc {
	return func(c echo.Context) error {
		hook, ok := h.opts.TrackerWebhooks[provider]
		if !ok || hook.Secret == "" || hook.Verify == nil {
			return models.NotFound("Webhooks from " + models.ProviderName(provider) + " are not configured.")
		}
		ctx, req := c.Request().Context(), c.Request()
		body, err := io.ReadAll(io.LimitReader(req.Body, maxWebhookBytes+1))
		if err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "could not read the body"})
		}
		answer := func(status int, verified bool, outcome, msg string) error {
			if err := models.LogWebhook(ctx, h.db, provider, verified, req.Header.Get(hook.DeliveryHeader), outcome, msg); err != nil {
				return err
			}
			return c.JSON(status, map[string]string{"outcome": outcome, "message": msg})
		}
		if len(body) > maxWebhookBytes {
			return answer(http.StatusRequestEntityTooLarge, false, models.HookTooLarge, "The body is over 1 MB.")
		}
		ev, err := hook.Verify(req.Header, body, hook.Secret, time.Now())
		switch {
		case errors.Is(err, tracker.ErrSignature):
			return answer(http.StatusUnauthorized, false, models.HookBadSignature, "The signature is missing or wrong.")
		case errors.Is(err, tracker.ErrStale):
			return answer(http.StatusBadRequest, true, models.HookStale, "The timestamp is too old or in the future.")
		case errors.Is(err, tracker.ErrIgnored):
			return answer(http.StatusOK, true, models.HookIgnored, "This event is not one Crowdwise acts on.")
		case err != nil:
			return answer(http.StatusBadRequest, true, models.HookMalformed, "The body is not a documented event.")
		}
		outcome, err := models.ApplyWebhook(ctx, h.db, provider, ev)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if outcome == models.HookUnknownIssue {
			status = http.StatusAccepted
		}
		return c.JSON(status, map[string]string{"outcome": outcome})
	}
}
