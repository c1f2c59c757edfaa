package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// webhookForm is the input of the create and edit forms: a checkbox per
// event and one for active (an unchecked box sends nothing, so the form
// says it carries them with "form").
type webhookForm struct {
	URL         string   `form:"url"`
	Description string   `form:"description"`
	Events      []string `form:"events"`
	Active      bool     `form:"active"`
}

func (f *webhookForm) input() models.WebhookInput {
	return models.WebhookInput{URL: &f.URL, Description: &f.Description, Events: &f.Events, Active: &f.Active}
}

// eventBox is one event checkbox.
type eventBox struct {
	Name    string
	Checked bool
}

func eventBoxes(checked []string) []eventBox {
	out := make([]eventBox, len(models.WebhookEvents))
	for i, e := range models.WebhookEvents {
		out[i] = eventBox{e, slices.Contains(checked, e)}
	}
	return out
}

// webhooksView is what admin_webhooks.html and admin_webhook.html receive.
// Secret is a secret just created or rotated: shown on that response only.
type webhooksView struct {
	List       *models.WebhookPage
	Hook       *models.Webhook
	Deliveries *models.DeliveryPage
	Pager      pager
	Form       webhookForm
	Events     []eventBox
	Fields     map[string]string
	Secret     string
}

func (h *Handler) webhooksPage(c echo.Context, status int, v webhooksView) error {
	var err error
	if v.List, err = models.Webhooks(c.Request().Context(), h.db, pageFromQuery(c, models.WebhooksPerPage)); err != nil {
		return err
	}
	v.Pager = newPager("/admin/webhooks", withPerPage(c, url.Values{}), v.List.Page)
	if status == http.StatusOK {
		status = listStatus(v.List.Page)
	}
	if v.Fields == nil && v.Form.URL == "" {
		v.Form.Active = true
	}
	v.Events = eventBoxes(v.Form.Events)
	return h.render(c, status, "admin_webhooks", h.page(c, "Webhooks", v))
}

func (h *Handler) adminWebhooks(c echo.Context) error {
	return h.webhooksPage(c, http.StatusOK, webhooksView{})
}

func bindWebhookForm(c echo.Context) (webhookForm, error) {
	var f webhookForm
	if err := c.Bind(&f); err != nil {
		return f, &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	return f, nil
}

// adminCreateWebhook shows the new secret once, on the page the form posts
// to (201); it cannot survive a redirect.
func (h *Handler) adminCreateWebhook(c echo.Context) error {
	f, err := bindWebhookForm(c)
	if err != nil {
		return err
	}
	w, secret, err := models.CreateWebhook(c.Request().Context(), h.db, currentUser(c), h.outbound, f.input())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.webhooksPage(c, http.StatusUnprocessableEntity, webhooksView{Form: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return h.webhookPage(c, http.StatusCreated, w.ID, webhooksView{Secret: secret})
}

// webhookPage is one webhook: its edit form, actions and delivery log.
func (h *Handler) webhookPage(c echo.Context, status int, id int64, v webhooksView) error {
	ctx := c.Request().Context()
	var err error
	if v.Hook, err = models.WebhookByID(ctx, h.db, id); err != nil {
		return err
	}
	if v.Deliveries, err = models.WebhookDeliveries(ctx, h.db, id, pageFromQuery(c, models.WebhooksPerPage)); err != nil {
		return err
	}
	v.Pager = newPager("/admin/webhooks/"+itoa(id), withPerPage(c, url.Values{}), v.Deliveries.Page)
	if v.Fields == nil {
		v.Form = webhookForm{URL: v.Hook.URL, Description: v.Hook.Description, Events: v.Hook.Events, Active: v.Hook.Active}
	}
	if status == http.StatusOK {
		status = listStatus(v.Deliveries.Page)
	}
	v.Events = eventBoxes(v.Form.Events)
	return h.render(c, status, "admin_webhook", h.page(c, "Webhook", v))
}

func (h *Handler) adminWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	return h.webhookPage(c, http.StatusOK, id, webhooksView{})
}

func (h *Handler) adminUpdateWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	f, err := bindWebhookForm(c)
	if err != nil {
		return err
	}
	_, err = models.UpdateWebhook(c.Request().Context(), h.db, currentUser(c), h.outbound, id, f.input())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.webhookPage(c, http.StatusUnprocessableEntity, id, webhooksView{Form: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks/"+itoa(id)+"?notice=saved")
}

func (h *Handler) adminDeleteWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	if err := models.DeleteWebhook(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks?notice=webhook-deleted")
}

func (h *Handler) adminRotateWebhookSecret(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	_, secret, err := models.RotateWebhookSecret(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return h.webhookPage(c, http.StatusOK, id, webhooksView{Secret: secret})
}

func (h *Handler) adminTestWebhook(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	if _, err := models.SendTestEvent(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks/"+itoa(id)+"?notice=webhook-queued")
}

func (h *Handler) adminReplayDelivery(c echo.Context) error {
	id, err := idParam(c, "delivery")
	if err != nil {
		return err
	}
	d, err := models.ReplayDelivery(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/webhooks/"+itoa(d.WebhookID)+"?notice=webhook-queued")
}
