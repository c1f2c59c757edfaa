package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handler) home(c echo.Context) error {
	return h.render(c, http.StatusOK, "home", h.page(c, "Ideas", nil))
}
