package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// searchView is what search.html receives.
type searchView struct {
	Q      string
	Result *models.SearchResult
	Pager  pager
	// Fields says what is wrong with the search text (too long, invalid).
	Fields map[string]string
}

// search never fails on what people type: an empty or junk query shows a
// friendly empty state, text the search cannot take is named at the box.
//
// Anonymous visitors share the page rendered at most a moment ago (see
// pageCache; hitPages holds at most 200): people search the same
// popular words, and only their CSRF token differs. Only a 200 is shared.
func (h *Handler) search(c echo.Context) error {
	if currentUser(c) == nil {
		sp, ok, err := h.hitPages.page(c.Request().URL.RequestURI(), func(nonce string) (*sharedPage, error) {
			status, p, err := h.searchPage(c, nonce)
			if err != nil {
				return nil, err
			}
			body, err := h.renderBytes(c, "search", p)
			if err != nil {
				return nil, err
			}
			return &sharedPage{body: body, status: status}, nil
		})
		if ok {
			if err != nil {
				return err
			}
			return h.hitPages.send(c, sp.status, csrfToken(c), sp.body)
		}
	}
	status, p, err := h.searchPage(c, csrfToken(c))
	if err != nil {
		return err
	}
	return h.render(c, status, "search", p)
}

// searchPage is the search page for c's query and viewer, with token as
// its CSRF token.
func (h *Handler) searchPage(c echo.Context, token string) (int, page, error) {
	in, p := bindList(c, 20)
	title := "Search"
	if in.Q != "" {
		title = "Search: " + in.Q
	}
	res, err := models.Search(c.Request().Context(), h.db, currentUser(c), in.Q, p)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v := searchView{Q: in.Q, Result: &models.SearchResult{Hits: []models.SearchHit{}, Page: p}, Fields: ve.Fields}
		pg := h.page(c, "Search", v)
		pg.CSRF = token
		return http.StatusUnprocessableEntity, pg, nil
	}
	if err != nil {
		return 0, page{}, err
	}
	v := searchView{Q: in.Q, Result: res, Pager: newPager("/search", withPerPage(c, url.Values{"q": {in.Q}}), res.Page)}
	pg := h.page(c, title, v)
	pg.CSRF = token
	return listStatus(res.Page), pg, nil
}

// similarParams is the query of GET /api/v1/ideas/similar.
type similarParams struct {
	Title string `query:"title"`
}

func (h *Handler) apiSimilar(c echo.Context) error {
	var in similarParams
	if err := (&echo.DefaultBinder{}).BindQueryParams(c, &in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the query."}
	}
	ideas, err := h.typed.get(c.Request().Context(), h.db, currentUser(c), in.Title, 5)
	if err != nil {
		return err
	}
	type apiSimilar struct {
		models.SimilarIdea
		URL string `json:"url"`
	}
	out := make([]apiSimilar, len(ideas))
	for i, s := range ideas {
		out[i] = apiSimilar{s, s.URL()}
	}
	return c.JSON(http.StatusOK, map[string]any{"ideas": out})
}
