package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// actionLimit counts every state-changing request (anything but GET, HEAD
// and OPTIONS) from a client IP, as resolved through TRUSTED_PROXIES,
// against the per_ip_actions_per_minute site setting; beyond it → 429 with
// Retry-After. The count lives in PostgreSQL (rate_keys), so it holds
// across every instance of the app. Reads pass untouched, and so does staff,
// who may need to act in bulk from a shared office address.
func (h *Handler) actionLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if currentUser(c).IsStaff() {
			return next(c)
		}
		if err := models.CheckAction(c.Request().Context(), h.db, h.origin(c)); err != nil {
			return err
		}
		return next(c)
	}
}

// origin is where the request came from, for the action limits: its client
// address and, with a bearer token, the token, which is counted too
// wherever it is used from.
func (h *Handler) origin(c echo.Context) models.Origin {
	o := models.Origin{IP: c.RealIP()}
	if t := currentAPIToken(c); t != nil {
		o.TokenID = t.ID
	}
	return o
}
