package handlers

import (
	"github.com/labstack/echo/v4"
)

// routes is the one place every URL is declared, grouped by who may call it.
func (h *Handler) routes(e *echo.Echo) {
	// Pre-router middleware runs for every request, including 404s and
	// oversize bodies, so those are logged, counted and get the same headers.
	e.Pre(
		h.requestID(),
		h.observe,
		h.recoverPanics(),
		h.securityHeaders,
		h.bodyLimit(),
	)
	e.Use(h.gzip())

	// Operations: no sessions, no gzip of their own concern.
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/metrics", h.metricsHandler())
	e.GET("/static/*", h.static)

	// Public pages.
	public := e.Group("")
	public.GET("/", h.home)
}
