package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// listParams is the filter query of the home page and GET /api/v1/ideas;
// paging is read separately (pages clamp it, the API refuses bad values).
type listParams struct {
	Sort     string `query:"sort"`
	Category string `query:"category"`
	Status   string `query:"status"`
	Tag      string `query:"tag"`
	Q        string `query:"q"`
	// Product managers only (crm_list.go).
	Segment   string `query:"segment"`
	Lifecycle string `query:"lifecycle"`
	After     string `query:"after"`
}

func listFilters(c echo.Context) models.ListQuery {
	var in listParams
	// Strings only: binding them cannot fail.
	_ = (&echo.DefaultBinder{}).BindQueryParams(c, &in)
	if in.Sort == "" {
		in.Sort = "trending"
	}
	return models.ListQuery{Sort: in.Sort, Category: in.Category, Status: in.Status, Tag: in.Tag, Q: in.Q,
		Segment: in.Segment, Lifecycle: in.Lifecycle, After: in.After}
}

// homeView is what home.html receives.
type homeView struct {
	Query      models.ListQuery
	List       *models.IdeaPage
	Categories []models.Category
	Statuses   []string
	Sorts      []string
	Pager      pager
	TabURLs    map[string]string
	// Rows are List.Ideas as the page shows them.
	Rows []ideaRow
	// Fields names the filters that are wrong; no list is shown then.
	Fields map[string]string
	CRM    *crmListView // product managers' segment and lifecycle filters
}

func (h *Handler) home(c echo.Context) error {
	if c.Request().Method == http.MethodGet {
		// Visitors and most members share a page rendered at most a second
		// ago (see pageCache and home_shared.go).
		if parts, status, ok, err := h.sharedHome(c); ok || err != nil {
			if err != nil {
				return err
			}
			return h.anonPages.send(c, status, csrfToken(c), parts...)
		}
	}
	body, status, err := h.homePage(c, currentUser(c), csrfToken(c))
	if err != nil {
		return err
	}
	return sendPage(c, status, body)
}

// homePage renders the home page for c as viewer sees it, with csrf as the
// page's token.
func (h *Handler) homePage(c echo.Context, viewer *models.User, csrf string) ([]byte, int, error) {
	p, status, err := h.homeView(c, viewer, csrf)
	if err != nil {
		return nil, 0, err
	}
	body, err := h.renderBytes(c, "home", p)
	return body, status, err
}

// homeView is the home page for c as viewer sees it, and its status.
func (h *Handler) homeView(c echo.Context, viewer *models.User, csrf string) (page, int, error) {
	q := listFilters(c)
	if !knownSort(c, q.Sort) {
		q.Sort = "trending" // an unknown tab is the default one
	}
	q.FX = h.opts.FX
	q.Page = pageFromQuery(c, 20)
	if _, ok := models.ParseCursor(q.Sort, q.After); !ok {
		q.After = "" // a page never fails on paging: a bad cursor is its page number
	}
	ctx := c.Request().Context()
	cats, err := models.Categories(ctx, h.db)
	if err != nil {
		return page{}, 0, err
	}
	filters := withPerPage(c, url.Values{"category": {q.Category}, "status": {q.Status}, "tag": {q.Tag}, "q": {q.Q}})
	crm, err := h.crmList(ctx, c)
	if err != nil {
		return page{}, 0, err
	}
	if crm != nil {
		filters.Set("segment", q.Segment)
		filters.Set("lifecycle", q.Lifecycle)
	}
	withSort := func(sort string) url.Values {
		v := url.Values{"sort": {sort}}
		for k, vals := range filters {
			v[k] = vals
		}
		return v
	}
	tabs := map[string]string{}
	for _, s := range sortNames(c) {
		tabs[s] = newPager("/", withSort(s), models.Page{Number: 1, PerPage: q.Page.PerPage}).link(1)
	}
	v := homeView{
		Query: q, Categories: cats, Statuses: models.Statuses[:len(models.Statuses)-1],
		Sorts: sortNames(c), TabURLs: tabs, CRM: crm,
	}
	status := http.StatusOK
	list, err := models.ListIdeas(ctx, h.db, viewer, q)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v.Fields, v.List = ve.Fields, &models.IdeaPage{Ideas: []models.Idea{}, Page: q.Page}
		status = http.StatusUnprocessableEntity
	} else if err != nil {
		return page{}, 0, err
	} else {
		v.List, v.Pager = list, newPager("/", withSort(q.Sort), list.Page).seekNext(list.Next)
		status = listStatus(list.Page)
	}
	p := h.pageFor(c, viewer, "Ideas", nil)
	p.CSRF = csrf
	v.Rows = ideaRows(v.List.Ideas, csrf, c.Request().URL.Path)
	p.Data = v
	return p, status, nil
}
