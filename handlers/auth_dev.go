package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// devForm is the input of POST /auth/dev.
type devForm struct {
	Email string `form:"email"`
	Name  string `form:"name"`
	Next  string `form:"next"`
}

// authDev signs in by email alone, for trying the product and for tests.
// The route exists only with CROWDWISE_DEV_LOGIN=true, which production refuses.
func (h *Handler) authDev(c echo.Context) error {
	if !h.opts.DevLogin {
		return echo.ErrNotFound
	}
	var in devForm
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	var user *models.User
	profile, err := models.DevProfile(in.Email, in.Name)
	if err == nil {
		profile.ClientIP = c.RealIP()
		user, err = models.SignIn(c.Request().Context(), h.db, profile, h.opts.AdminEmails)
	}
	var ve *models.ValidationError
	var rl *models.RateLimitError
	if errors.As(err, &ve) {
		return h.signinPage(c, http.StatusUnprocessableEntity, signinView{Next: safeNext(in.Next), Dev: in, Fields: ve.Fields})
	}
	if errors.Is(err, models.ErrEmailTaken) {
		return h.signinPage(c, http.StatusConflict, signinView{Next: safeNext(in.Next), Dev: in, Error: models.ErrEmailTaken.Message})
	}
	if errors.As(err, &rl) {
		return h.signinRefused(c, signinView{Next: safeNext(in.Next), Dev: in}, rl)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, user); err != nil {
		return err
	}
	return h.afterSignIn(c, http.StatusSeeOther, safeNext(in.Next))
}
