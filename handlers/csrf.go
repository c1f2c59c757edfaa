package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

const keyCSRF = "csrf"

// csrf protects every state-changing request: the token comes in the
// `_csrf` form field or the X-CSRF-Token header and must be the one bound to
// this browser's session, an HMAC (keyed with SESSION_SECRET) of the session
// cookie's secret token. A token from another session, or from before a
// sign-in or sign-out, is refused. Anonymous visitors (sign-in forms) get a
// token bound the same way to a random `csrf` cookie, which a sign-in or
// sign-out replaces. The token is checked on every unsafe request; browsers
// that send Sec-Fetch-Site must also say same-origin: same-site ones (a
// sibling subdomain) and cross-site ones are refused outright, and the
// cookies are __Host- prefixed on https so a sibling cannot plant them.
func (h *Handler) csrf() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// Provider callbacks are protected by the single-use state and
			// the browser-binding cookie instead (Apple posts them cross-site).
			// RFC 8058 one-click unsubscribe is posted by mail clients; its
			// signed token is the proof instead. A bearer request carries no
			// cookie authority (bearer refuses one with a session cookie).
			if strings.HasSuffix(c.Path(), "/:provider/callback") || c.Path() == "/unsubscribe" ||
				h.skipSession(c) || unmatched(c) || currentAPIToken(c) != nil {
				return next(c)
			}
			req := c.Request()
			unsafe := !safeMethod(req.Method)
			if site := req.Header.Get("Sec-Fetch-Site"); unsafe && site != "" && site != "same-origin" && site != "none" {
				return csrfFailed
			}
			h.bindCSRF(c)
			if unsafe {
				sent := req.Header.Get(echo.HeaderXCSRFToken)
				if sent == "" {
					sent = c.FormValue("_csrf")
				}
				want, _ := c.Get(keyCSRF).(string)
				if !hmac.Equal([]byte(sent), []byte(want)) {
					return csrfFailed
				}
			}
			c.Response().Header().Add(echo.HeaderVary, echo.HeaderCookie)
			return next(c)
		}
	}
}

var csrfFailed = models.Forbidden("This form has expired or came from another site. Please reload the page and try again.")

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// bindCSRF puts the token for this request's session (or anonymous cookie,
// issued when missing) in the context.
func (h *Handler) bindCSRF(c echo.Context) {
	if session, _ := c.Get(keyToken).(string); session != "" {
		c.Set(keyCSRF, h.csrfMAC("session", session))
		return
	}
	if ck, err := c.Cookie(h.cookieName("csrf")); err == nil && len(ck.Value) == 43 {
		c.Set(keyCSRF, h.csrfMAC("anonymous", ck.Value))
		return
	}
	h.newAnonymousCSRF(c)
}

// rotateCSRF follows a sign-in or sign-out: the anonymous cookie is
// replaced (signed out) or dropped (signed in), so no earlier token works.
func (h *Handler) rotateCSRF(c echo.Context) {
	if session, _ := c.Get(keyToken).(string); session != "" {
		h.setCookie(c, "csrf", "", -1, http.SameSiteLaxMode)
		c.Set(keyCSRF, h.csrfMAC("session", session))
		return
	}
	h.newAnonymousCSRF(c)
}

func (h *Handler) newAnonymousCSRF(c echo.Context) {
	v := models.NewToken()
	h.setCookie(c, "csrf", v, int(models.SessionAbsolute.Seconds()), http.SameSiteLaxMode)
	c.Set(keyCSRF, h.csrfMAC("anonymous", v))
}

// csrfMAC derives a token from a browser's secret; the kind keeps a session
// token and an anonymous cookie of the same value apart.
func (h *Handler) csrfMAC(kind, secret string) string {
	m := hmac.New(sha256.New, h.opts.SessionSecret)
	m.Write([]byte("csrf\x00" + kind + "\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken is the token for forms and scripts. Asking for it marks the
// response no-store: no cache may keep a page or JSON that carries it.
func csrfToken(c echo.Context) string {
	t, _ := c.Get(keyCSRF).(string)
	if t != "" {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	}
	return t
}

// skipSession is true for routes that never need a user: operations
// endpoints and static files stay cheap and cookie-free.
func (h *Handler) skipSession(c echo.Context) bool {
	switch p := c.Path(); {
	case p == "/healthz", p == "/readyz", p == "/metrics", strings.HasPrefix(p, "/static/"), trackerWebhookPath(p):
		return true
	}
	return false
}

// unmatched is true when no route matched: such requests end in 404 (or
// 405) and change nothing, so they need no CSRF check.
func unmatched(c echo.Context) bool { return c.Path() == "" || c.Path() == "/*" }
