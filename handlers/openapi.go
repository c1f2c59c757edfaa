package handlers

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI documents every /api/v1 route; a test keeps the two in step.
//
//go:embed openapi.yaml
var openAPI []byte

func (h *Handler) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPI)
}
