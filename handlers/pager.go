package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// pager renders page-number navigation for a list.
type pager struct {
	Page    models.Page
	PrevURL string
	NextURL string
	// LastURL is the last page, linked from a page past the end.
	LastURL string
	path    string
	query   url.Values
}

func newPager(path string, q url.Values, p models.Page) pager {
	pg := pager{Page: p, path: path, query: q}
	if p.HasPrev() {
		pg.PrevURL = pg.link(min(p.Number-1, p.Pages()))
	}
	if p.HasNext() {
		pg.NextURL = pg.link(p.Number + 1)
	}
	if p.PastEnd() {
		pg.LastURL = pg.link(p.Pages())
	}
	return pg
}

// seekNext points "Next" at the page after the cursor after (models
// IdeaPage.Next), so paging on reads the tab's index from there instead of
// skipping rows; "Previous" and the page number stay plain links.
func (pg pager) seekNext(after string) pager {
	if pg.NextURL == "" || after == "" {
		return pg
	}
	q := url.Values{"after": {after}}
	for k, vals := range pg.query {
		q[k] = vals
	}
	pg.NextURL = pager{Page: pg.Page, path: pg.path, query: q}.link(pg.Page.Number + 1)
	return pg
}

// link is the URL of page n with the same filters.
func (pg pager) link(n int) string {
	v := url.Values{}
	for k, vals := range pg.query {
		if len(vals) > 0 && vals[0] != "" {
			v.Set(k, vals[0])
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if pg.Page.PerPage > 0 && pg.query.Has("per_page") { // see withPerPage
		v.Set("per_page", strconv.Itoa(pg.Page.PerPage))
	}
	if len(v) == 0 {
		return pg.path
	}
	return pg.path + "?" + v.Encode()
}

// withPerPage adds the request's per_page, if it has one, to a pager's
// query, so the links keep the page size.
func withPerPage(c echo.Context, v url.Values) url.Values {
	if c.QueryParams().Has("per_page") {
		v.Set("per_page", "")
	}
	return v
}

// listStatus is 404 for a page past the end of its list (the page says so
// and links the last one), 200 otherwise.
func listStatus(p models.Page) int {
	if p.PastEnd() {
		return http.StatusNotFound
	}
	return http.StatusOK
}

// pageFromQuery reads ?page= and ?per_page= for a list page (not the API):
// a page never fails on paging. Numbers out of range are clamped (page 0
// and page -1 are both page 1; per_page stays within 1–100) and anything
// that is not a number is the default.
func pageFromQuery(c echo.Context, def int) models.Page {
	return models.NewPage(clampParam(c.QueryParam("page"), 1, 1, models.MaxPageNumber),
		clampParam(c.QueryParam("per_page"), def, 1, 100))
}

func clampParam(s string, def, lo, hi int) int {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	switch {
	case errors.Is(err, strconv.ErrRange) && strings.HasPrefix(s, "-"):
		return lo
	case errors.Is(err, strconv.ErrRange):
		return hi
	case err != nil:
		return def
	}
	return max(lo, min(n, hi))
}

// apiPage is the paging of an API list request.
type apiPage struct {
	Page    int `query:"page"`
	PerPage int `query:"per_page"`
}

// bindAPIPage reads ?page= and ?per_page= for the JSON API, which refuses
// values out of range by name (422) rather than guessing: page from 1 (0 or
// absent is 1), per_page 1–100 (0 or absent is def).
func bindAPIPage(c echo.Context, def int) (models.Page, error) {
	var in apiPage
	if err := (&echo.DefaultBinder{}).BindQueryParams(c, &in); err != nil {
		return models.Page{}, &models.ValidationError{Fields: map[string]string{"page": "page and per_page must be whole numbers."}}
	}
	if in.PerPage == 0 {
		in.PerPage = def
	}
	v := &models.ValidationError{}
	if in.Page < 0 || in.Page > models.MaxPageNumber {
		v.Add("page", "page must be between 1 and "+strconv.Itoa(models.MaxPageNumber)+".")
	}
	if in.PerPage < 1 || in.PerPage > 100 {
		v.Add("per_page", "per_page must be between 1 and 100.")
	}
	return models.NewPage(in.Page, in.PerPage), v.Err()
}
