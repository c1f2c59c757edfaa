package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// apiWebhook is a webhook in JSON; Secret is set only in the responses
// that create or rotate it.
type apiWebhook struct {
	ID             int64    `json:"id"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	Active         bool     `json:"active"`
	DisabledReason string   `json:"disabled_reason"`
	Secret         string   `json:"secret,omitempty"`
}

func toAPIWebhook(w *models.Webhook, secret string) apiWebhook {
	events := []string(w.Events)
	if events == nil {
		events = []string{}
	}
	return apiWebhook{ID: w.ID, URL: w.URL, Description: w.Description, Events: events, Active: w.Active,
		DisabledReason: w.DisabledReason, Secret: secret}
}

// webhookJSON is the input of POST and PATCH; a missing field is left as
// it is.
type webhookJSON struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	Events      *[]string `json:"events"`
	Active      *bool     `json:"active"`
}

func (in webhookJSON) input() models.WebhookInput {
	return models.WebhookInput{URL: in.URL, Description: in.Description, Events: in.Events, Active: in.Active}
}

// idParam is the :id of a URL; anything but a positive number is not found.
func idParam(c echo.Context, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("No such " + what + ".")
	}
	return id, nil
}

func (h *Handler) apiListWebhooks(c echo.Context) error {
	p, err := bindAPIPage(c, models.WebhooksPerPage)
	if err != nil {
		return err
	}
	list, err := models.Webhooks(c.Request().Context(), h.db, p)
	if err != nil {
		return err
	}
	out := make([]apiWebhook, len(list.Webhooks))
	for i := range list.Webhooks {
		out[i] = toAPIWebhook(&list.Webhooks[i], "")
	}
	return c.JSON(http.StatusOK, map[string]any{"webhooks": out, "page": list.Page.Number, "per_page": list.Page.PerPage, "total": list.Page.Total})
}

func (h *Handler) apiCreateWebhook(c echo.Context) error {
	var in webhookJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	w, secret, err := models.CreateWebhook(c.Request().Context(), h.db, currentUser(c), h.outbound, in.input())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, toAPIWebhook(w, secret))
}

func (h *Handler) apiUpdateWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	var in webhookJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	w, err := models.UpdateWebhook(c.Request().Context(), h.db, currentUser(c), h.outbound, id, in.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhook(w, ""))
}

func (h *Handler) apiDeleteWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	if err := models.DeleteWebhook(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handler) apiRotateWebhookSecret(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	w, secret, err := models.RotateWebhookSecret(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]any{"id": w.ID, "secret": secret, "previous_secret_valid_until": w.PreviousSecretUntil})
}

// apiDelivery is one attempt in JSON.
type apiDelivery struct {
	ID              int64     `json:"id"`
	EventID         string    `json:"event_id"`
	Type            string    `json:"type"`
	Attempt         int       `json:"attempt"`
	StatusCode      *int      `json:"status_code"`
	DurationMS      int       `json:"duration_ms"`
	ResponseExcerpt string    `json:"response_excerpt"`
	Error           string    `json:"error"`
	At              time.Time `json:"at"`
}

func (h *Handler) apiWebhookDeliveries(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	p, err := bindAPIPage(c, models.WebhooksPerPage)
	if err != nil {
		return err
	}
	list, err := models.WebhookDeliveries(c.Request().Context(), h.db, id, p)
	if err != nil {
		return err
	}
	out := make([]apiDelivery, len(list.Deliveries))
	for i, d := range list.Deliveries {
		out[i] = apiDelivery{ID: d.ID, EventID: d.EventID, Type: d.Type, Attempt: d.Attempt, StatusCode: d.StatusCode,
			DurationMS: d.DurationMS, ResponseExcerpt: d.ResponseExcerpt, Error: d.Error, At: d.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out, "page": list.Page.Number, "per_page": list.Page.PerPage, "total": list.Page.Total})
}

// apiTestWebhook queues a webhook.test event (202: it goes out from the
// job queue, like every delivery).
func (h *Handler) apiTestWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	ev, err := models.SendTestEvent(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"event_id": ev})
}

func (h *Handler) apiReplayDelivery(c echo.Context) error {
	id, err := idParam(c, "delivery")
	if err != nil {
		return err
	}
	d, err := models.ReplayDelivery(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"webhook_id": d.WebhookID, "event_id": d.EventID})
}
