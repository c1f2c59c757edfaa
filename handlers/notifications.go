package handlers

import "github.com/labstack/echo/v4"

// Notification handlers (bell, list, preferences, unsubscribe). Stubs until built.

func (h *Handler) notifications(c echo.Context) error         { return echo.ErrNotFound }
func (h *Handler) notificationsRead(c echo.Context) error     { return echo.ErrNotFound }
func (h *Handler) settingsNotifications(c echo.Context) error { return echo.ErrNotFound }
func (h *Handler) unsubscribePage(c echo.Context) error       { return echo.ErrNotFound }
func (h *Handler) unsubscribe(c echo.Context) error           { return echo.ErrNotFound }
