package handlers

import (
	"net/url"
	"strconv"

	"github.com/crowdwise/crowdwise/models"
)

// pager renders page-number navigation for a list.
type pager struct {
	Page    models.Page
	PrevURL string
	NextURL string
	path    string
	query   url.Values
}

func newPager(path string, q url.Values, p models.Page) pager {
	pg := pager{Page: p, path: path, query: q}
	if p.HasPrev() {
		pg.PrevURL = pg.link(p.Number - 1)
	}
	if p.HasNext() {
		pg.NextURL = pg.link(p.Number + 1)
	}
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
	if len(v) == 0 {
		return pg.path
	}
	return pg.path + "?" + v.Encode()
}
