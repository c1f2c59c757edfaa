package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/crowdwise/crowdwise/models"
)

const keyCSRF = "csrf"

// csrf protects every state-changing request: the token comes in the
// `_csrf` form field or the X-CSRF-Token header and must match the token
// cookie. Browsers that send Sec-Fetch-Site pass only same-origin requests;
// same-site ones (a sibling subdomain) are refused outright, and the cookie
// is __Host- prefixed on https so a sibling cannot plant it either.
func (h *Handler) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper: func(c echo.Context) bool {
			// Provider callbacks are protected by the single-use state and
			// the browser-binding cookie instead (Apple posts them cross-site).
			// RFC 8058 one-click unsubscribe is posted by mail clients; its
			// signed token is the proof instead.
			return strings.HasSuffix(c.Path(), "/:provider/callback") || c.Path() == "/unsubscribe" ||
				h.skipSession(c) || unmatched(c)
		},
		TokenLookup:    "header:" + echo.HeaderXCSRFToken + ",form:_csrf",
		ContextKey:     keyCSRF,
		CookieName:     h.cookieName("csrf"),
		CookiePath:     "/",
		CookieMaxAge:   int(models.SessionAbsolute.Seconds()),
		CookieSecure:   h.https(),
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		AllowSecFetchSiteFunc: func(echo.Context) (bool, error) {
			return false, csrfFailed
		},
		ErrorHandler: func(error, echo.Context) error { return csrfFailed },
	})
}

var csrfFailed = models.Forbidden("This form has expired or came from another site. Please reload the page and try again.")

func csrfToken(c echo.Context) string {
	t, _ := c.Get(keyCSRF).(string)
	return t
}

// skipSession is true for routes that never need a user: operations
// endpoints and static files stay cheap and cookie-free.
func (h *Handler) skipSession(c echo.Context) bool {
	switch p := c.Path(); {
	case p == "/healthz", p == "/readyz", p == "/metrics", strings.HasPrefix(p, "/static/"):
		return true
	}
	return false
}

// unmatched is true when no route matched: such requests end in 404 (or
// 405) and change nothing, so they need no CSRF check.
func unmatched(c echo.Context) bool { return c.Path() == "" || c.Path() == "/*" }
