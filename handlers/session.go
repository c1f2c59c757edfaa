package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// Keys under which loadSession stores request state in the Echo context.
const (
	keyUser    = "user"
	keySession = "session"
	keyToken   = "session_token"
)

func (h *Handler) https() bool { return h.opts.BaseURL != nil && h.opts.BaseURL.Scheme == "https" }

// cookieName adds the __Host- prefix on https: such a cookie must be Secure,
// host-only and Path=/, so a sibling subdomain cannot plant or shadow it.
func (h *Handler) cookieName(base string) string {
	if h.https() {
		return "__Host-" + base
	}
	return base
}

// setCookie also marks the response no-store: a cached response would hand
// its cookie (a session, CSRF or sign-in secret) to the next visitor.
func (h *Handler) setCookie(c echo.Context, name, value string, maxAge int, sameSite http.SameSite) {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	c.SetCookie(&http.Cookie{
		Name: h.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.https(), SameSite: sameSite,
	})
}

// sessions resolves the session cookie to a user for every request that
// is not an operations or static route.
func (h *Handler) sessions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.skipSession(c) {
			return next(c)
		}
		ck, err := c.Cookie(h.cookieName("session"))
		if err != nil || ck.Value == "" {
			return next(c)
		}
		user, sess, err := models.SessionUser(c.Request().Context(), h.db, ck.Value)
		switch {
		case errors.Is(err, models.ErrUnauthorized):
			h.setCookie(c, "session", "", -1, http.SameSiteLaxMode)
		case err != nil:
			return err
		default:
			c.Set(keyUser, user)
			c.Set(keySession, sess)
			c.Set(keyToken, ck.Value)
		}
		return next(c)
	}
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(keyUser).(*models.User)
	return u
}

// startSession signs user in with a brand-new session id; any session the
// browser had before is deleted, so a fixated id is worthless, and the CSRF
// token changes with it.
func (h *Handler) startSession(c echo.Context, user *models.User) error {
	ctx := c.Request().Context()
	if old, err := c.Cookie(h.cookieName("session")); err == nil && old.Value != "" {
		if err := models.DeleteSession(ctx, h.db, old.Value); err != nil {
			return err
		}
	}
	token, err := models.CreateSession(ctx, h.db, user.ID, c.Request().UserAgent(), c.RealIP())
	if err != nil {
		return err
	}
	h.setCookie(c, "session", token, int(models.SessionAbsolute.Seconds()), http.SameSiteLaxMode)
	c.Set(keyUser, user)
	c.Set(keyToken, token)
	h.rotateCSRF(c)
	return nil
}

// endSession deletes the session row, not just the cookie.
func (h *Handler) endSession(c echo.Context) error {
	if token, _ := c.Get(keyToken).(string); token != "" {
		if err := models.DeleteSession(c.Request().Context(), h.db, token); err != nil {
			return err
		}
	}
	h.setCookie(c, "session", "", -1, http.SameSiteLaxMode)
	c.Set(keyUser, nil)
	c.Set(keySession, nil)
	c.Set(keyToken, "")
	h.rotateCSRF(c)
	return nil
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }
