package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// ideaView is what idea.html receives.
type ideaView struct {
	Idea     *models.Idea
	Thread   []*models.Comment
	Similar  []models.SimilarIdea
	History  []models.StatusChange
	Merged   []models.Idea // staff: ideas merged into this one
	CanEdit  bool
	Statuses []string
	ideaExtras
}

// ideaExtras carries a form to show again after an error.
type ideaExtras struct {
	Comment      commentForm
	Fields       map[string]string
	CommentError string
	Status       statusInput
	StatusFields map[string]string
}

// commentForm is the input of POST /ideas/:id/comments.
type commentForm struct {
	Body      string `form:"body"`
	ParentID  int64  `form:"parent_id"`
	StaffOnly bool   `form:"staff_only"`
}

// showIdea renders an idea with its discussion. Wrong or missing slugs
// redirect (301) to the canonical URL. A merged idea redirects to its target
// temporarily and uncached (302, no-store): unmerge brings its page back, and
// a browser that cached a 301 would never ask again.
func (h *Handler) showIdea(c echo.Context) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	if idea.MergedIntoID != nil {
		target, err := models.IdeaByID(c.Request().Context(), h.db, currentUser(c), *idea.MergedIntoID)
		if err == nil {
			c.Response().Header().Set("Cache-Control", "no-store")
			return c.Redirect(http.StatusFound, target.URL())
		}
	}
	if c.Param("slug") != idea.Slug() {
		return c.Redirect(http.StatusMovedPermanently, idea.URL())
	}
	return h.ideaPageWith(c, http.StatusOK, idea, ideaExtras{})
}

// ideaPageAgain shows the route's idea again with a form that needs fixing.
func (h *Handler) ideaPageAgain(c echo.Context, status int, x ideaExtras) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	return h.ideaPageWith(c, status, idea, x)
}

func (h *Handler) ideaPageWith(c echo.Context, status int, idea *models.Idea, x ideaExtras) error {
	ctx := c.Request().Context()
	viewer := currentUser(c)
	v := ideaView{Idea: idea, CanEdit: idea.EditableBy(viewer), ideaExtras: x}
	var err error
	if v.Thread, err = models.Thread(ctx, h.db, viewer, idea.ID); err != nil {
		return err
	}
	if v.History, err = models.StatusHistory(ctx, h.db, idea.ID); err != nil {
		return err
	}
	if viewer.IsStaff() {
		v.Statuses = models.Statuses[:len(models.Statuses)-1]
		if v.Merged, err = models.MergedSources(ctx, h.db, idea.ID); err != nil {
			return err
		}
	}
	if v.Similar, err = h.similar.get(ctx, h.db, idea); err != nil {
		return err
	}
	if v.Status.Status == "" {
		v.Status.Status = idea.Status
	}
	return h.render(c, status, "idea", h.page(c, idea.Title, v))
}
