package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// toggleForm is the input of the no-JavaScript vote and follow forms.
type toggleForm struct {
	On   bool   `form:"on"`
	Back string `form:"back"`
}

// back returns to the local page the form was on, or the idea.
func back(f toggleForm, ideaID int64) string {
	if b := safeNext(f.Back); b != "/" || f.Back == "/" {
		return b
	}
	return "/ideas/" + itoa(ideaID)
}

func (h *Handler) voteForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f toggleForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	ctx := c.Request().Context()
	if f.On {
		_, err = models.Vote(ctx, h.db, currentUser(c), id)
	} else {
		_, err = models.Unvote(ctx, h.db, currentUser(c), id)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, back(f, id))
}

func (h *Handler) followForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f toggleForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if _, err := models.SetFollow(c.Request().Context(), h.db, currentUser(c), id, f.On); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, back(f, id))
}

func (h *Handler) apiVote(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := ideaID(c)
		if err != nil {
			return err
		}
		// The vote counts the request against the action limits itself, in
		// the vote's transaction (its route has no actionLimit).
		from := h.origin(c)
		st, err := models.SetVote(c.Request().Context(), h.db, currentUser(c), id, on, &from)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}

func (h *Handler) apiFollow(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := ideaID(c)
		if err != nil {
			return err
		}
		st, err := models.SetFollow(c.Request().Context(), h.db, currentUser(c), id, on)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}
