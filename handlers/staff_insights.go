package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// insightsForm is the query of /staff/insights. Only these parameters
// exist; the model validates the filters.
type insightsForm struct {
	From     string `query:"from"`
	To       string `query:"to"`
	Category string `query:"category"`
	Segment  string `query:"segment"`
	Format   string `query:"format"` // "" or "csv"
	Chart    string `query:"chart"`  // with format=csv: one of models.InsightsCharts
}

// csvLink is the download URL of one chart under the same filters.
func (f insightsForm) csvLink(chart string) string {
	v := url.Values{"format": {"csv"}, "chart": {chart}}
	for k, s := range map[string]string{"from": f.From, "to": f.To, "category": f.Category, "segment": f.Segment} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return "/staff/insights?" + v.Encode()
}

// staffInsights shows the product insights page, or with format=csv one
// chart's numbers as a download. Bad filters show the form with their
// errors (422) and no charts.
func (h *Handler) staffInsights(c echo.Context) error {
	var f insightsForm
	// Strings only: binding them cannot fail.
	_ = (&echo.DefaultBinder{}).BindQueryParams(c, &f)
	csvOut := f.Format == "csv"
	switch {
	case f.Format != "" && f.Format != "html" && !csvOut:
		return &models.Problem{Kind: models.ErrBadRequest, Message: "format is html or csv."}
	case csvOut && !slices.Contains(models.InsightsCharts, f.Chart):
		return &models.Problem{Kind: models.ErrBadRequest, Message: "chart is one of " + strings.Join(models.InsightsCharts, ", ") + "."}
	}
	ctx := c.Request().Context()
	v := insightsView{Form: f}
	var err error
	if v.Categories, err = models.Categories(ctx, h.db); err != nil {
		return err
	}
	if v.Segments, err = models.Segments(ctx, h.db); err != nil {
		return err
	}
	filter, err := models.ParseInsightsQuery(ctx, h.db, models.InsightsQuery{From: f.From, To: f.To, Category: f.Category, Segment: f.Segment}, time.Now())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		if csvOut {
			return &models.Problem{Kind: models.ErrBadRequest, Message: strings.TrimPrefix(ve.Error(), "invalid input: ")}
		}
		v.Fields = ve.Fields
		return h.render(c, http.StatusUnprocessableEntity, "staff_insights", h.page(c, "Product insights", v))
	}
	if err != nil {
		return err
	}
	in, err := h.insights.get(filter, func() (*models.Insights, error) {
		return models.LoadInsights(ctx, h.db, currentUser(c), h.opts.FX, filter)
	})
	if err != nil {
		return err
	}
	if csvOut {
		return insightsCSV(c, in, f.Chart)
	}
	v.fill(in)
	return h.render(c, http.StatusOK, "staff_insights", h.page(c, "Product insights", v))
}

// insightsCSV sends one chart's table as a CSV attachment.
func insightsCSV(c echo.Context, in *models.Insights, chart string) error {
	t, _ := in.Table(chart) // chart is allow-listed by the caller
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	// chart is one of a fixed list of [a-z_] names: safe in the header.
	hd.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="insights-%s-%s.csv"`, chart, time.Now().UTC().Format("2006-01-02")))
	hd.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write(t.Header)
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, s := range r {
			cells[i] = csvSafe(s)
		}
		_ = w.Write(cells)
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a spreadsheet from reading a cell (an idea title, a
// segment) as a formula: one starting with = + - @ (or a tab or carriage
// return, which some spreadsheets skip) gets a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
