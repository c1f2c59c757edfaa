package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// ideaView is what idea.html receives.
type ideaView struct {
	Idea      *models.Idea
	Thread    []*models.Comment
	Similar   []models.SimilarIdea
	CanEdit   bool
	Comment   commentForm // a comment form to re-show after an error
	Fields    map[string]string
	MaxLength int
}

// commentForm is the input of POST /ideas/:id/comments.
type commentForm struct {
	Body     string `form:"body"`
	ParentID int64  `form:"parent_id"`
}

// showIdea renders an idea with its discussion. Wrong or missing slugs and
// merged ideas redirect (301) to the canonical URL.
func (h *Handler) showIdea(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	idea, err := models.IdeaByID(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	if idea.MergedIntoID != nil {
		target, err := models.IdeaByID(c.Request().Context(), h.db, currentUser(c), *idea.MergedIntoID)
		if err == nil {
			return c.Redirect(http.StatusMovedPermanently, target.URL())
		}
	}
	if c.Param("slug") != idea.Slug() {
		return c.Redirect(http.StatusMovedPermanently, idea.URL())
	}
	return h.ideaPage(c, http.StatusOK, idea, commentForm{}, nil)
}

func (h *Handler) ideaPage(c echo.Context, status int, idea *models.Idea, form commentForm, fields map[string]string) error {
	ctx := c.Request().Context()
	viewer := currentUser(c)
	thread, err := models.Thread(ctx, h.db, viewer, idea.ID)
	if err != nil {
		return err
	}
	similar, err := models.Similar(ctx, h.db, viewer, idea.Title, 6)
	if err != nil {
		return err
	}
	others := similar[:0]
	for _, s := range similar {
		if s.ID != idea.ID {
			others = append(others, s)
		}
	}
	if len(others) > 5 {
		others = others[:5]
	}
	v := ideaView{Idea: idea, Thread: thread, Similar: others, CanEdit: idea.EditableBy(viewer), Comment: form, Fields: fields}
	return h.render(c, status, "idea", h.page(c, idea.Title, v))
}
