package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// statusInput is the input of the status form and POST /api/v1/ideas/:id/status.
type statusInput struct {
	Status      string `form:"status" json:"status"`
	Note        string `form:"note" json:"note"`
	ReleaseNote string `form:"release_note" json:"release_note"`
}

func (in statusInput) model() models.StatusInput {
	return models.StatusInput{Status: in.Status, Note: in.Note, ReleaseNote: in.ReleaseNote}
}

func (h *Handler) statusForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in statusInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	ctx := c.Request().Context()
	idea, err := models.SetStatus(ctx, h.db, currentUser(c), id, in.model())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaPageAgain(c, http.StatusUnprocessableEntity, ideaExtras{Status: in, StatusFields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, idea.URL()+"?notice=status#timeline")
}

func (h *Handler) apiSetStatus(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in statusInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	idea, err := models.SetStatus(c.Request().Context(), h.db, currentUser(c), id, in.model())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIIdea(idea))
}

// mergeView is what merge.html receives.
type mergeView struct {
	Source     *models.Idea
	Q          string
	Candidates []models.SimilarIdea
	Preview    *models.MergePreview
	// QError says what is wrong with the search text.
	QError string
}

// mergePage lets a moderator find the idea to merge into (search box), then
// shows a preview of what moves before they confirm.
func (h *Handler) mergePage(c echo.Context) error {
	source, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	ctx, user, id := c.Request().Context(), currentUser(c), source.ID
	v := mergeView{Source: source, Q: c.QueryParam("q")}
	status := http.StatusOK
	if into, perr := strconv.ParseInt(c.QueryParam("into"), 10, 64); perr == nil {
		if v.Preview, err = models.PreviewMerge(ctx, h.db, user, id, into); err != nil {
			return err
		}
	} else if v.Q == "" {
		// The idea's similar titles, mutual as on the idea page and cached
		// like them: the search costs seconds at a million ideas.
		if v.Candidates, err = h.similar.around(ctx, h.db, source, 10); err != nil {
			return err
		}
	} else {
		all, err := models.Similar(ctx, h.db, user, v.Q, 11)
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			// Said at the search box: the text is too long or not text.
			status, v.QError, err = http.StatusUnprocessableEntity, "Search text must be valid text of at most 200 characters.", nil
		}
		if err != nil {
			return err
		}
		for _, s := range all {
			if s.ID != id {
				v.Candidates = append(v.Candidates, s)
			}
		}
	}
	return h.render(c, status, "merge", h.page(c, "Merge idea", v))
}

// mergeInput is the input of the merge form and POST /api/v1/ideas/:id/merge.
type mergeInput struct {
	IntoID int64 `form:"into_id" json:"into_id"`
}

func (h *Handler) merge(c echo.Context, bind func(any) error) (*models.Idea, error) {
	id, err := ideaID(c)
	if err != nil {
		return nil, err
	}
	var in mergeInput
	if err := bind(&in); err != nil {
		return nil, err
	}
	if in.IntoID <= 0 {
		return nil, &models.ValidationError{Fields: map[string]string{"into_id": "Choose the idea to merge into."}}
	}
	return models.Merge(c.Request().Context(), h.db, currentUser(c), id, in.IntoID)
}

func (h *Handler) mergeForm(c echo.Context) error {
	target, err := h.merge(c, func(v any) error {
		if err := c.Bind(v); err != nil {
			return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, target.URL()+"?notice=merged")
}

func (h *Handler) apiMerge(c echo.Context) error {
	target, err := h.merge(c, func(v any) error { return bindJSON(c, v) })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIIdea(target))
}

func (h *Handler) unmerge(c echo.Context) (*models.Idea, error) {
	id, err := ideaID(c)
	if err != nil {
		return nil, err
	}
	return models.Unmerge(c.Request().Context(), h.db, currentUser(c), id)
}

func (h *Handler) unmergeForm(c echo.Context) error {
	source, err := h.unmerge(c)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, source.URL()+"?notice=unmerged")
}

func (h *Handler) apiUnmerge(c echo.Context) error {
	source, err := h.unmerge(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIIdea(source))
}

// roadmapView is what roadmap.html receives.
type roadmapView struct {
	Columns    []models.RoadmapColumn
	Categories []models.Category
	Category   string
	// CategoryError says the category filter names no category.
	CategoryError string
}

func (h *Handler) roadmap(c echo.Context) error {
	ctx := c.Request().Context()
	category := c.QueryParam("category")
	cats, err := models.Categories(ctx, h.db)
	if err != nil {
		return err
	}
	if category != "" && !slices.ContainsFunc(cats, func(k models.Category) bool { return k.Slug == category }) {
		v := roadmapView{Categories: cats, Category: category, CategoryError: "There is no category “" + excerpt(category, 40) + "”."}
		return h.render(c, http.StatusUnprocessableEntity, "roadmap", h.page(c, "Roadmap", v))
	}
	cols, err := models.Roadmap(ctx, h.db, currentUser(c), category)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "roadmap", h.page(c, "Roadmap", roadmapView{Columns: cols, Categories: cats, Category: category}))
}

// changelogView is what changelog.html receives.
type changelogView struct {
	Entries []models.ChangelogEntry
	Pager   pager
}

func (h *Handler) changelog(c echo.Context) error {
	_, p := bindList(c, 20)
	list, err := models.Changelog(c.Request().Context(), h.db, currentUser(c), p, c.QueryParam("after"))
	if err != nil {
		return err
	}
	v := changelogView{Entries: list.Entries, Pager: newPager("/changelog", withPerPage(c, url.Values{}), list.Page).seekNext(list.Next)}
	return h.render(c, listStatus(list.Page), "changelog", h.page(c, "Changelog", v))
}
