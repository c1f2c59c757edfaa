package handlers

import "github.com/labstack/echo/v4"

// Status, merge, roadmap and changelog handlers. Stubs until built.

func (h *Handler) roadmap(c echo.Context) error       { return echo.ErrNotFound }
func (h *Handler) changelog(c echo.Context) error     { return echo.ErrNotFound }
func (h *Handler) changelogAtom(c echo.Context) error { return echo.ErrNotFound }
func (h *Handler) statusForm(c echo.Context) error    { return echo.ErrNotFound }
func (h *Handler) mergePage(c echo.Context) error     { return echo.ErrNotFound }
func (h *Handler) mergeForm(c echo.Context) error     { return echo.ErrNotFound }
func (h *Handler) unmergeForm(c echo.Context) error   { return echo.ErrNotFound }
func (h *Handler) apiSetStatus(c echo.Context) error  { return echo.ErrNotFound }
func (h *Handler) apiMerge(c echo.Context) error      { return echo.ErrNotFound }
func (h *Handler) apiUnmerge(c echo.Context) error    { return echo.ErrNotFound }
