package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// apiUser is a user in JSON.
type apiUser struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	AvatarURL string `json:"avatar_url"`
}

func toAPIUser(u *models.User) *apiUser {
	if u == nil {
		return nil
	}
	return &apiUser{ID: u.ID, Name: u.DisplayName(), Role: u.Role, AvatarURL: u.AvatarURL}
}

// apiMe tells scripts who they are and the CSRF token to send back.
func (h *Handler) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"user": toAPIUser(currentUser(c)), "csrf_token": csrfToken(c)})
}

func (h *Handler) apiUpdateMe(c echo.Context) error {
	var in nameInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "The request body must be JSON like {\"name\": \"…\"}."}
	}
	u, err := models.UpdateName(c.Request().Context(), h.db, currentUser(c).ID, in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": toAPIUser(u)})
}
