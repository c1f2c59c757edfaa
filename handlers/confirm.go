package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// Destructive buttons (delete an idea or comment, unmerge) are links to a
// confirm page: without JavaScript the GET asks "Are you sure?" and its form
// POSTs the action; with JavaScript app.js asks with confirm() and POSTs
// directly. The GET checks the same permission as the action, so nobody is
// asked to confirm what they may not do.

// confirmView is what confirm.html receives.
type confirmView struct {
	Heading string
	Message string
	Action  string // the POST URL
	Button  string
	Cancel  string // back where they came from
}

func (h *Handler) confirmPage(c echo.Context, v confirmView) error {
	return h.render(c, http.StatusOK, "confirm", h.page(c, v.Heading, v))
}

func (h *Handler) confirmDeleteIdea(c echo.Context) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	if !idea.DeletableBy(currentUser(c)) {
		return models.Forbidden("Only the author or a moderator can delete this idea.")
	}
	return h.confirmPage(c, confirmView{
		Heading: "Delete this idea?",
		Message: `"` + idea.Title + `" will disappear from the community; only the team will still see it.`,
		Action:  "/ideas/" + itoa(idea.ID) + "/delete", Button: "Delete idea", Cancel: idea.URL(),
	})
}

func (h *Handler) confirmDeleteComment(c echo.Context) error {
	id, err := commentID(c)
	if err != nil {
		return err
	}
	cm, err := models.CommentToDelete(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return h.confirmPage(c, confirmView{
		Heading: "Delete your comment?",
		Message: `Its text will be replaced by "This comment was deleted."; replies to it stay.`,
		Action:  "/comments/" + itoa(id) + "/delete", Button: "Delete comment",
		Cancel: models.CommentURL("/ideas/"+itoa(cm.IdeaID), id, ""),
	})
}

func (h *Handler) confirmUnmerge(c echo.Context) error {
	source, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	if source.MergedIntoID == nil {
		return models.Conflict("This idea is not merged.")
	}
	target, err := models.IdeaByID(c.Request().Context(), h.db, currentUser(c), *source.MergedIntoID)
	if err != nil {
		return err
	}
	return h.confirmPage(c, confirmView{
		Heading: "Unmerge this idea?",
		Message: `"` + source.Title + `" gets back its own page, votes, comments and followers from "` + target.Title +
			`"; its author and followers are told.`,
		Action: "/ideas/" + itoa(source.ID) + "/unmerge", Button: "Unmerge", Cancel: target.URL(),
	})
}
