package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// flagInput is the input of the flag form and of POST /api/v1/…/flags.
type flagInput struct {
	Reason string `form:"reason" json:"reason"`
	Note   string `form:"note" json:"note"`
}

func (in flagInput) model() models.FlagInput {
	return models.FlagInput{Reason: in.Reason, Note: in.Note}
}

// flagIdeaForm and flagCommentForm flag from the idea page and go back to it
// (303) with ?notice=flagged. Flagging the same item twice lands on the same
// page: the member's first flag stands, which is all they wanted. Invalid
// input shows the idea page again with the flag form's errors (422).
func (h *Handler) flagIdeaForm(c echo.Context) error { return h.flagForm(c, models.TargetIdea) }

func (h *Handler) flagCommentForm(c echo.Context) error { return h.flagForm(c, models.TargetComment) }

func (h *Handler) flagForm(c echo.Context, kind string) error {
	id, err := targetID(c, kind)
	if err != nil {
		return err
	}
	var in flagInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	ctx := c.Request().Context()
	f, err := models.FlagContent(ctx, h.db, currentUser(c), kind, id, in.model())
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		return h.flagFormInvalid(c, kind, id, ve)
	case errors.Is(err, models.ErrConflict):
		return c.Redirect(http.StatusSeeOther, h.flaggedURL(c, kind, id))
	case err != nil:
		return err
	}
	back := f.IdeaURL + "?notice=flagged"
	if kind == models.TargetComment {
		back = models.CommentURL(f.IdeaURL, id, "flagged")
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// flaggedURL is where a repeated flag goes back to.
func (h *Handler) flaggedURL(c echo.Context, kind string, id int64) string {
	ideaID, err := models.ItemIdeaID(c.Request().Context(), h.db, currentUser(c), kind, id)
	if err != nil {
		return "/"
	}
	if kind == models.TargetComment {
		return models.CommentURL("/ideas/"+itoa(ideaID), id, "flagged")
	}
	return "/ideas/" + itoa(ideaID) + "?notice=flagged"
}

// flagFormInvalid shows the idea page again with the flag errors; the flag
// partial opens itself when its fields carry a message.
func (h *Handler) flagFormInvalid(c echo.Context, kind string, id int64, ve *models.ValidationError) error {
	ctx := c.Request().Context()
	ideaID, err := models.ItemIdeaID(ctx, h.db, currentUser(c), kind, id)
	if err != nil {
		return err
	}
	idea, err := models.IdeaByID(ctx, h.db, currentUser(c), ideaID)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	for k, msg := range ve.Fields {
		fields["flag_"+k] = msg
	}
	fields["flag_target"] = kind + ":" + itoa(id)
	return h.ideaPageWith(c, http.StatusUnprocessableEntity, idea, ideaExtras{Fields: fields})
}

// targetID reads the :id of an idea or comment route.
func targetID(c echo.Context, kind string) (int64, error) {
	if kind == models.TargetComment {
		return commentID(c)
	}
	return ideaID(c)
}

// apiFlagIdea and apiFlagComment: POST {reason, note} → 201 with the flag;
// a second flag by the same member on the same item → 409.
func (h *Handler) apiFlagIdea(c echo.Context) error { return h.apiFlag(c, models.TargetIdea) }

func (h *Handler) apiFlagComment(c echo.Context) error { return h.apiFlag(c, models.TargetComment) }

func (h *Handler) apiFlag(c echo.Context, kind string) error {
	id, err := targetID(c, kind)
	if err != nil {
		return err
	}
	var in flagInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	f, err := models.FlagContent(c.Request().Context(), h.db, currentUser(c), kind, id, in.model())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, f)
}
