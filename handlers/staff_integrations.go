package handlers

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// integrationsView is what staff_integrations.html receives. The page is in
// sections (CRM sources, sync log); tracker webhooks and write-back failures
// get sections of their own beside them.
type integrationsView struct {
	Sources []sourceView
	Runs    []models.CRMSync
	Pager   pager
	Labels  map[string]string
}

// sourceView is one source and its latest run.
type sourceView struct {
	Name, Label string
	Configured  bool
	// Syncable sources have a "Sync now" button (CSV is imported instead).
	Syncable bool
	Last     *models.CRMSync
}

var sourceLabels = map[string]string{
	models.SourceCSV: "CSV import", models.SourceSalesforce: "Salesforce", models.SourceHubSpot: "HubSpot",
}

func (h *Handler) integrations(c echo.Context) error {
	ctx := c.Request().Context()
	last, err := models.LastSyncs(h.db.WithContext(ctx))
	if err != nil {
		return err
	}
	v := integrationsView{Labels: sourceLabels}
	for _, name := range models.SyncSources {
		sv := sourceView{Name: name, Label: sourceLabels[name], Configured: name == models.SourceCSV || slices.Contains(h.opts.CRMSources, name)}
		sv.Syncable = sv.Configured && name != models.SourceCSV
		if r, ok := last[name]; ok {
			sv.Last = &r
		}
		v.Sources = append(v.Sources, sv)
	}
	p := pageFromQuery(c, 20)
	if v.Runs, p, err = models.ListSyncs(h.db.WithContext(ctx), p); err != nil {
		return err
	}
	v.Pager = newPager(c.Request().URL.Path, withPerPage(c, url.Values{}), p)
	return h.render(c, listStatus(p), "staff_integrations", h.page(c, "Integrations", v))
}

type syncForm struct {
	Source string `form:"source" json:"source"`
}

// integrationsSync queues a sync now (or finds the one already running).
func (h *Handler) integrationsSync(c echo.Context) error {
	var f syncForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if _, _, err := models.RequestCRMSync(c.Request().Context(), h.db, currentUser(c), f.Source, h.opts.CRMSources); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/integrations?notice=sync-queued#sync-log")
}
