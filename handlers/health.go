package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/migrations"
)

// healthz says the process is alive; it never touches the database, so a
// database outage does not get healthy pods restarted.
func (h *Handler) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether this instance should receive traffic: not draining,
// database reachable, schema at the version this binary was built for.
func (h *Handler) readyz(c echo.Context) error {
	if h.draining.Load() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	sqlDB, err := h.db.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
	}
	v, err := migrations.Current(ctx, sqlDB)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
	}
	if v < h.opts.SchemaVersion {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{
			"status": fmt.Sprintf("schema at version %d, this binary needs %d", v, h.opts.SchemaVersion),
		})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "schema_version": v, "version": h.opts.Version})
}
