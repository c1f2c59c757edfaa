package handlers

import "github.com/labstack/echo/v4"

// Moderation and anti-abuse handlers (flags, queue, hide/restore, bans,
// site settings, audit log, per-IP action limits). Stubs until built.

func (h *Handler) actionLimit(next echo.HandlerFunc) echo.HandlerFunc { return next }

func (h *Handler) flagIdeaForm(c echo.Context) error       { return echo.ErrNotFound }
func (h *Handler) flagCommentForm(c echo.Context) error    { return echo.ErrNotFound }
func (h *Handler) apiFlagIdea(c echo.Context) error        { return echo.ErrNotFound }
func (h *Handler) apiFlagComment(c echo.Context) error     { return echo.ErrNotFound }
func (h *Handler) moderationQueue(c echo.Context) error    { return echo.ErrNotFound }
func (h *Handler) moderationAction(c echo.Context) error   { return echo.ErrNotFound }
func (h *Handler) apiModerationQueue(c echo.Context) error { return echo.ErrNotFound }
func (h *Handler) apiHide(kind string) echo.HandlerFunc {
	return func(echo.Context) error { return echo.ErrNotFound }
}
func (h *Handler) apiRestore(kind string) echo.HandlerFunc {
	return func(echo.Context) error { return echo.ErrNotFound }
}
func (h *Handler) apiBan(c echo.Context) error            { return echo.ErrNotFound }
func (h *Handler) apiUnban(c echo.Context) error          { return echo.ErrNotFound }
func (h *Handler) adminSettings(c echo.Context) error     { return echo.ErrNotFound }
func (h *Handler) adminSaveSettings(c echo.Context) error { return echo.ErrNotFound }
func (h *Handler) adminAudit(c echo.Context) error        { return echo.ErrNotFound }
