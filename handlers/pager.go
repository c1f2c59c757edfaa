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
}

func newPager(path string, q url.Values, p models.Page) pager {
	link := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			if len(vals) > 0 && vals[0] != "" {
				v.Set(k, vals[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	pg := pager{Page: p}
	if p.HasPrev() {
		pg.PrevURL = link(p.Number - 1)
	}
	if p.HasNext() {
		pg.NextURL = link(p.Number + 1)
	}
	return pg
}
