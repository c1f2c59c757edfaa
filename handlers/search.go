package handlers

import (
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
}

// search never fails on what people type: an empty or junk query shows a
// friendly empty state.
func (h *Handler) search(c echo.Context) error {
	in, p, err := bindList(c, 20)
	if err != nil {
		return err
	}
	res, err := models.Search(c.Request().Context(), h.db, currentUser(c), in.Q, p)
	if err != nil {
		return err
	}
	v := searchView{Q: in.Q, Result: res, Pager: newPager("/search", url.Values{"q": {in.Q}}, res.Page)}
	title := "Search"
	if in.Q != "" {
		title = "Search: " + in.Q
	}
	return h.render(c, http.StatusOK, "search", h.page(c, title, v))
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
	ideas, err := models.Similar(c.Request().Context(), h.db, currentUser(c), in.Title, 5)
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
