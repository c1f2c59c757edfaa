package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

type syncCreated struct {
	SyncID int64 `json:"sync_id"`
}

// apiImportAccounts queues a CSV import with no preview: 202 {sync_id}.
// ?import_valid=true imports the valid rows of a file with errors.
func (h *Handler) apiImportAccounts(c echo.Context) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != "text/csv" {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the file as the request body with Content-Type: text/csv.")
	}
	data, err := io.ReadAll(c.Request().Body)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	} else if err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the request body."}
	}
	s, err := models.ImportCSV(c.Request().Context(), h.db, currentUser(c), "api.csv", data, c.QueryParam("import_valid") == "true")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, syncCreated{s.ID})
}

// apiCRMSync queues a sync of {source}, or returns the one already queued
// or running: 202 {sync_id}.
func (h *Handler) apiCRMSync(c echo.Context) error {
	var f syncForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "The body must be JSON such as {\"source\": \"salesforce\"}."}
	}
	s, _, err := models.RequestCRMSync(c.Request().Context(), h.db, currentUser(c), f.Source, h.opts.CRMSources)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, syncCreated{s.ID})
}

// apiSync is one run of the sync log.
func (h *Handler) apiSync(c echo.Context) error {
	id, err := syncParam(c)
	if err != nil {
		return err
	}
	s, err := models.GetSync(h.db.WithContext(c.Request().Context()), id, false)
	if err != nil {
		return err
	}
	if s.Errors == nil {
		s.Errors = models.SyncErrors{}
	}
	return c.JSON(http.StatusOK, s)
}
