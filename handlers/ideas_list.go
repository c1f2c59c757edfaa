package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// listParams is the query of the home page and GET /api/v1/ideas.
type listParams struct {
	Sort     string `query:"sort"`
	Category string `query:"category"`
	Status   string `query:"status"`
	Tag      string `query:"tag"`
	Q        string `query:"q"`
	Page     int    `query:"page"`
	PerPage  int    `query:"per_page"`
}

func listQuery(c echo.Context) (models.ListQuery, error) {
	var in listParams
	if err := (&echo.DefaultBinder{}).BindQueryParams(c, &in); err != nil {
		return models.ListQuery{}, &models.ValidationError{Fields: map[string]string{"page": "page and per_page must be whole numbers."}}
	}
	p, err := listInput{Page: in.Page, PerPage: in.PerPage}.page(20)
	if err != nil {
		return models.ListQuery{}, err
	}
	q := models.ListQuery{Sort: in.Sort, Category: in.Category, Status: in.Status, Tag: in.Tag, Q: in.Q, Page: p}
	return q, q.Validate()
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
}

func (h *Handler) home(c echo.Context) error {
	q, err := listQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := models.ListIdeas(ctx, h.db, currentUser(c), q)
	if err != nil {
		return err
	}
	cats, err := models.Categories(ctx, h.db)
	if err != nil {
		return err
	}
	filters := url.Values{"category": {q.Category}, "status": {q.Status}, "tag": {q.Tag}, "q": {q.Q}}
	withSort := func(sort string) url.Values {
		v := url.Values{"sort": {sort}}
		for k, vals := range filters {
			v[k] = vals
		}
		return v
	}
	tabs := map[string]string{}
	for _, s := range models.SortNames {
		tabs[s] = newPager("/", withSort(s), models.Page{Number: 1}).link(1)
	}
	v := homeView{
		Query: q, List: list, Categories: cats, Statuses: models.Statuses[:len(models.Statuses)-1],
		Sorts: models.SortNames, TabURLs: tabs, Pager: newPager("/", withSort(q.Sort), list.Page),
	}
	return h.render(c, http.StatusOK, "home", h.page(c, "Ideas", v))
}
