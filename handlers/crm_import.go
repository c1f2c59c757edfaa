package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// importView is what crm_import.html receives: the upload form, a preview
// waiting for confirmation, or an import's progress and result.
type importView struct {
	Sync    *models.CRMSync
	Check   *models.CSVCheck
	Columns []string
	Preview []models.CSVRow
	// Errors is one page of the preview's errors (every error, paged).
	Errors   []models.SyncError
	ErrPager pager
	Fields   map[string]string
	Message  string
	// Refresh reloads the page while the import runs (no JavaScript needed).
	Refresh bool
	// MaxRows and MaxMB are the limits, for the form's hint.
	MaxRows, MaxMB int
}

// importErrorsPerPage is how many errors one preview page lists.
const importErrorsPerPage = 100

func (h *Handler) importPage(c echo.Context, status int, v importView) error {
	v.MaxRows, v.MaxMB = models.MaxCSVRows, models.MaxCSVBytes>>20
	return h.render(c, status, "crm_import", h.page(c, "Import accounts", v))
}

func (h *Handler) importForm(c echo.Context) error {
	return h.importPage(c, http.StatusOK, importView{})
}

// importUpload checks an uploaded file and shows its preview.
func (h *Handler) importUpload(c echo.Context) error {
	fh, err := c.FormFile("file")
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		return h.importPage(c, http.StatusRequestEntityTooLarge, importView{Fields: map[string]string{"file": models.CSVTooLargeMessage}})
	case err != nil:
		return h.importPage(c, http.StatusUnprocessableEntity, importView{Fields: map[string]string{"file": "Choose a CSV file to upload."}})
	case fh.Size > models.MaxCSVBytes:
		return h.importPage(c, http.StatusRequestEntityTooLarge, importView{Fields: map[string]string{"file": models.CSVTooLargeMessage}})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, models.MaxCSVBytes+1))
	if err != nil {
		return err
	}
	s, _, err := models.PreviewCSVImport(c.Request().Context(), h.db, currentUser(c), fh.Filename, data)
	var ve *models.ValidationError
	switch {
	case errors.Is(err, models.ErrTooLarge):
		return h.importPage(c, http.StatusRequestEntityTooLarge, importView{Fields: map[string]string{"file": models.CSVTooLargeMessage}})
	case errors.As(err, &ve):
		return h.importPage(c, http.StatusUnprocessableEntity, importView{Fields: ve.Fields})
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/accounts/import/"+strconv.FormatInt(s.ID, 10))
}

func syncParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, models.NotFound("There is no such import.")
	}
	return id, nil
}

// importStatus is an upload's preview, or its import's progress.
func (h *Handler) importStatus(c echo.Context) error {
	id, err := syncParam(c)
	if err != nil {
		return err
	}
	s, check, err := models.CSVPreview(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	v := importView{Sync: s, Check: check, Refresh: check == nil && !s.Finished()}
	if check != nil {
		v.Columns = check.Header
		v.Preview = check.Rows[:min(len(check.Rows), models.CSVPreviewRows)]
		p := pageFromQuery(c, importErrorsPerPage)
		p.Total = int64(len(check.Errors))
		lo := min(p.Offset(), len(check.Errors))
		v.Errors = check.Errors[lo:min(lo+p.PerPage, len(check.Errors))]
		v.ErrPager = newPager(c.Request().URL.Path, withPerPage(c, url.Values{}), p)
	}
	return h.importPage(c, http.StatusOK, v)
}

type confirmForm struct {
	ImportValid string `form:"import_valid"`
}

func (h *Handler) importConfirm(c echo.Context) error {
	id, err := syncParam(c)
	if err != nil {
		return err
	}
	var f confirmForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	err = models.ConfirmCSVImport(c.Request().Context(), h.db, currentUser(c), id, f.ImportValid != "")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/accounts/import/"+strconv.FormatInt(id, 10))
}
