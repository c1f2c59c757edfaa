package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// requireUser lets signed-in users through. Anonymous API calls get 401
// JSON; anonymous page requests go to sign-in and come back afterwards.
func (h *Handler) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		if isAPI(c) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="crowdwise"`)
			return &models.Problem{Kind: models.ErrUnauthorized, Message: "Please sign in."}
		}
		back := "/"
		if c.Request().Method == http.MethodGet {
			back = c.Request().URL.RequestURI()
		}
		return c.Redirect(http.StatusFound, "/signin?next="+url.QueryEscape(back))
	}
}

// requireRole lets through users with one of roles (admins always); others
// get 403. Models check again where they scope data.
func (h *Handler) requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return h.requireUser(func(c echo.Context) error {
			if !currentUser(c).HasRole(roles...) {
				return models.Forbidden("You don't have access to this page.")
			}
			return next(c)
		})
	}
}
